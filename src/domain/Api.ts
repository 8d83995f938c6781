/** The public HTTP API: what a dashboard or any client may import. */
import { HttpApi, OpenApi } from "effect/http-api"
import { DashboardGroups } from "./dashboard/groups.ts"
import { HealthApi } from "./HealthApi.ts"
import { WhatsAppWebhookApi } from "./WhatsAppApi.ts"

export class Api extends HttpApi.make("wa-sales-agent")
  .add(HealthApi)
  .add(WhatsAppWebhookApi)
  .add(...DashboardGroups)
  .annotate(OpenApi.Title, "WhatsApp AI sales agent")
{}
