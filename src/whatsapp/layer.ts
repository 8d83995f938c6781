/**
 * The WhatsApp channel as layers: services (Channels, WhatsApp sender, Inbox, inbound
 * store) plus the quick-setup at start, the inbox consumers (which roles run them is app.ts's
 * choice), and the webhook routes. Needs AppConfig, the database (PgClient/SqlClient) and the EventBus.
 */
import { Layer } from "effect"
import { HttpMiddleware, type HttpServerRequest } from "effect/http"
import { SecretBox } from "../crypto/SecretBox.ts"
import { InboxLive } from "../inbox/InboxLive.ts"
import { InboxMetricsLive } from "../observability/inboxMetrics.ts"
import { Channels } from "./Channels.ts"
import { InboundStore } from "./InboundStore.ts"
import { InboxConsumerLive } from "./InboxConsumer.ts"
import { Ingest } from "./Ingest.ts"
import { NumberOwnership } from "./NumberOwnership.ts"
import { QuickSetupLive } from "./QuickSetup.ts"
import { webhookFastPath } from "./webhookFastPath.ts"
import { WebhookHttpLive, WebhookIntake } from "./WebhookHttp.ts"
import { WebhookSecrets } from "./WebhookSecrets.ts"
import { WebhookThrottle } from "./WebhookThrottle.ts"
import { WhatsApp } from "./WhatsApp.ts"

const ChannelsLive = Channels.layer.pipe(Layer.provide(SecretBox.layer))

/** Channels, WhatsApp, Inbox, WebhookSecrets, InboundStore, NumberOwnership (the engine's thread: no quick-setup of its own). */
export const WhatsAppCore = Layer.mergeAll(WebhookSecrets.layer, WhatsApp.layer, InboxLive, InboundStore.layer, NumberOwnership.layer).pipe(
  Layer.provideMerge(ChannelsLive)
)

/** WhatsAppCore and the quick-setup run. */
export const WhatsAppLive = QuickSetupLive.pipe(Layer.provideMerge(WhatsAppCore))

/** The inbox consumers and the inbox's gauges: roles `all` and `worker` (src/app.ts, src/internal/worker.ts). */
export const InboxConsumersLive = Layer.merge(InboxConsumerLive.pipe(Layer.provide(Ingest.layer)), InboxMetricsLive)

/** One intake (and one bad-signature throttle) for both ways in. */
const IntakeLive = WebhookIntake.layer.pipe(Layer.provide(WebhookThrottle.layer))

/** Meta's callbacks: `POST /webhooks/whatsapp` and `POST /webhooks/whatsapp/{channelId}`. */
const isDelivery = (request: HttpServerRequest.HttpServerRequest) =>
  request.method === "POST" && (request.url === "/webhooks/whatsapp" || request.url.startsWith("/webhooks/whatsapp/"))

/**
 * The `/webhooks/whatsapp` handlers (provide WhatsAppLive's services). No per-request server
 * span or access log line for Meta's callbacks (thousands per second at peak); each
 * delivery's trace starts at `Webhook.receive` and continues in `InboxConsumer.handle`.
 */
export const WhatsAppHttpLive = Layer.merge(
  WebhookHttpLive.pipe(Layer.provide(IntakeLive)),
  Layer.succeed(HttpMiddleware.TracerDisabledWhen, isDelivery)
)

/** The same intake answered by node:http itself, below the router (src/whatsapp/webhookFastPath.ts). */
export const WhatsAppFastPathLive = webhookFastPath.pipe(Layer.provide(IntakeLive))
