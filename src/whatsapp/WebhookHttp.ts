/**
 * `GET/POST /webhooks/whatsapp` (the deployment's app secret and verify token: quick setup) and
 * `GET/POST /webhooks/whatsapp/{channelId}` (that channel's own, else the deployment's). A POST is
 * checked against the one secret its route names — one HMAC, however many tenants — before
 * anything parses it; a client address that keeps failing gets 429 without an HMAC
 * (WebhookThrottle). An accepted delivery is written to the inbox with who vouched for it
 * (Signer: which numbers it may speak for) and answered 200; processing happens after the ack
 * (InboxConsumer → Ingest).
 */
import { ByteSize, Context, Duration, Effect, Layer, Option, Redacted, Result } from "effect"
import { HttpIncomingMessage, HttpMiddleware, type HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import { clientAddress } from "../http/clientAddress.ts"
import { AppConfig } from "../config/AppConfig.ts"
import { Api } from "../domain/Api.ts"
import { ChannelId } from "../domain/ids.ts"
import {
  InboxUnavailable,
  InvalidSignature,
  PayloadTooLarge,
  TooManyBadSignatures,
  VerificationFailed,
  WEBHOOK_MAX_BYTES
} from "../domain/WhatsAppApi.ts"
import { SqlClient } from "effect/sql"
import { keepOversized } from "../inbox/oversize.ts"
import { Inbox } from "../inbox/Inbox.ts"
import { count, webhookDeliveries } from "../observability/metrics.ts"
import { currentTraceparent } from "../observability/traceContext.ts"
import { type AppSecret, safeEqual, verifySignature } from "./Signature.ts"
import { encodeSigner } from "./Signer.ts"
import { WebhookSecrets } from "./WebhookSecrets.ts"
import { WebhookThrottle } from "./WebhookThrottle.ts"

const outcomeOf = (tag: string) =>
  tag === "InvalidSignature"
    ? "bad_signature"
    : tag === "TooManyBadSignatures"
    ? "rate_limited"
    : tag === "PayloadTooLarge"
    ? "too_large"
    : tag === "InboxUnavailable"
    ? "inbox_unavailable"
    : "invalid"

const tooLarge = new PayloadTooLarge({ maxBytes: WEBHOOK_MAX_BYTES })
/** The success body, pre-encoded: the hot path skips schema encoding. */
const accepted = HttpServerResponse.text("{\"received\":true}", { contentType: "application/json" })

/** The secret a route checks, and what an accepted delivery is stored as (`signedBy`). */
interface Check {
  readonly secret: AppSecret
  readonly signedBy: (fingerprint: string) => string
}
/** Why a route accepts nothing right now (logged; the request gets 401). */
interface Refusal {
  readonly reason: string
  readonly level: "warning" | "error"
}

interface VerifyQuery {
  readonly "hub.mode"?: string | undefined
  readonly "hub.verify_token"?: string | undefined
  readonly "hub.challenge"?: string | undefined
}

const handshake = (query: VerifyQuery, expected: Option.Option<Redacted.Redacted>) =>
  Effect.gen(function*() {
    const token = query["hub.verify_token"]
    if (query["hub.mode"] !== "subscribe" || token === undefined || Option.isNone(expected)) return yield* new VerificationFailed()
    if (!safeEqual(Redacted.value(expected.value), token)) return yield* new VerificationFailed()
    return query["hub.challenge"] ?? ""
  })

/** A delivery as it arrives, whichever way it came in: the client's address, the signature, the body (bounded). */
export interface Arrival {
  readonly address: string
  readonly signature: string | undefined
  /** Content-Length, 0 when not given */
  readonly declaredBytes: number
  readonly body: Effect.Effect<Uint8Array, PayloadTooLarge | InvalidSignature>
}

/** The route a delivery came to: the bare one (the deployment's secret) or a channel's. */
export type WebhookRoute = { readonly name: "deployment" } | { readonly name: "channel"; readonly channelId: ChannelId }

export type IntakeError = InvalidSignature | PayloadTooLarge | InboxUnavailable | TooManyBadSignatures

/** Checks and stores a delivery (both ways in: the HttpApi handler and the node:http fast path). */
export class WebhookIntake extends Context.Service<WebhookIntake, {
  readonly receive: (arrival: Arrival, route: WebhookRoute) => Effect.Effect<HttpServerResponse.HttpServerResponse, IntakeError>
}>()("wa/WebhookIntake") {
  static readonly layer = Layer.effect(WebhookIntake, Effect.gen(function*() {
  const config = yield* AppConfig
  const secrets = yield* WebhookSecrets
  const inbox = yield* Inbox
  const throttle = yield* WebhookThrottle
  const sql = yield* SqlClient.SqlClient

  const deploymentCheck: Result.Result<Check, Refusal> = Option.match(secrets.deployment, {
    onNone: () =>
      Result.fail({
        reason: "WHATSAPP_APP_SECRET is unset: /webhooks/whatsapp accepts nothing (channels have /webhooks/whatsapp/{channelId})",
        level: "warning"
      }),
    onSome: (secret) => Result.succeed({ secret, signedBy: (fingerprint) => encodeSigner({ _tag: "Deployment", fingerprint }) })
  })

  const channelCheck = (channelId: ChannelId) =>
    secrets.forChannel(channelId).pipe(
      Effect.tapError((e) => Effect.logError("webhook channel not readable").pipe(Effect.annotateLogs({ channelId, error: e.reason }))),
      Effect.mapError(() => new InboxUnavailable()),
      Effect.map((found): Result.Result<Check, Refusal> => {
        if (Option.isNone(found)) return Result.fail({ reason: "unknown channel", level: "warning" })
        const keys = found.value
        if (keys.unreadable.length > 0) {
          return Result.fail({
            reason: `channel disabled: its ${keys.unreadable.join(", ")} cannot be opened (sealed with another SECRETS_KEY?); set it again`,
            level: "error"
          })
        }
        return Option.match(keys.secret, {
          onNone: () => Result.fail({ reason: "channel has no app secret and WHATSAPP_APP_SECRET is unset", level: "warning" }),
          onSome: (secret) =>
            Result.succeed({ secret, signedBy: (fingerprint) => encodeSigner({ _tag: "Channel", fingerprint, channelId }) })
        })
      })
    )

  const receive = (arrival: Arrival, route: WebhookRoute) =>
    Effect.gen(function*() {
      const { address } = arrival
      const key = route.name === "channel" ? route.channelId : "-"
      const log = Effect.annotateLogs({ route: route.name, ...(route.name === "channel" ? { channelId: route.channelId } : {}) })
      const wait = yield* throttle.blocked(address, key)
      if (Option.isSome(wait)) return yield* new TooManyBadSignatures({ retryAfterSeconds: wait.value })
      if (arrival.declaredBytes > WEBHOOK_MAX_BYTES) return yield* tooLarge
      const body = yield* arrival.body
      const header = arrival.signature
      const check = route.name === "channel" ? channelCheck(route.channelId) : Effect.succeed(deploymentCheck)
      const verdict = Result.flatMap(yield* check, (c): Result.Result<Check, Refusal> =>
        verifySignature(header, body, c.secret)
          ? Result.succeed(c)
          : Result.fail({ reason: header === undefined ? "missing X-Hub-Signature-256" : "invalid X-Hub-Signature-256", level: "warning" }))
      if (Result.isFailure(verdict)) {
        const usedUp = yield* throttle.failed(address, key)
        // never log the body: it is unauthenticated input
        const line = `webhook rejected: ${verdict.failure.reason}`
        yield* (verdict.failure.level === "error" ? Effect.logError(line) : Effect.logWarning(line)).pipe(
          log,
          Effect.annotateLogs({ signature: header === undefined ? "missing" : "invalid", bytes: body.byteLength })
        )
        if (usedUp) {
          yield* Effect.logWarning("webhook: too many bad signatures from one client address; refused unchecked until the window ends").pipe(
            log,
            Effect.annotateLogs({ address, window: Duration.format(config.whatsapp.badSignatures.window) })
          )
        }
        return yield* new InvalidSignature()
      }
      // the intake span starts the delivery's trace; the consumer's span will be its child
      const traceparent = Option.getOrUndefined(yield* currentTraceparent)
      const delivery = { body, signedBy: verdict.success.signedBy(verdict.success.secret.fingerprint), signature: header, traceparent }
      yield* inbox.put(delivery).pipe(
        Effect.catchTag("DeliveryTooLarge", (e) => Effect.provideService(keepOversized(delivery, e), SqlClient.SqlClient, sql)),
        Effect.tapError((e) => Effect.logError("webhook delivery not stored").pipe(Effect.annotateLogs({ error: e.reason }))),
        Effect.mapError(() => new InboxUnavailable())
      )
      return accepted
    }).pipe(
      Effect.tap(() => Effect.andThen(Effect.annotateCurrentSpan("wa.webhook.outcome", "accepted"), count(webhookDeliveries, { outcome: "accepted" }))),
      Effect.tapError((e) => {
        const outcome = outcomeOf(e._tag)
        return Effect.andThen(Effect.annotateCurrentSpan("wa.webhook.outcome", outcome), count(webhookDeliveries, { outcome }))
      }),
      Effect.withSpan("Webhook.receive", {
        kind: "producer",
        attributes: {
          "messaging.system": inbox.kind === "sqs" ? "aws_sqs" : "postgresql",
          "messaging.operation.type": "send",
          "messaging.destination.name": "webhook_inbox",
          "wa.webhook.route": route.name
        }
      }, { captureStackTrace: false }) // one a request: its name says where it is (a stack trace each cost ≈ 1 % of the CPU under load)
    )
  return WebhookIntake.of({ receive })
  }))
}

/** The body of an HttpApi request, at most WEBHOOK_MAX_BYTES. */
const arrivalOf = (request: HttpServerRequest.HttpServerRequest, trustProxy: number): Arrival => ({
  address: clientAddress(Option.getOrUndefined(request.remoteAddress), request.headers["x-forwarded-for"], trustProxy),
  signature: request.headers["x-hub-signature-256"],
  declaredBytes: Number(request.headers["content-length"] ?? "0"),
  body: request.arrayBuffer.pipe(
    Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(WEBHOOK_MAX_BYTES)),
    Effect.map((buffer) => new Uint8Array(buffer)),
    Effect.mapError((e) => e.reason._tag === "RequestParseError" && e.reason.reason === "BodyTooLarge" ? tooLarge : new InvalidSignature())
  )
})

export const WebhookHttpLive = HttpApiBuilder.group(Api, "whatsapp", Effect.fn(function*(handlers) {
  const config = yield* AppConfig
  const secrets = yield* WebhookSecrets
  const intake = yield* WebhookIntake
  return handlers
    .handle("verify", ({ query }) => handshake(query, secrets.deploymentVerifyToken))
    .handle("verifyChannel", ({ params, query }) =>
      secrets.forChannel(ChannelId.make(params.channelId)).pipe(
        Effect.mapError(() => new VerificationFailed()),
        Effect.flatMap((keys) =>
          handshake(query, Option.flatMap(Option.filter(keys, (k) => k.unreadable.length === 0), (k) => k.verifyToken))
        )
      ))
    .handleRaw("receive", ({ request }) =>
      intake.receive(arrivalOf(request, config.trustProxy), { name: "deployment" }).pipe(HttpMiddleware.withLoggerDisabled))
    .handleRaw("receiveChannel", ({ params, request }) =>
      intake.receive(arrivalOf(request, config.trustProxy), { name: "channel", channelId: ChannelId.make(params.channelId) }).pipe(
        HttpMiddleware.withLoggerDisabled
      ))
}))
