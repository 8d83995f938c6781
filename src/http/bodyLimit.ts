/**
 * Request body limits on every route, enforced before a handler reads a byte. A declared
 * `Content-Length` above the route's limit is answered 413 at once, the body unread; a body
 * without one (chunked) is read up to the limit only, then answered 413. The answer has the API's
 * error shape: `{"error": {"code": "payload_too_large", "message": "…"}}`.
 *
 * - 64 KiB: every dashboard and API route (the largest message, template or lead fits many times).
 * - 4 MiB: `PUT /organization/profile` (500 products and 500 FAQs at their longest fit).
 * - 16 MiB: the internal RPC (workers send whole webhook bodies, base64; it checks
 *   `X-Internal-Secret` before it reads the body).
 * - The WhatsApp webhook's POST routes keep their own 3 MB limit (src/whatsapp/WebhookHttp.ts).
 */
import { ByteSize, Cause, Effect } from "effect"
import { HttpIncomingMessage, HttpRouter, HttpServerError, HttpServerRequest, HttpServerResponse } from "effect/http"
import { SettingsApi } from "../domain/dashboard/settings.ts"
import { WhatsAppWebhookApi } from "../domain/WhatsAppApi.ts"
import { INTERNAL_RPC_PATH } from "../domain/InternalApi.ts"

export const API_MAX_BODY_BYTES = 64 * 1024
export const PROFILE_MAX_BODY_BYTES = 4 * 1024 * 1024
export const INTERNAL_MAX_BODY_BYTES = 16 * 1024 * 1024

const routeKey = (method: string, path: string) => `${method} ${path}`

/** Routes that bound their body themselves: the webhook deliveries (signed bytes, up to 3 MB). */
const ownLimit = new Set(
  Object.values(WhatsAppWebhookApi.endpoints).filter((e) => e.method === "POST").map((e) => routeKey(e.method, e.path))
)

const putProfile = SettingsApi.endpoints.putProfile
const larger = new Map([
  [routeKey(putProfile.method, putProfile.path), PROFILE_MAX_BODY_BYTES],
  [routeKey("POST", INTERNAL_RPC_PATH), INTERNAL_MAX_BODY_BYTES]
])

/** A route's body limit in bytes; undefined when the route enforces its own. */
export const bodyLimitOf = (method: string, path: string): number | undefined => {
  const key = routeKey(method, path)
  return ownLimit.has(key) ? undefined : larger.get(key) ?? API_MAX_BODY_BYTES
}

const MiB = 1024 * 1024
const readable = (bytes: number) => bytes % MiB === 0 ? `${bytes / MiB} MiB` : `${bytes / 1024} KiB`

const tooLarge = (limit: number) =>
  HttpServerResponse.jsonUnsafe(
    { error: { code: "payload_too_large", message: `the request body must be at most ${readable(limit)} (${limit} bytes)` } },
    { status: 413 }
  )

const isBodyTooLarge = (u: unknown) =>
  HttpServerError.isHttpServerError(u) && u.reason._tag === "RequestParseError" && u.reason.reason === "BodyTooLarge"

/** Reading stopped at the limit: a handler's read fails, or dies when it treats the body as given. */
const overflowed = (cause: Cause.Cause<unknown>) =>
  cause.reasons.some((r) => isBodyTooLarge(Cause.isFailReason(r) ? r.error : Cause.isDieReason(r) ? r.defect : undefined))

const declaredLength = (request: HttpServerRequest.HttpServerRequest) => Number(request.headers["content-length"] ?? "0")

/** Route middleware: provide it to the route layers (see `Routes` in src/app.ts). */
export const BodyLimit = HttpRouter.middleware((app) =>
  Effect.gen(function*() {
    const { route } = yield* HttpRouter.RouteContext
    const limit = bodyLimitOf(route.method, route.path)
    if (limit === undefined) return yield* app
    if (declaredLength(yield* HttpServerRequest.HttpServerRequest) > limit) return tooLarge(limit)
    return yield* app.pipe(
      Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(limit)),
      Effect.catchCause((cause) => overflowed(cause) ? Effect.succeed(tooLarge(limit)) : Effect.failCause(cause))
    )
  })
)
