/** SQL for durable follow-ups (`scheduled_actions`). Times come from the caller's Clock. */
import { Effect, Schema } from "effect"
import { SqlClient, SqlSchema } from "effect/sql"
import { ConversationId, OrganizationId, ScheduledActionId } from "../domain/ids.ts"

export const FOLLOWUP_CHANNEL = "followups"

const Claimed = Schema.Struct({
  id: ScheduledActionId,
  organizationId: OrganizationId,
  conversationId: ConversationId
})
export type Claimed = typeof Claimed.Type

export const makeFollowUpStore = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  const claimDue = SqlSchema.findAll({
    Request: Schema.Struct({ now: Schema.Date, claimer: Schema.String, staleBefore: Schema.Date, limit: Schema.Int }),
    Result: Claimed,
    execute: ({ now, claimer, staleBefore, limit }) => sql`
      UPDATE scheduled_actions SET claimed_at = ${now}, claimed_by = ${claimer}
      WHERE id IN (
        SELECT id FROM scheduled_actions
        WHERE status = 'PENDING' AND scheduled_at <= ${now}
          AND (claimed_at IS NULL OR claimed_at < ${staleBefore})
        ORDER BY scheduled_at
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
      RETURNING id, organization_id, conversation_id`
  })

  /** When the scheduler must look again: the earliest unclaimed due time, or a claim's expiry. */
  const nextWake = (claimTtlMs: number) =>
    sql<{ next: Date | null }>`
      SELECT min(CASE WHEN claimed_at IS NULL THEN scheduled_at
                      ELSE claimed_at + make_interval(secs => ${claimTtlMs / 1000}) END) AS next
      FROM scheduled_actions WHERE status = 'PENDING'`.pipe(Effect.map((rows) => rows[0]?.next ?? null))

  return { claimDue, nextWake }
})
