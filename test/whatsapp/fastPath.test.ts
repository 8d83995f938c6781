/**
 * The webhook's node:http fast path (src/whatsapp/webhookFastPath.ts) answers exactly as the
 * HttpApi route does — status, body, Retry-After — and stores what it accepts. Each case is sent
 * twice to a real server: once taken by the fast path, once with the fast path removed (the router).
 */
import { createServer } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import { Routes, Services } from "../../src/app.ts"
import { createGatedServer, FastPathSlot } from "../../src/http/gatedServer.ts"
import { httpMetrics } from "../../src/observability/httpMetrics.ts"
import { LoggingLive } from "../../src/observability/Logging.ts"
import { TelemetryLive } from "../../src/observability/Telemetry.ts"
import { WhatsAppFastPathLive } from "../../src/whatsapp/layer.ts"
import { testConfig } from "../support/app.ts"
import { TestDatabase } from "../support/TestDatabase.ts"
import { change, entry, envelope, signature, signed, text, wamid } from "../support/webhooks.ts"
import { byWamid, consumerEnv, PN1, SECRET_A, settled } from "./support.ts"

const ServerLive = Layer.unwrap(Effect.map(FastPathSlot, (slot) => NodeHttpServer.layer(() => createGatedServer(slot), { port: 0, host: "127.0.0.1" })))

const app = Layer.mergeAll(HttpRouter.serve(Routes, { disableListenLog: true, disableLogger: true, middleware: httpMetrics }), WhatsAppFastPathLive).pipe(
  Layer.provideMerge(Services),
  Layer.provide(Layer.mergeAll(LoggingLive, TelemetryLive)),
  Layer.provideMerge(ServerLive),
  Layer.provideMerge(FastPathSlot.layer),
  Layer.provideMerge(testConfig({ ...consumerEnv, WEBHOOK_BAD_SIGNATURE_LIMIT: "2" })),
  Layer.provideMerge(TestDatabase.layer)
)

interface Answer {
  readonly status: number
  readonly body: string
  readonly retryAfter: string | null
}

/** POSTs `body` to `path`, through the fast path or (removed for the request) through the router. */
const send = (way: "fast" | "routed", path: string, body: Uint8Array, headers: Record<string, string>) =>
  Effect.gen(function*() {
    const server = yield* HttpServer.HttpServer
    const slot = yield* FastPathSlot
    const port = server.address._tag === "UnixPathAddress" ? 0 : server.address.port
    const installed = slot.current
    if (way === "routed") slot.current = undefined
    return yield* Effect.promise(async (): Promise<Answer> => {
      const r = await fetch(`http://127.0.0.1:${port}${path}`, { method: "POST", body, headers: { "content-type": "application/json", ...headers } })
      return { status: r.status, body: await r.text(), retryAfter: r.headers.get("retry-after") }
    }).pipe(Effect.ensuring(Effect.sync(() => void (slot.current = installed))))
  })

/** Once through the fast path, once through the router. */
const both = (path: string, body: Uint8Array, headers: Record<string, string>) =>
  Effect.all({ fast: send("fast", path, body, headers), routed: send("routed", path, body, headers) }, { concurrency: 1 })

const delivery = (id: string) => signed(SECRET_A, envelope(entry("waba", change({ phoneNumberId: PN1, contacts: [{ waId: "15550007777" }], messages: [text("15550007777", "hi", { id })] }))))

describe("webhook fast path", () => {
  it.layer(app, { excludeTestServices: true, timeout: "60 seconds" })((it) => {
    it.effect("the same answers as the router: accepted and stored, bad signature, too large, rate limited; other routes untouched", () =>
      Effect.gen(function*() {
        assert.isDefined((yield* FastPathSlot).current, "installed while the app runs")
        // accepted: both stored
        const ids = [wamid(), wamid()]
        const first = delivery(ids[0] ?? "")
        const second = delivery(ids[1] ?? "")
        const fastOk = yield* send("fast", "/webhooks/whatsapp", first.body, { "x-hub-signature-256": first.signature })
        const routedOk = yield* send("routed", "/webhooks/whatsapp", second.body, { "x-hub-signature-256": second.signature })
        assert.deepStrictEqual(fastOk, routedOk)
        assert.deepStrictEqual(fastOk, { status: 200, body: "{\"received\":true}", retryAfter: null })
        yield* settled
        for (const id of ids) assert.isDefined(yield* byWamid(id))

        // a malformed channel id is not the fast path's: the router answers 400 both times
        const malformed = yield* both("/webhooks/whatsapp/not-a-uuid", first.body, { "x-hub-signature-256": first.signature })
        assert.strictEqual(malformed.fast.status, 400)
        assert.deepStrictEqual(malformed.fast, malformed.routed)

        // declared too large: 413 before reading
        const big = new Uint8Array(3 * 1024 * 1024 + 1)
        const tooLarge = yield* both("/webhooks/whatsapp", big, { "x-hub-signature-256": "sha256=00" })
        assert.strictEqual(tooLarge.fast.status, 413)
        assert.deepStrictEqual(tooLarge.fast, tooLarge.routed)

        // an unknown channel's route: 401
        const unknown = yield* both("/webhooks/whatsapp/00000000-0000-4000-8000-000000000000", first.body, { "x-hub-signature-256": first.signature })
        assert.strictEqual(unknown.fast.status, 401)
        assert.deepStrictEqual(unknown.fast, unknown.routed)
        // bad signatures until the address is limited on the bare route (limit 2): each way on its own
        // (the test's layers run the fast path under the TestClock and the router on the real one)
        const badSignature = { "x-hub-signature-256": signature("not-the-secret", first.body) }
        const flood = (way: "fast" | "routed") =>
          Effect.forEach([1, 2, 3], () => send(way, "/webhooks/whatsapp", first.body, badSignature))
        const fastFlood = yield* flood("fast")
        const routedFlood = yield* flood("routed")
        assert.deepStrictEqual(fastFlood.map((a) => a.status), [401, 401, 429])
        assert.deepStrictEqual(routedFlood.map((a) => a.status), [401, 401, 429])
        assert.deepStrictEqual(fastFlood.map((a) => a.body), routedFlood.map((a) => a.body))
        assert.isNotNull(fastFlood[2]?.retryAfter ?? null)
        assert.isNotNull(routedFlood[2]?.retryAfter ?? null)
      }))
  })
})

// a server without a slot (workers, tests on NodeHttpServer.layerTest) is a plain one
it("createGatedServer without a slot is node's own server", () => {
  assert.strictEqual(Object.getPrototypeOf(createGatedServer()), Object.getPrototypeOf(createServer()))
})
