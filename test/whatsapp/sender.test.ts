/** The WhatsApp sender against a fake Graph API over real HTTP: bodies, pacing and every error code. */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Layer, Option, Redacted } from "effect"
import { SecretBox } from "../../src/crypto/SecretBox.ts"
import { type Channel, Channels } from "../../src/whatsapp/Channels.ts"
import { ensureDefaultOrganization } from "../../src/whatsapp/QuickSetup.ts"
import { WhatsApp } from "../../src/whatsapp/WhatsApp.ts"
import { testConfig } from "../support/app.ts"
import { accepted, FakeGraphServer, graphError, type ScriptedResponse } from "../support/fakeGraph.ts"
import { freePort } from "../support/processes.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

const fast = {
  perNumberPerSecond: 1000,
  perRecipientInterval: Duration.zero,
  pairRateBackoff: Duration.millis(300),
  retryBase: Duration.millis(10),
  maxRetries: 3,
  timeout: Duration.millis(500),
  idleConnection: Duration.seconds(4)
}

const senderLayer = (baseUrl: (fake: FakeGraphServer["Service"]) => string, whatsapp = WhatsApp.layerWith(fast), env: Record<string, string> = {}) =>
  Layer.unwrap(Effect.map(FakeGraphServer, (fake) =>
    whatsapp.pipe(
      Layer.provideMerge(Channels.layer),
      Layer.provideMerge(SecretBox.layer),
      Layer.provideMerge(testConfig({ WHATSAPP_API_BASE_URL: baseUrl(fake), ...env }))
    ))).pipe(Layer.provideMerge(FakeGraphServer.layer), Layer.provideMerge(TestDatabase.withClient))

let n = 0
const channel = (transport: "cloud" | "sandbox") =>
  Effect.gen(function*() {
    const org = yield* ensureDefaultOrganization()
    return yield* (yield* Channels).create({
      organizationId: org,
      phoneNumberId: `20900000000${++n}`,
      transport,
      accessToken: Redacted.make("tok-1")
    })
  })

const sendWith = (c: Channel, ...script: Array<ScriptedResponse>) =>
  Effect.gen(function*() {
    const fake = yield* FakeGraphServer
    fake.reset()
    fake.script(...script)
    const result = yield* (yield* WhatsApp).sendText(c, "15550001111", "hello").pipe(Effect.result)
    return { result, calls: fake.requests.length, requests: [...fake.requests] }
  })

describe("WhatsApp sender", () => {
  it.layer(senderLayer((fake) => fake.url), { excludeTestServices: true, timeout: "60 seconds" })((it) => {
    it.effect("text with reply context, template and mark-as-read: Graph bodies, path and bearer token", () =>
      Effect.gen(function*() {
        const fake = yield* FakeGraphServer
        const wa = yield* WhatsApp
        const c = yield* channel("cloud")
        fake.reset()
        fake.script(accepted("wamid.out.1"))
        const sent = yield* wa.sendText(c, "15550001111", "Yes, size 42 is in stock.", { replyTo: "wamid.in.1" })
        assert.strictEqual(sent.wamid, "wamid.out.1")
        yield* wa.sendTemplate(c, "US.13491208655302741918", { name: "order_followup", language: "en_US", parameters: ["Ana"] })
        yield* wa.markRead(c, "wamid.in.1", { typing: true })
        assert.deepStrictEqual(fake.requests.map((r) => [r.method, r.path, r.authorization]), [
          ["POST", `/v23.0/${c.phoneNumberId}/messages`, "Bearer tok-1"],
          ["POST", `/v23.0/${c.phoneNumberId}/messages`, "Bearer tok-1"],
          ["POST", `/v23.0/${c.phoneNumberId}/messages`, "Bearer tok-1"]
        ])
        assert.deepStrictEqual(fake.requests.map((r) => r.body), [
          { messaging_product: "whatsapp", recipient_type: "individual", to: "15550001111", type: "text",
            text: { preview_url: false, body: "Yes, size 42 is in stock." }, context: { message_id: "wamid.in.1" } },
          { messaging_product: "whatsapp", recipient_type: "individual", recipient: "US.13491208655302741918", type: "template",
            template: { name: "order_followup", language: { code: "en_US" }, components: [{ type: "body", parameters: [{ type: "text", text: "Ana" }] }] } },
          { messaging_product: "whatsapp", status: "read", message_id: "wamid.in.1", typing_indicator: { type: "text" } }
        ])
      }))

    it.effect("sandbox channels send nothing and answer a generated wamid", () =>
      Effect.gen(function*() {
        const fake = yield* FakeGraphServer
        const c = yield* channel("sandbox")
        fake.reset()
        const { wamid } = yield* (yield* WhatsApp).sendText(c, "15550001111", "hi")
        assert.match(wamid, /^wamid\.sandbox\./)
        yield* (yield* WhatsApp).markRead(c, "wamid.x")
        assert.strictEqual(fake.requests.length, 0)
      }))

    it.effect("permanent codes fail at once with their typed error", () =>
      Effect.gen(function*() {
        const c = yield* channel("cloud")
        const cases: Array<[ScriptedResponse, string]> = [
          [graphError(131047), "WindowClosed"],
          [graphError(131026), "RecipientUndeliverable"],
          [graphError(131051), "UnsupportedMessageType"],
          [graphError(132001), "TemplateRejected"],
          [graphError(132015), "TemplateRejected"],
          [graphError(131048), "SendRejected"],
          [graphError(100), "SendRejected"]
        ]
        for (const [response, tag] of cases) {
          const { result, calls } = yield* sendWith(c, response)
          assert.strictEqual(result._tag === "Failure" ? result.failure._tag : "Success", tag)
          assert.strictEqual(calls, 1, tag)
        }
        const window = yield* sendWith(c, graphError(131047, { details: "more than 24 hours" }))
        assert.deepStrictEqual(
          window.result._tag === "Failure" && window.result.failure._tag === "WindowClosed" ? [window.result.failure.code, window.result.failure.details] : [],
          [131047, "more than 24 hours"]
        )
      }))

    it.effect("throughput, pair-rate, app-rate, Meta hiccups and 5xx: bounded retries, then a typed error", () =>
      Effect.gen(function*() {
        const c = yield* channel("cloud")
        const ok: Array<[Array<ScriptedResponse>, number]> = [
          [[graphError(130429), accepted()], 2],
          [[graphError(80007), graphError(4), accepted()], 3],
          [[graphError(131000), accepted()], 2],
          [[{ status: 500, body: {} }, { status: 502, body: "bad gateway" }, accepted()], 3]
        ]
        for (const [script, calls] of ok) {
          const r = yield* sendWith(c, ...script)
          assert.strictEqual(r.result._tag, "Success")
          assert.strictEqual(r.calls, calls)
        }
        const limited = yield* sendWith(c, graphError(130429), graphError(130429), graphError(130429), graphError(130429), accepted())
        assert.deepStrictEqual([limited.result._tag === "Failure" ? limited.result.failure._tag : "", limited.calls], ["RateLimited", 4])
        const down = yield* sendWith(c, ...Array.from({ length: 4 }, () => ({ status: 503, body: {} })), accepted())
        assert.deepStrictEqual([down.result._tag === "Failure" ? down.result.failure._tag : "", down.calls], ["GraphUnavailable", 4])
      }))

    it.effect("a pair-rate limit (131056) pauses that recipient before the retry", () =>
      Effect.gen(function*() {
        const c = yield* channel("cloud")
        const r = yield* sendWith(c, graphError(131056), accepted())
        assert.strictEqual(r.result._tag, "Success")
        const [first, second] = r.requests
        assert.isAtLeast((second?.at ?? 0) - (first?.at ?? 0), Duration.toMillis(fast.pairRateBackoff))
      }))

    it.effect("an unanswered request is not resent: its outcome is unknown", () =>
      Effect.gen(function*() {
        const c = yield* channel("cloud")
        const r = yield* sendWith(c, { hang: true }, accepted())
        assert.deepStrictEqual([r.result._tag === "Failure" ? r.result.failure._tag : "", r.calls], ["SendOutcomeUnknown", 1])
      }))

    // a connection the server closes just as a send takes it resets that send, whose outcome is
    // then unknown (a lead handed to a person for nothing): it is closed before the server would
    it.effect("a connection idle for the server's keep-alive less 1 s is not used again", () =>
      Effect.gen(function*() {
        const fake = yield* FakeGraphServer
        const wa = yield* WhatsApp
        const c = yield* channel("cloud")
        fake.reset()
        fake.keepAlive(2_000) // "Keep-Alive: timeout=2"
        yield* wa.sendText(c, "15550001111", "one")
        yield* wa.sendText(c, "15550001111", "two")
        yield* Effect.sleep("1200 millis") // the server would still take it (for 2 s and its own 1 s of grace)
        yield* wa.sendText(c, "15550001111", "three")
        fake.keepAlive(5_000)
        const [one, two, three] = fake.requests.map((r) => r.connection)
        assert.deepStrictEqual([two === one, three === two], [true, false])
      }))

    it.effect("190 marks the channel unhealthy, without a retry loop", () =>
      Effect.gen(function*() {
        const c = yield* channel("cloud")
        const r = yield* sendWith(c, graphError(190), accepted())
        assert.deepStrictEqual([r.result._tag === "Failure" ? r.result.failure._tag : "", r.calls], ["ChannelUnauthorized", 1])
        const after = yield* (yield* WhatsApp).channel(c.id)
        assert.strictEqual(after.health, "unhealthy")
        assert.include(Option.getOrElse(after.healthReason, () => ""), "190")
        const unhealthy = yield* (yield* Channels).unhealthy
        assert.deepStrictEqual(unhealthy.map((u) => u.phoneNumberId), [c.phoneNumberId])
      }))
  })

  // a port that was free a moment ago: nothing listens there
  const closedPort = Layer.unwrap(Effect.map(Effect.promise(freePort), (port) => senderLayer(() => `http://127.0.0.1:${port}/v23.0`)))
  it.layer(closedPort, { excludeTestServices: true, timeout: "60 seconds" })((it) => {
    it.effect("a refused connection (never reached Meta) is retried, then GraphUnavailable", () =>
      Effect.gen(function*() {
        const c = yield* channel("cloud")
        const r = yield* (yield* WhatsApp).sendText(c, "15550001111", "hi").pipe(Effect.flip)
        assert.deepStrictEqual([r._tag, r._tag === "GraphUnavailable" ? r.attempts : 0], ["GraphUnavailable", 4])
      }))
  })

  // a server that says nothing shorter: the sender's own limit
  it.layer(senderLayer((fake) => fake.url, WhatsApp.layerWith({ ...fast, idleConnection: Duration.millis(300) })), { excludeTestServices: true, timeout: "60 seconds" })((it) => {
    it.effect("a connection idle for longer than idleConnection is not used again", () =>
      Effect.gen(function*() {
        const fake = yield* FakeGraphServer
        const wa = yield* WhatsApp
        const c = yield* channel("cloud")
        fake.reset()
        yield* wa.sendText(c, "15550001111", "one")
        yield* wa.sendText(c, "15550001111", "two")
        yield* Effect.sleep("600 millis")
        yield* wa.sendText(c, "15550001111", "three")
        const [one, two, three] = fake.requests.map((r) => r.connection)
        assert.deepStrictEqual([two === one, three === two], [true, false])
      }))
  })

  // a number upgraded by Meta (1,000 a second) is not held to the default 80; a shared one (20) is held to its own
  it.layer(senderLayer((fake) => fake.url, WhatsApp.layer, { WHATSAPP_SEND_RATE: "10" }), { excludeTestServices: true, timeout: "60 seconds" })((it) => {
    it.effect("WHATSAPP_SEND_RATE paces each number's Graph calls: 10 a second here", () =>
      Effect.gen(function*() {
        const fake = yield* FakeGraphServer
        const wa = yield* WhatsApp
        const c = yield* channel("cloud")
        fake.reset()
        const started = Date.now()
        // six recipients: only the number's pace applies (each recipient has its own)
        yield* Effect.forEach([1, 2, 3, 4, 5, 6], (i) => wa.sendText(c, `1555000200${i}`, "hello"), { concurrency: "unbounded" })
        const elapsed = Date.now() - started
        assert.strictEqual(fake.requests.length, 6)
        // the sixth call waits for its slot, five tenths of a second after the first
        assert.isAtLeast(elapsed, 490)
      }))
  })
})
