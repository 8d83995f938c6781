/** The dashboard API as layers: HTTP handler groups, the RPC server, and their services. */
import { Layer } from "effect"
import { Accounts } from "../auth/Accounts.ts"
import { AuthorizationLive, Authenticator } from "../auth/Authentication.ts"
import { AuthHttpLive, MeHttpLive } from "../auth/http.ts"
import { LoginThrottle } from "../auth/LoginThrottle.ts"
import { Presence } from "../auth/Presence.ts"
import { Tokens } from "../auth/Tokens.ts"
import { Analytics } from "./analytics/Analytics.ts"
import { AnalyticsHttpLive } from "./analytics/http.ts"
import { ConversationsView } from "./conversations/ConversationsView.ts"
import { HumanSend } from "./conversations/HumanSend.ts"
import { ConversationsHttpLive } from "./conversations/http.ts"
import { ModeAuditLive } from "./conversations/ModeAudit.ts"
import { InboxHttpLive } from "./inbox/http.ts"
import { InboxView } from "./inbox/InboxView.ts"
import { TurnAuditLive } from "./inbox/TurnAudit.ts"
import { LeadsHttpLive } from "./leads/http.ts"
import { Leads } from "./leads/Leads.ts"
import { DashboardRpcLive } from "./rpc/server.ts"
import { SettingsHttpLive } from "./settings/http.ts"
import { WebhooksHttpLive } from "./settings/webhooks.ts"
import { Settings } from "./settings/Settings.ts"
import { RequestValidationLive } from "./validation.ts"
import { OverdueMetricsLive } from "../handoffs/overdueMetrics.ts"
import { Webhooks } from "../handoffs/Webhooks.ts"

const AuthServices = Authenticator.layer.pipe(
  Layer.provideMerge(Accounts.layer),
  Layer.provideMerge(Layer.mergeAll(Tokens.layer, LoginThrottle.layer, Presence.layer))
)

/** Needs SqlClient, EventBus, AppConfig and the WhatsApp services (Channels, WebhookSecrets, WhatsApp). */
export const DashboardServices = Layer.mergeAll(
  Layer.mergeAll(HumanSend.layer, InboxView.layer).pipe(Layer.provideMerge(Layer.merge(ConversationsView.layer, Leads.layer))),
  Analytics.layer,
  Settings.layer,
  Webhooks.dispatcher.pipe(Layer.provideMerge(Webhooks.layer)),
  OverdueMetricsLive,
  ModeAuditLive,
  TurnAuditLive
).pipe(Layer.provideMerge(AuthServices))

/** Handler layers for the dashboard groups of `Api` (with their middleware). */
export const DashboardHttpLive = Layer.mergeAll(
  AuthHttpLive,
  MeHttpLive,
  ConversationsHttpLive,
  InboxHttpLive,
  LeadsHttpLive,
  AnalyticsHttpLive,
  SettingsHttpLive,
  WebhooksHttpLive
).pipe(
  Layer.provideMerge(Layer.mergeAll(AuthorizationLive, RequestValidationLive)),
  Layer.provideMerge(DashboardServices)
)

/** The RPC server at /rpc (WebSocket) with its live event stream. */
export const DashboardRpcRoutes = DashboardRpcLive.pipe(Layer.provide(DashboardServices))
