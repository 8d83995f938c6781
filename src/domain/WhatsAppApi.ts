/**
 * Meta's webhook callback: the verification handshake and signed notifications (SPEC §5).
 * `/webhooks/whatsapp` takes what the deployment's app secret signed (quick setup);
 * `/webhooks/whatsapp/{channelId}` what one channel's secret signed (its own, else the
 * deployment's) — one HMAC per request whatever the number of tenants.
 */
import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema } from "effect/http-api"
import { Uuid } from "./dashboard/fields.ts"

/** `hub.mode`/`hub.verify_token` did not match the route's verify token: 403, empty body. */
export class VerificationFailed extends Schema.TaggedError<VerificationFailed>()("VerificationFailed", {}, {
  httpApiStatus: 403
}) {}

/** `X-Hub-Signature-256` missing or not an HMAC of the body with the route's app secret. */
export class InvalidSignature extends Schema.TaggedError<InvalidSignature>()("InvalidSignature", {}, {
  httpApiStatus: 401
}) {}

export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()("PayloadTooLarge", {
  maxBytes: Schema.Int
}, { httpApiStatus: 413 }) {}

/** The inbox could not durably take the delivery: Meta retries on a 5xx. */
export class InboxUnavailable extends Schema.TaggedError<InboxUnavailable>()("InboxUnavailable", {}, {
  httpApiStatus: 503
}) {}

/** Too many bad signatures from this client address: refused unchecked until the window ends. */
export class TooManyBadSignatures extends Schema.TaggedError<TooManyBadSignatures>()("TooManyBadSignatures", {
  retryAfterSeconds: Schema.Int
}, { httpApiStatus: 429 }) {}

/** 429 with `Retry-After` (seconds). */
const TooManyBadSignaturesWire = TooManyBadSignatures.pipe(
  HttpApiSchema.encodeToWithHeaders({
    body: Schema.Struct({ _tag: Schema.Literal("TooManyBadSignatures"), retryAfterSeconds: Schema.Int }).annotate({ httpApiStatus: 429 }),
    headers: { "retry-after": Schema.String }
  }, {
    decode: ({ body }) => new TooManyBadSignatures({ retryAfterSeconds: body.retryAfterSeconds }),
    encode: (e) => ({
      body: { _tag: "TooManyBadSignatures" as const, retryAfterSeconds: e.retryAfterSeconds },
      headers: { "retry-after": String(e.retryAfterSeconds) }
    })
  })
)

export const WEBHOOK_MAX_BYTES = 3 * 1024 * 1024

const verifyQuery = {
  "hub.mode": Schema.optional(Schema.String),
  "hub.verify_token": Schema.optional(Schema.String),
  "hub.challenge": Schema.optional(Schema.String)
}
const verifyError = VerificationFailed.pipe(HttpApiSchema.asNoContent({ decode: () => new VerificationFailed() }))
// the exact body bytes: the signature covers them, nothing parses them before the check
const rawBody = Schema.Uint8Array.pipe(HttpApiSchema.asUint8Array({ contentType: "application/json" }))
const received = Schema.Struct({ received: Schema.Boolean })
const receiveErrors = [InvalidSignature, PayloadTooLarge, InboxUnavailable, TooManyBadSignaturesWire] as const
const channelParams = { channelId: Uuid }

export class WhatsAppWebhookApi extends HttpApiGroup.make("whatsapp").add(
  HttpApiEndpoint.get("verify", "/webhooks/whatsapp", {
    query: verifyQuery,
    success: Schema.String.pipe(HttpApiSchema.asText()),
    error: verifyError
  }),
  HttpApiEndpoint.post("receive", "/webhooks/whatsapp", { payload: rawBody, success: received, error: receiveErrors }),
  HttpApiEndpoint.get("verifyChannel", "/webhooks/whatsapp/:channelId", {
    params: channelParams,
    query: verifyQuery,
    success: Schema.String.pipe(HttpApiSchema.asText()),
    error: verifyError
  }),
  HttpApiEndpoint.post("receiveChannel", "/webhooks/whatsapp/:channelId", {
    params: channelParams,
    payload: rawBody,
    success: received,
    error: receiveErrors
  })
) {}
