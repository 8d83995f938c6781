/** Meta's webhook callback: the verification handshake and signed notifications (SPEC §5). */
import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema } from "effect/http-api"

/** `hub.mode`/`hub.verify_token` did not match a configured verify token: 403, empty body. */
export class VerificationFailed extends Schema.TaggedError<VerificationFailed>()("VerificationFailed", {}, {
  httpApiStatus: 403
}) {}

/** `X-Hub-Signature-256` missing or not an HMAC of the body with a known app secret. */
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

export const WEBHOOK_MAX_BYTES = 3 * 1024 * 1024

export class WhatsAppWebhookApi extends HttpApiGroup.make("whatsapp").add(
  HttpApiEndpoint.get("verify", "/webhooks/whatsapp", {
    query: {
      "hub.mode": Schema.optional(Schema.String),
      "hub.verify_token": Schema.optional(Schema.String),
      "hub.challenge": Schema.optional(Schema.String)
    },
    success: Schema.String.pipe(HttpApiSchema.asText()),
    error: VerificationFailed.pipe(HttpApiSchema.asNoContent({ decode: () => new VerificationFailed() }))
  }),
  HttpApiEndpoint.post("receive", "/webhooks/whatsapp", {
    // the exact body bytes: the signature covers them, nothing parses them before the check
    payload: Schema.Uint8Array.pipe(HttpApiSchema.asUint8Array({ contentType: "application/json" })),
    success: Schema.Struct({ received: Schema.Boolean }),
    error: [InvalidSignature, PayloadTooLarge, InboxUnavailable]
  })
) {}
