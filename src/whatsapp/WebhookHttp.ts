/**
 * `GET/POST /webhooks/whatsapp`. The POST reads the raw bytes (≤ 3 MB), checks the HMAC
 * against the known app secrets before anything parses them, writes the delivery to the
 * inbox and answers 200; processing happens after the ack (InboxConsumer).
 */
import { ByteSize, Effect, Option, Redacted } from "effect"
import { HttpIncomingMessage, HttpMiddleware, HttpServerResponse } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import { Api } from "../domain/Api.ts"
import { InboxUnavailable, InvalidSignature, PayloadTooLarge, VerificationFailed, WEBHOOK_MAX_BYTES } from "../domain/WhatsAppApi.ts"
import { Inbox } from "../inbox/Inbox.ts"
import { count, webhookDeliveries } from "../observability/metrics.ts"
import { currentTraceparent } from "../observability/traceContext.ts"
import { safeEqual, verifySignature } from "./Signature.ts"
import { WebhookSecrets } from "./WebhookSecrets.ts"

const outcomeOf = (tag: string) =>
  tag === "InvalidSignature" ? "bad_signature" : tag === "PayloadTooLarge" ? "too_large" : tag === "InboxUnavailable" ? "inbox_unavailable" : "invalid"

const tooLarge = new PayloadTooLarge({ maxBytes: WEBHOOK_MAX_BYTES })
/** The success body, pre-encoded: the hot path skips schema encoding. */
const accepted = HttpServerResponse.text("{\"received\":true}", { contentType: "application/json" })

export const WebhookHttpLive = HttpApiBuilder.group(Api, "whatsapp", Effect.fn(function*(handlers) {
  const secrets = yield* WebhookSecrets
  const inbox = yield* Inbox

  return handlers
    .handle("verify", ({ query }) =>
      Effect.gen(function*() {
        const token = query["hub.verify_token"]
        if (query["hub.mode"] !== "subscribe" || token === undefined) return yield* new VerificationFailed()
        const known = yield* secrets.current.pipe(Effect.mapError(() => new VerificationFailed()))
        // check every token (no early exit) so timing does not tell how many exist
        const matches = known.verifyTokens.map((t) => safeEqual(Redacted.value(t), token))
        if (!matches.includes(true)) return yield* new VerificationFailed()
        return query["hub.challenge"] ?? ""
      }))
    .handleRaw("receive", ({ request }) =>
      Effect.gen(function*() {
        const declared = Number(request.headers["content-length"] ?? "0")
        if (declared > WEBHOOK_MAX_BYTES) return yield* tooLarge
        const body = new Uint8Array(
          yield* request.arrayBuffer.pipe(
            Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(WEBHOOK_MAX_BYTES)),
            Effect.mapError((e) => e.reason._tag === "RequestParseError" && e.reason.reason === "BodyTooLarge" ? tooLarge : new InvalidSignature())
          )
        )
        const known = yield* secrets.current.pipe(Effect.mapError(() => new InboxUnavailable()))
        const header = request.headers["x-hub-signature-256"]
        const signedBy = verifySignature(header, body, known.secrets)
        if (Option.isNone(signedBy)) {
          // never log the body: it is unauthenticated input
          yield* Effect.logWarning("webhook rejected: missing or invalid X-Hub-Signature-256").pipe(
            Effect.annotateLogs({ signature: header === undefined ? "missing" : "invalid", bytes: body.byteLength })
          )
          return yield* new InvalidSignature()
        }
        // the intake span starts the delivery's trace; the consumer's span will be its child
        const traceparent = Option.getOrUndefined(yield* currentTraceparent)
        yield* inbox.put({ body, signedBy: signedBy.value, traceparent }).pipe(
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
        Effect.withSpan("Webhook.receive", { kind: "producer", attributes: { "messaging.system": inbox.kind === "sqs" ? "aws_sqs" : "postgresql", "messaging.operation.type": "send", "messaging.destination.name": "webhook_inbox" } }),
        HttpMiddleware.withLoggerDisabled
      ))
}))
