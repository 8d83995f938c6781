/**
 * Samples `wa.handoffs.overdue` (all organizations: a count, no tenant label) every 30 s, in the
 * processes with the database, only while metrics are exported (OTLP) or served (METRICS_PORT).
 */
import { Effect, Layer, Schedule } from "effect"
import { SqlClient } from "effect/sql"
import { AppConfig } from "../config/AppConfig.ts"
import { overdueHandoffs, record } from "../observability/metrics.ts"
import { overdueCondition } from "./overdue.ts"

export const countOverdue = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM conversations c
    LEFT JOIN business_profiles p ON p.organization_id = c.organization_id
    WHERE c.mode = 'human' AND c.mode_changed_by IS NULL AND ${overdueCondition(sql)}`
  return row?.n ?? 0
})

export const OverdueMetricsLive = Layer.effectDiscard(Effect.gen(function*() {
  const config = yield* AppConfig
  if (!config.metricsWanted) return
  yield* countOverdue.pipe(
    Effect.flatMap((n) => record(overdueHandoffs, n)),
    Effect.withTracerEnabled(false),
    Effect.catchCause((cause) => Effect.logDebug("overdue handoffs not counted", cause)),
    Effect.repeat(Schedule.spaced("30 seconds")),
    Effect.forkScoped
  )
}))
