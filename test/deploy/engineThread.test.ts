/**
 * The engine on a thread of its own (role `all`, ENGINE_THREAD on by default): the real service
 * process with the fakes — the lead is answered from the engine's thread, a person's takeover and
 * release on the dashboard reach it, its metrics are served with the API's; with ENGINE_THREAD=false
 * one event loop does it all, as before. Then the main thread's side alone, with threads that fail
 * (test/support/threads/failingEngine.mjs): a thread that cannot start fails the start with its
 * reason; one lost after it started stops the process.
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Layer, Redacted } from "effect"
import { afterAll } from "vitest"
import { DatabaseUrl } from "../../src/db/Database.ts"
import { EventBus } from "../../src/events/EventBus.ts"
import { EngineThreadEntry, type EngineThreadFailed, EngineThreadLive, EngineThreadLost } from "../../src/lifecycle/engineThread.ts"
import { seedCatalog } from "../conversations/support.ts"
import { fakeGraph } from "../support/fakeGraph.ts"
import { takeoverAndRelease } from "../support/takeover.ts"
import { startFakeLlm } from "../support/fakeLlm.ts"
import { goodDefaults } from "../support/htlFixtures.ts"
import { otlpReceiver } from "../support/otlpReceiver.ts"
import { resourcesOf } from "../support/otlpSpans.ts"
import { freePort, killAll, startService, until } from "../support/processes.ts"
import { TestDatabase } from "../support/TestDatabase.ts"
import { postLeadText } from "../support/webhooks.ts"

const PN = "109000000000977"
const APP_SECRET = "engine-thread-app-secret"

/** The service with the fakes: a lead's turn starts 200 ms after the message. */
const withFakes = (llmUrl: string, graphUrl: string) => ({
  LLM_API_KEY: "sk-fake",
  LLM_BASE_URL: llmUrl,
  WHATSAPP_API_BASE_URL: graphUrl,
  WHATSAPP_PHONE_NUMBER_ID: PN,
  WHATSAPP_ACCESS_TOKEN: "graph-token",
  WHATSAPP_APP_SECRET: APP_SECRET,
  DEBOUNCE_QUIET: "200 ms",
  HTL_SPECULATIVE: "off"
})

/** One sample of a Prometheus text: the value of the first line of `name` (any labels), or 0. */
const sample = (text: string, name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, "m").exec(text)?.[1] ?? 0)

describe("the engine on its own thread", () => {
  afterAll(killAll)

  it.layer(TestDatabase.withClient, { excludeTestServices: true, timeout: "120 seconds" })((it) => {
    it.effect("answers leads from its thread; a takeover and a release on the dashboard reach it; its metrics are served with the API's, its traces exported as its own resource; SIGTERM stops both", () =>
      Effect.gen(function*() {
        const db = yield* TestDatabase
        yield* seedCatalog
        const graph = yield* fakeGraph
        const llm = yield* startFakeLlm(goodDefaults)
        const metricsPort = yield* Effect.promise(freePort)
        const receiver = yield* otlpReceiver
        const service = yield* Effect.promise(() =>
          startService({
            DATABASE_URL: Redacted.value(db.url),
            METRICS_PORT: String(metricsPort),
            OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
            OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
            OTEL_LOGS_EXPORTER: "none",
            ...withFakes(llm.url, graph.url)
          })
        )
        yield* Effect.promise(() => service.waitHealthy(30_000))
        assert.include(service.output(), "the engine runs on its own thread")
        const to = { port: service.port, appSecret: APP_SECRET, phoneNumberId: PN }
        const textsTo = (waId: string) =>
          graph.requests.filter((r) => typeof r.body === "object" && r.body !== null && "to" in r.body && r.body.to === waId && "text" in r.body)

        // a lead's message: stored by the engine's consumers, answered by its turn
        yield* Effect.promise(() => postLeadText(to, "15550977001", "hello, how much is the premium plan?"))
        yield* Effect.promise(() => until(() => textsTo("15550977001").length === 1, 20_000, "the reply"))

        // the engine's metrics (its turn, its inbox) and the API's (its requests), from one scrape
        const metrics = yield* Effect.promise(() => fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text()))
        assert.isAtLeast(sample(metrics, "wa_turn_latency_ms_count"), 1, metrics)
        assert.isAtLeast(sample(metrics, "wa_webhook_deliveries_total"), 1, metrics)
        assert.match(metrics, /^# TYPE wa_inbox_depth gauge$/m)
        assert.lengthOf(metrics.match(/^# TYPE wa_turn_latency_ms histogram$/gm) ?? [], 1, "one family, merged")
        // each thread's own heap and event loop, the engine's tagged; one family each
        assert.match(metrics, /^v8js_memory_heap_used_bytes \d/m)
        assert.match(metrics, /^v8js_memory_heap_used_bytes\{thread="engine"\} \d/m)
        assert.match(metrics, /^nodejs_eventloop_delay_p99_seconds\{thread="engine"\} /m)
        assert.lengthOf(metrics.match(/^# TYPE v8js_memory_heap_used_bytes gauge$/gm) ?? [], 1, metrics)

        // a person takes over while the engine's turn waits on the model: the engine hears it and
        // stops; released, it answers the message still unanswered
        yield* takeoverAndRelease({
          port: service.port,
          llm,
          post: (waId, body) => postLeadText(to, waId, body),
          textsTo,
          lead: "15550977002",
          email: "agent@thread.test"
        })

        const stopped = yield* Effect.promise(() => service.stop("SIGTERM"))
        assert.strictEqual(stopped.code, 0, service.output())
        assert.include(service.output(), `"message":"drained"`)
        // each thread exported its traces, the engine's under a resource of its own
        const resources = resourcesOf(receiver.exports, "/v1/traces")
        assert.isTrue(resources.some((r) => r["thread.name"] === "engine"), JSON.stringify(resources))
        assert.isTrue(resources.some((r) => !("thread.name" in r) && r["service.name"] === "wa-sales-agent"), JSON.stringify(resources))
      }).pipe(Effect.scoped))

    it.effect("ENGINE_THREAD=false: one event loop answers the lead, as before", () =>
      Effect.gen(function*() {
        const db = yield* TestDatabase
        const graph = yield* fakeGraph
        const llm = yield* startFakeLlm(goodDefaults)
        const service = yield* Effect.promise(() =>
          startService({
            DATABASE_URL: Redacted.value(db.url),
            ENGINE_THREAD: "false",
            ...withFakes(llm.url, graph.url)
          })
        )
        yield* Effect.promise(() => service.waitHealthy(30_000))
        yield* Effect.promise(() => postLeadText({ port: service.port, appSecret: APP_SECRET, phoneNumberId: PN }, "15550977003", "hi, is the premium plan available?"))
        yield* Effect.promise(() =>
          until(() => graph.requests.some((r) => typeof r.body === "object" && r.body !== null && "to" in r.body && r.body.to === "15550977003"), 20_000, "the reply")
        )
        assert.notInclude(service.output(), "the engine runs on its own thread")
        assert.strictEqual((yield* Effect.promise(() => service.stop("SIGTERM"))).code, 0)
      }).pipe(Effect.scoped))
  })
})

/** The main thread's side with a thread that does what `behaviour` says (the fixture reads it from the URL it is given). */
const withThread = (behaviour: "exit" | "fail" | "lost" | "throws") =>
  EngineThreadLive.pipe(
    Layer.provide(EventBus.layer),
    Layer.provide(Layer.succeed(EngineThreadEntry, new URL("../support/threads/failingEngine.mjs", import.meta.url))),
    Layer.provide(Layer.succeed(DatabaseUrl, Redacted.make(behaviour)))
  )

describe("the engine's thread fails", () => {
  it.effect("one that cannot start fails the start with its reason; one that exits before it is ready too", () =>
    Effect.gen(function*() {
      const failed = yield* Effect.exit(Layer.build(withThread("fail")).pipe(Effect.scoped))
      assert.isTrue(Exit.isFailure(failed))
      assert.include(String(Exit.isFailure(failed) ? failed.cause : ""), "database unreachable (fixture)")
      const exited = yield* Effect.exit(Layer.build(withThread("exit")).pipe(Effect.scoped))
      assert.include(String(Exit.isFailure(exited) ? exited.cause : ""), "exited (code 3) before it was ready")
    }), { timeout: 20_000 })

  it.effect("one lost after it started fails EngineThreadLost, with what it threw: src/main.ts stops the process", () =>
    Effect.gen(function*() {
      const lostWith = (behaviour: "lost" | "throws") => {
        const lost = Deferred.makeUnsafe<never, EngineThreadFailed>()
        return Effect.scoped(Effect.gen(function*() {
          yield* Layer.build(withThread(behaviour))
          return yield* Effect.exit(Deferred.await(lost))
        })).pipe(Effect.provideService(EngineThreadLost, lost), Effect.map((exit) => String(Exit.isFailure(exit) ? exit.cause : "")))
      }
      assert.include(yield* lostWith("lost"), "stopped unexpectedly (code 4)")
      assert.include(yield* lostWith("throws"), "stopped unexpectedly (code 1): an actor's loop blew up (fixture)")
    }), { timeout: 20_000 })
})
