/** RPC handlers: the same services as the HTTP handlers, with the caller from RpcAuthentication. */
import { Duration, Effect, Stream } from "effect"
import { Accounts } from "../../auth/Accounts.ts"
import { requireAdmin } from "../../auth/Authentication.ts"
import { Presence, PRESENCE_EVERY_MS } from "../../auth/Presence.ts"
import { CurrentUser } from "../../domain/dashboard/auth.ts"
import { DashboardRpcs } from "../../domain/dashboard/rpc.ts"
import { EventBus } from "../../events/EventBus.ts"
import { Analytics } from "../analytics/Analytics.ts"
import { ConversationsView } from "../conversations/ConversationsView.ts"
import { HumanSend } from "../conversations/HumanSend.ts"
import { InboxView } from "../inbox/InboxView.ts"
import { Leads } from "../leads/Leads.ts"
import { Settings } from "../settings/Settings.ts"
import { makeWebhookSettings } from "../settings/webhooks.ts"

export const DashboardRpcHandlers = DashboardRpcs.toLayer(Effect.gen(function*() {
  const accounts = yield* Accounts
  const view = yield* ConversationsView
  const human = yield* HumanSend
  const inbox = yield* InboxView
  const leads = yield* Leads
  const analytics = yield* Analytics
  const settings = yield* Settings
  const bus = yield* EventBus
  const presence = yield* Presence
  const webhooks = yield* makeWebhookSettings
  return DashboardRpcs.of({
    "auth.me": () => Effect.flatMap(CurrentUser, accounts.me),
    "conversations.list": (query) => Effect.flatMap(CurrentUser, (caller) => view.list(caller, query)),
    "conversations.messages": ({ id, ...query }) => Effect.flatMap(CurrentUser, (caller) => view.messages(caller, id, query)),
    "conversations.takeover": ({ id }) => Effect.flatMap(CurrentUser, (caller) => view.setMode(caller, id, "human")),
    "conversations.release": ({ id }) => Effect.flatMap(CurrentUser, (caller) => view.setMode(caller, id, "bot")),
    "conversations.assign": ({ id, user_id }) => Effect.flatMap(CurrentUser, (caller) => view.assign(caller, id, user_id)),
    "conversations.get": ({ id }) => Effect.flatMap(CurrentUser, (caller) => inbox.detail(caller, id)),
    "conversations.activity": ({ id, ...query }) => Effect.flatMap(CurrentUser, (caller) => inbox.activity(caller, id, query)),
    "conversations.followups": ({ id }) => Effect.flatMap(CurrentUser, (caller) => inbox.followUps(caller, id)),
    "followups.cancel": ({ id, followup_id }) => Effect.flatMap(CurrentUser, (caller) => inbox.cancelFollowUp(caller, id, followup_id)),
    "messages.send": (input) => Effect.flatMap(CurrentUser, (caller) => human.send(caller, input)),
    "leads.list": (query) => Effect.flatMap(CurrentUser, (caller) => leads.list(caller, query)),
    "leads.create": (input) => Effect.flatMap(CurrentUser, (caller) => leads.create(caller, input)),
    "leads.update": ({ id, changes }) => Effect.flatMap(CurrentUser, (caller) => leads.update(caller, id, changes)),
    "leads.delete": ({ id }) =>
      Effect.flatMap(CurrentUser, (caller) => Effect.andThen(requireAdmin(caller), leads.remove(caller, id))),
    "analytics.get": (query) => Effect.flatMap(CurrentUser, (caller) => analytics.report(caller, query)),
    "dashboard.stats": () => Effect.flatMap(CurrentUser, analytics.stats),
    "channels.create": (input) => Effect.flatMap(CurrentUser, (caller) => settings.createChannel(caller, input)),
    "channels.list": () => Effect.flatMap(CurrentUser, settings.listChannels),
    "organization.getProfile": () => Effect.flatMap(CurrentUser, settings.getProfile),
    "organization.putProfile": ({ profile }) => Effect.flatMap(CurrentUser, (caller) => settings.putProfile(caller, profile)),
    "organization.templates": () => Effect.flatMap(CurrentUser, inbox.templates),
    "organization.getInvite": () => Effect.flatMap(CurrentUser, settings.getInvite),
    "organization.rotateInvite": () => Effect.flatMap(CurrentUser, settings.rotateInvite),
    "organization.getWebhook": () => Effect.flatMap(CurrentUser, webhooks.get),
    "organization.putWebhook": (input) => Effect.flatMap(CurrentUser, (caller) => webhooks.put(caller, input)),
    "organization.deleteWebhook": () => Effect.flatMap(CurrentUser, webhooks.remove),
    "organization.testWebhook": () => Effect.flatMap(CurrentUser, webhooks.test),
    "organization.webhookDeliveries": (query) => Effect.flatMap(CurrentUser, (caller) => webhooks.deliveries(caller, query)),
    // while the stream is open its person counts as online (handoffs may be assigned to them)
    "events.subscribe": () =>
      Stream.unwrap(Effect.map(CurrentUser, (caller) =>
        bus.forOrganization(caller.organizationId).pipe(
          Stream.drainFork(Stream.tick(Duration.millis(PRESENCE_EVERY_MS)).pipe(Stream.mapEffect(() => presence.seen(caller))))
        )))
  })
}))
