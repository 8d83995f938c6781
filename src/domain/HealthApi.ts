import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema } from "effect/http-api"

export const HealthReport = Schema.Struct({
  status: Schema.Literals(["ok", "degraded"]),
  db: Schema.Literals(["ok", "down"]),
  llm: Schema.Literals(["configured", "not_configured"]),
  inbox: Schema.Literals(["postgres", "sqs"]),
  /** Present only while a WhatsApp channel is unhealthy (e.g. its token was rejected). */
  channels: Schema.optionalKey(Schema.Struct({
    unhealthy: Schema.Array(Schema.Struct({ phone_number_id: Schema.String, reason: Schema.String, since: Schema.String }))
  }))
})
export type HealthReport = typeof HealthReport.Type

export class HealthApi extends HttpApiGroup.make("health").add(
  HttpApiEndpoint.get("health", "/health", {
    success: HealthReport,
    // the same report, answered with 503 while the database is unreachable
    error: HealthReport.pipe(HttpApiSchema.status(503))
  })
) {}
