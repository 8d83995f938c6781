/** The dashboard's HttpApi groups, in the order they appear in the OpenAPI document. */
import { AnalyticsApi } from "./analytics.ts"
import { AuthApi, MeApi } from "./auth.ts"
import { ConversationsApi } from "./conversations.ts"
import { InboxApi } from "./inbox.ts"
import { LeadsApi } from "./leads.ts"
import { SettingsApi } from "./settings.ts"
import { WebhooksApi } from "./webhooks.ts"

export const DashboardGroups = [AuthApi, MeApi, ConversationsApi, InboxApi, LeadsApi, AnalyticsApi, SettingsApi, WebhooksApi] as const
