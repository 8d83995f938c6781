/**
 * Samples `wa.handoffs.overdue` (all organizations: a count, no tenant label) every 30 s, in the
 * processes with the database, only while metrics are exported (OTLP) or served (METRICS_PORT).
 */
import { Effect, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { overdueHandoffs, record } from "../observability/metrics.ts"
import { sampledEvery } from "../observability/sampled.ts"
import { overdueCondition } from "./overdue.ts"
import { decodeRows } from "../db/rows.ts"

const countRows = decodeRows(Schema.Struct({ n: Schema.Int }))

export const countOverdue = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql`SELECT count(*)::int AS n FROM conversations c
    LEFT JOIN business_profiles p ON p.organization_id = c.organization_id
    WHERE c.mode = 'human' AND c.mode_changed_by IS NULL AND ${overdueCondition(sql)}`.pipe(countRows)
  return row?.n ?? 0
})

export const OverdueMetricsLive = sampledEvery("30 seconds", Effect.succeed(
  countOverdue.pipe(
    Effect.flatMap((n) => record(overdueHandoffs, n)),
    Effect.catchCause((cause) => Effect.logDebug("overdue handoffs not counted", cause))
  )
))
