/**
 * Who a handed-off conversation goes to: an active person of the organization seen in the
 * dashboard or the live stream within ONLINE_WINDOW, round robin (the one assigned longest ago),
 * else nobody. Row locks (SKIP LOCKED) keep two simultaneous handoffs from picking the same
 * person twice in a row.
 */
import { Effect, Schema } from "effect"
import type { SqlClient } from "effect/sql"
import { type OrganizationId, UserId } from "../domain/ids.ts"
import { decodeRows } from "../db/rows.ts"

const userIdRows = decodeRows(Schema.Struct({ id: UserId }))

/** Seen this recently: online. */
export const ONLINE_WINDOW_MINUTES = 5

export const pickAssignee = (sql: SqlClient.SqlClient, organizationId: OrganizationId) =>
  sql`
    WITH pick AS (
      SELECT id FROM users
      WHERE organization_id = ${organizationId} AND is_active
        AND last_seen_at > now() - make_interval(mins => ${ONLINE_WINDOW_MINUTES})
      ORDER BY last_assigned_at ASC NULLS FIRST, id
      LIMIT 1 FOR UPDATE SKIP LOCKED
    )
    UPDATE users u SET last_assigned_at = clock_timestamp() FROM pick WHERE u.id = pick.id
    RETURNING u.id`.pipe(userIdRows, Effect.map((rows) => rows[0]?.id ?? null))
