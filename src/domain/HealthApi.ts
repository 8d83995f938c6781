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

export class HealthApi extends HttpApiGroup.make("health").add(
  HttpApiEndpoint.get("health", "/health", {
    success: HealthReport,
    // the same report, answered with 503 while the database is unreachable
    error: HealthReport.pipe(HttpApiSchema.status(503))
  })
) {}
