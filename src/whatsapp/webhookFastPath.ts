/**
 * Meta's deliveries answered below the app's router: `POST /webhooks/whatsapp` and
 * `POST /webhooks/whatsapp/{channel id}` are taken by node:http itself (src/http/gatedServer.ts)
 * and go straight to the same intake as the HttpApi handlers (WebhookIntake: throttle, one HMAC,
 * the inbox), answered with the same statuses and bodies. What the router adds per request —
 * routing, request and response objects, middleware — cost more than the delivery itself at a
 * few thousand a second (README "Benchmarks"). Everything else, and a malformed channel id
 * (400 from the HttpApi), goes through the router as before.
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import { Cause, Clock, Effect, Exit, Layer, Option } from "effect"
import { clientAddress } from "../http/clientAddress.ts"
import { AppConfig } from "../config/AppConfig.ts"
import { ChannelId } from "../domain/ids.ts"
import { InvalidSignature, PayloadTooLarge, WEBHOOK_MAX_BYTES } from "../domain/WhatsAppApi.ts"
import { type FastPath, FastPathSlot } from "../http/gatedServer.ts"
import { httpServerDuration, record } from "../observability/metrics.ts"
import { type Arrival, type IntakeError, WebhookIntake, type WebhookRoute } from "./WebhookHttp.ts"

const BASE = "/webhooks/whatsapp"
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** The route of a delivery's path (a query string is ignored); undefined: not ours to take. */
const routeOf = (url: string): { readonly route: WebhookRoute; readonly pattern: string } | undefined => {
  const path = url.split("?", 1)[0] ?? ""
  if (path === BASE) return { route: { name: "deployment" }, pattern: BASE }
  if (!path.startsWith(`${BASE}/`)) return undefined
  const id = path.slice(BASE.length + 1)
  return UUID.test(id) ? { route: { name: "channel", channelId: ChannelId.make(id) }, pattern: `${BASE}/:channelId` } : undefined
}

const header = (request: IncomingMessage, name: string) => {
  const value = request.headers[name]
  return Array.isArray(value) ? value[0] : value
}

/** The body, at most WEBHOOK_MAX_BYTES: past that the rest is not read (413, connection closed). */
const bodyOf = (request: IncomingMessage) =>
  Effect.callback<Uint8Array, PayloadTooLarge | InvalidSignature>((resume) => {
    const chunks: Array<Buffer> = []
    let bytes = 0
    const onData = (chunk: Buffer) => {
      bytes += chunk.byteLength
      if (bytes > WEBHOOK_MAX_BYTES) {
        request.off("data", onData)
        request.pause()
        return resume(Effect.fail(new PayloadTooLarge({ maxBytes: WEBHOOK_MAX_BYTES })))
      }
      chunks.push(chunk)
    }
    request.on("data", onData)
    request.once("end", () => resume(Effect.succeed(chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks))))
    request.once("error", () => resume(Effect.fail(new InvalidSignature())))
  })

const JSON_TYPE = { "content-type": "application/json" }
const ACCEPTED = "{\"received\":true}"

/** The HttpApi's answer for each outcome (WhatsAppApi's error schemas: status and `_tag` body). */
const answer = (response: ServerResponse, exit: Exit.Exit<unknown, IntakeError>): number => {
  if (Exit.isSuccess(exit)) {
    response.writeHead(200, JSON_TYPE).end(ACCEPTED)
    return 200
  }
  const error = Cause.findErrorOption(exit.cause)
  if (Option.isNone(error)) {
    response.writeHead(500, JSON_TYPE).end("{\"_tag\":\"InternalServerError\"}")
    return 500
  }
  const e = error.value
  switch (e._tag) {
    case "InvalidSignature":
      response.writeHead(401, JSON_TYPE).end(JSON.stringify({ _tag: e._tag }))
      return 401
    case "InboxUnavailable":
      response.writeHead(503, JSON_TYPE).end(JSON.stringify({ _tag: e._tag }))
      return 503
    case "PayloadTooLarge":
      // the rest of the body is not read: the connection ends with the answer
      response.writeHead(413, { ...JSON_TYPE, connection: "close" }).end(JSON.stringify({ _tag: e._tag, maxBytes: e.maxBytes }))
      return 413
    case "TooManyBadSignatures":
      response.writeHead(429, { ...JSON_TYPE, "retry-after": String(e.retryAfterSeconds) })
        .end(JSON.stringify({ _tag: e._tag, retryAfterSeconds: e.retryAfterSeconds }))
      return 429
  }
}

/** Installs the fast path for as long as the app runs (the `all` and `api` roles). */
export const webhookFastPath = Layer.effectDiscard(Effect.gen(function*() {
  const slot = yield* FastPathSlot
  const intake = yield* WebhookIntake
  const config = yield* AppConfig
  const run = Effect.runCallbackWith(yield* Effect.context<never>())

  const take: FastPath = (request, response) => {
    if (request.method !== "POST") return false
    const matched = routeOf(request.url ?? "")
    if (matched === undefined) return false
    const arrival: Arrival = {
      address: clientAddress(request.socket.remoteAddress, header(request, "x-forwarded-for"), config.trustProxy),
      signature: header(request, "x-hub-signature-256"),
      declaredBytes: Number(header(request, "content-length") ?? "0"),
      body: bodyOf(request)
    }
    run(Effect.gen(function*() {
      const started = yield* Clock.currentTimeMillis
      const exit = yield* Effect.exit(intake.receive(arrival, matched.route))
      const status = answer(response, exit)
      yield* record(httpServerDuration, (yield* Clock.currentTimeMillis) - started, {
        "http.request.method": "POST",
        "http.route": matched.pattern,
        "http.response.status_code": String(status)
      })
    }))
    return true
  }
  yield* Effect.acquireRelease(
    Effect.sync(() => void (slot.current = take)),
    () => Effect.sync(() => void (slot.current = undefined))
  )
}))
