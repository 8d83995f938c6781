/**
 * The one secret (and verify token) each webhook route checks: the bare route, the deployment's
 * (WHATSAPP_APP_SECRET / WHATSAPP_VERIFY_TOKEN, no database read); a channel's route, that
 * channel's own, else the deployment's. A channel's keys are cached briefly (bounded, per
 * channel), so a webhook does not read the database per request; `refresh` after a channel
 * changes.
 */
import { Cache, Context, Effect, Layer, Option, type Redacted } from "effect"
import { AppConfig } from "../config/AppConfig.ts"
import type { ChannelId, OrganizationId } from "../domain/ids.ts"
import { type Channel, Channels, type ChannelStoreError, keptBriefly, type SecretName } from "./Channels.ts"
import { type AppSecret, appSecret } from "./Signature.ts"

/** What a channel's route checks a request against. */
export interface ChannelKeys {
  readonly channelId: ChannelId
  readonly organizationId: OrganizationId
  /** Its own app secret, else the deployment's; none → every delivery is refused (also while disabled). */
  readonly secret: Option.Option<AppSecret>
  /** Its own verify token, else the deployment's; none while disabled. */
  readonly verifyToken: Option.Option<Redacted.Redacted>
  /** Sealed secrets that could not be opened: the channel is disabled until they are set again. */
  readonly unreadable: ReadonlyArray<SecretName>
}

export class WebhookSecrets extends Context.Service<WebhookSecrets, {
  /** The deployment's app secret (WHATSAPP_APP_SECRET): the only one the bare route accepts. */
  readonly deployment: Option.Option<AppSecret>
  /** The deployment's verify token (WHATSAPP_VERIFY_TOKEN): the bare route's handshake. */
  readonly deploymentVerifyToken: Option.Option<Redacted.Redacted>
  /** The keys of one channel's route; none for an unknown channel. */
  readonly forChannel: (id: ChannelId) => Effect.Effect<Option.Option<ChannelKeys>, ChannelStoreError>
  readonly refresh: Effect.Effect<void>
  /** The secret that must have signed deliveries for `channel`: its own, else the deployment's; none while disabled. */
  readonly effectiveFor: (channel: Channel) => Option.Option<AppSecret>
}>()("wa/WebhookSecrets") {
  static readonly layer = Layer.effect(WebhookSecrets, Effect.gen(function*() {
    const config = yield* AppConfig
    const channels = yield* Channels
    const quick = config.whatsapp.quickSetup
    const deployment = Option.map(Option.flatMap(quick, (q) => q.appSecret), appSecret)
    const deploymentVerifyToken = Option.flatMap(quick, (q) => q.verifyToken)
    // a disabled channel (a secret that cannot be opened) has no key at all: never the deployment's instead
    const disabled = (channel: Channel) => channel.unreadable.length > 0
    const effectiveFor = (channel: Channel) =>
      disabled(channel) ? Option.none() : Option.orElse(Option.map(channel.appSecret, appSecret), () => deployment)
    const keysOf = (channel: Channel): ChannelKeys => ({
      channelId: channel.id,
      organizationId: channel.organizationId,
      secret: effectiveFor(channel),
      verifyToken: disabled(channel) ? Option.none() : Option.orElse(channel.verifyToken, () => deploymentVerifyToken),
      unreadable: channel.unreadable
    })
    const cache = yield* keptBriefly((id: ChannelId) => Effect.map(channels.findById(id), Option.map(keysOf)))
    return WebhookSecrets.of({
      deployment,
      deploymentVerifyToken,
      forChannel: (id) => Cache.get(cache, id),
      refresh: Cache.invalidateAll(cache),
      effectiveFor
    })
  }))
}
