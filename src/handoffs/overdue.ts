/**
 * A handoff waiting too long: the bot handed the conversation over (mode human, changed by nobody)
 * more than the business's `handoff_overdue_minutes` ago, and no person has written since. Listed
 * by the dashboard (`?overdue=true`) and counted by the `wa.handoffs.overdue` gauge.
 */
import type { SqlClient } from "effect/sql"

export const DEFAULT_OVERDUE_MINUTES = 15

/** The condition over `conversations c` LEFT JOIN `business_profiles p` (never NULL). */
export const overdueCondition = (sql: SqlClient.SqlClient) =>
  sql`coalesce(c.mode = 'human' AND c.mode_changed_by IS NULL
       AND c.mode_changed_at < now() - make_interval(mins => coalesce(p.handoff_overdue_minutes, ${DEFAULT_OVERDUE_MINUTES}))
       AND NOT EXISTS (SELECT 1 FROM messages h WHERE h.conversation_id = c.id AND h.organization_id = c.organization_id
                         AND h.message_from = 'HUMAN' AND h.created_at > c.mode_changed_at), false)`
