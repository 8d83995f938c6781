/** The dashboard's HttpApi groups, in the order they appear in the OpenAPI document. */
import { AnalyticsApi } from "./analytics.ts"
import { AuthApi, MeApi } from "./auth.ts"
import { ConversationsApi } from "./conversations.ts"
import { LeadsApi } from "./leads.ts"
import { SettingsApi } from "./settings.ts"
import { WebhooksApi } from "./webhooks.ts"

export const DashboardGroups = [AuthApi, MeApi, ConversationsApi, LeadsApi, AnalyticsApi, SettingsApi, WebhooksApi] as const
