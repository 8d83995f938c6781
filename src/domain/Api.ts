/** The public HTTP API: what a dashboard or any client may import. */
import { HttpApi, OpenApi } from "effect/http-api"
import { HealthApi } from "./HealthApi.ts"

export class Api extends HttpApi.make("wa-sales-agent")
  .add(HealthApi)
  .annotate(OpenApi.Title, "WhatsApp AI sales agent")
{}
