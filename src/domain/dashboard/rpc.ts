/**
 * The dashboard operations as a typed RPC group (served over WebSocket at /rpc), plus the live
 * event stream. The socket authenticates on connect (bearer header or `access_token` query) and
 * every call is authenticated again by `RpcAuthentication`; events are the caller's organization's.
 */
import { Schema } from "effect"
import { Rpc, RpcGroup, RpcMiddleware } from "effect/rpc"
import { DomainEvent } from "../events.ts"
import { Analytics, AnalyticsQuery, DashboardStats } from "./analytics.ts"
import { CurrentUser, Me } from "./auth.ts"
import { AssignPayload, ConversationItem, ConversationPage, ConversationQuery, MessageItem, MessagePage, SendPayload } from "./conversations.ts"
import { RpcError, Unauthorized } from "./errors.ts"
import { Cursor, Limit, Uuid } from "./fields.ts"
import { ActivityPage, ActivityQuery, ConversationDetail, FollowUpItem, FollowUpList, TemplateList } from "./inbox.ts"
import { CreateLeadPayload, Lead, LeadPage, LeadQuery, UpdateLeadPayload } from "./leads.ts"
import { BusinessProfile, BusinessProfileUpdate, Channel, CreateChannelPayload, Invite } from "./settings.ts"
import { DeliveryQuery, WebhookConfigured, WebhookDeliveryPage, WebhookPayload, WebhookSettings, WebhookTestResult } from "./webhooks.ts"

export class RpcAuthentication extends RpcMiddleware.Service<RpcAuthentication, { provides: CurrentUser }>()(
  "wa/dashboard/RpcAuthentication",
  { error: Unauthorized, requiredForClient: false }
) {}

const byId = { id: Uuid }

export class DashboardRpcs extends RpcGroup.make(
  Rpc.make("auth.me", { success: Me, error: RpcError }),
  Rpc.make("conversations.list", { payload: ConversationQuery.fields, success: ConversationPage, error: RpcError }),
  Rpc.make("conversations.messages", {
    payload: { ...byId, limit: Limit, cursor: Cursor },
    success: MessagePage,
    error: RpcError
  }),
  Rpc.make("conversations.takeover", { payload: byId, success: ConversationItem, error: RpcError }),
  Rpc.make("conversations.release", { payload: byId, success: ConversationItem, error: RpcError }),
  Rpc.make("conversations.assign", { payload: { ...byId, ...AssignPayload.fields }, success: ConversationItem, error: RpcError }),
  Rpc.make("conversations.get", { payload: byId, success: ConversationDetail, error: RpcError }),
  Rpc.make("conversations.activity", { payload: { ...byId, ...ActivityQuery.fields }, success: ActivityPage, error: RpcError }),
  Rpc.make("conversations.followups", { payload: byId, success: FollowUpList, error: RpcError }),
  Rpc.make("followups.cancel", { payload: { ...byId, followup_id: Uuid }, success: FollowUpItem, error: RpcError }),
  Rpc.make("messages.send", { payload: SendPayload.fields, success: MessageItem, error: RpcError }),
  Rpc.make("leads.list", { payload: LeadQuery.fields, success: LeadPage, error: RpcError }),
  Rpc.make("leads.create", { payload: CreateLeadPayload.fields, success: Lead, error: RpcError }),
  Rpc.make("leads.update", { payload: { ...byId, changes: UpdateLeadPayload }, success: Lead, error: RpcError }),
  Rpc.make("leads.delete", { payload: byId, error: RpcError }),
  Rpc.make("analytics.get", { payload: AnalyticsQuery.fields, success: Analytics, error: RpcError }),
  Rpc.make("dashboard.stats", { success: DashboardStats, error: RpcError }),
  Rpc.make("channels.create", { payload: CreateChannelPayload.fields, success: Channel, error: RpcError }),
  Rpc.make("channels.list", { success: Schema.Array(Channel), error: RpcError }),
  Rpc.make("organization.getProfile", { success: BusinessProfile, error: RpcError }),
  Rpc.make("organization.putProfile", { payload: { profile: BusinessProfileUpdate }, success: BusinessProfile, error: RpcError }),
  Rpc.make("organization.templates", { success: TemplateList, error: RpcError }),
  Rpc.make("organization.getInvite", { success: Invite, error: RpcError }),
  Rpc.make("organization.rotateInvite", { success: Invite, error: RpcError }),
  Rpc.make("organization.getWebhook", { success: WebhookSettings, error: RpcError }),
  Rpc.make("organization.putWebhook", { payload: WebhookPayload.fields, success: WebhookConfigured, error: RpcError }),
  Rpc.make("organization.deleteWebhook", { error: RpcError }),
  Rpc.make("organization.testWebhook", { success: WebhookTestResult, error: RpcError }),
  Rpc.make("organization.webhookDeliveries", { payload: DeliveryQuery.fields, success: WebhookDeliveryPage, error: RpcError }),
  /** Live events of the caller's organization: new messages, status changes, handoffs, takeovers. */
  Rpc.make("events.subscribe", { success: DomainEvent, error: RpcError, stream: true })
).middleware(RpcAuthentication) {}

