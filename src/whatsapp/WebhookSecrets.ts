/**
 * Which app secrets may sign a webhook and which verify tokens the handshake accepts:
 * the deployment's (env quick-setup) plus every channel's own. Cached briefly, so the
 * webhook does not read the database per request; `refresh` after a channel changes.
 */
import { Clock, Context, Effect, Layer, Option, type Redacted } from "effect"
import { AppConfig } from "../config/AppConfig.ts"
import { type Channel, Channels, type ChannelStoreError } from "./Channels.ts"
import { type AppSecret, appSecret } from "./Signature.ts"

const TTL_MS = 5_000

export interface Known {
  readonly secrets: ReadonlyArray<AppSecret>
  readonly verifyTokens: ReadonlyArray<Redacted.Redacted>
}

export class WebhookSecrets extends Context.Service<WebhookSecrets, {
  readonly current: Effect.Effect<Known, ChannelStoreError>
  readonly refresh: Effect.Effect<void>
  /** The secret that must have signed deliveries for `channel`: its own, else the deployment's. */
  readonly effectiveFor: (channel: Channel) => Option.Option<AppSecret>
}>()("wa/WebhookSecrets") {
  static readonly layer = Layer.effect(WebhookSecrets, Effect.gen(function*() {
    const config = yield* AppConfig
    const channels = yield* Channels
    const quick = config.whatsapp.quickSetup
    const envSecret = Option.flatMap(quick, (q) => q.appSecret)
    const envToken = Option.flatMap(quick, (q) => q.verifyToken)
    const load = Effect.map(channels.all, (all): Known => {
      const secrets = new Map<string, AppSecret>()
      for (const s of [envSecret, ...all.map((c) => c.appSecret)]) {
        if (Option.isSome(s)) {
          const a = appSecret(s.value)
          secrets.set(a.fingerprint, a)
        }
      }
      const tokens = [envToken, ...all.map((c) => c.verifyToken)].flatMap((t) => Option.isSome(t) ? [t.value] : [])
      return { secrets: [...secrets.values()], verifyTokens: tokens }
    })
    // a plain memo (read on every webhook: must stay cheap); concurrent reloads are harmless
    let cached: { readonly known: Known; readonly until: number } | undefined
    const current = Effect.flatMap(Clock.currentTimeMillis, (now) =>
      cached !== undefined && now < cached.until
        ? Effect.succeed(cached.known)
        : Effect.tap(load, (known) => Effect.sync(() => void (cached = { known, until: now + TTL_MS }))))
    return WebhookSecrets.of({
      current,
      refresh: Effect.sync(() => void (cached = undefined)),
      effectiveFor: (channel) => Option.map(Option.orElse(channel.appSecret, () => envSecret), appSecret)
    })
  }))
}
