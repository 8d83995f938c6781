import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema } from "effect/http-api"

export const HealthReport = Schema.Struct({
  status: Schema.Literals(["ok", "degraded"]),
  db: Schema.Literals(["ok", "down"]),
  llm: Schema.Literals(["configured", "not_configured"]),
  inbox: Schema.Literals(["postgres", "sqs"]),
  /**
   * Present only while WhatsApp channels are unhealthy (e.g. a token was rejected): how many.
   * Public: no tenant's number or Graph API error here (each organization sees its channels'
   * health in `GET /channels`).
   */
  channels: Schema.optionalKey(Schema.Struct({ unhealthy: Schema.Int }))
})
export type HealthReport = typeof HealthReport.Type

/** Liveness: the process is up and serving (no dependency is asked). */
export const LiveReport = Schema.Struct({ status: Schema.Literal("ok") })

const Check = Schema.Literals(["ok", "down"])

/**
 * Readiness: should traffic come here? Each dependency this role needs, asked now (at most 2 s
 * each): `database` and `inbox` where the database is, `api` (the internal API) and `inbox` in a
 * worker. `stopping` while SIGTERM drains the process.
 */
export const ReadyReport = Schema.Struct({
  status: Schema.Literals(["ready", "not_ready"]),
  checks: Schema.Struct({
    database: Schema.optionalKey(Check),
    inbox: Schema.optionalKey(Check),
    api: Schema.optionalKey(Check)
  }),
  stopping: Schema.optionalKey(Schema.Boolean)
})
export type ReadyReport = typeof ReadyReport.Type

export class HealthApi extends HttpApiGroup.make("health").add(
  HttpApiEndpoint.get("health", "/health", {
    success: HealthReport,
    // the same report, answered with 503 while the database is unreachable
    error: HealthReport.pipe(HttpApiSchema.status(503))
  }),
  HttpApiEndpoint.get("live", "/health/live", { success: LiveReport }),
  HttpApiEndpoint.get("ready", "/health/ready", {
    success: ReadyReport,
    // the same report, answered with 503 while a dependency is down or the process is stopping
    error: ReadyReport.pipe(HttpApiSchema.status(503))
  })
) {}
