/**
 * The whole path under load: N leads × M-message bursts as signed webhooks → inbox → actors →
 * HTL (an instant fake LLM) → WhatsApp (a fake Graph API), on real Postgres. Prints turns/s,
 * the engine's own time per turn (outside the LLM) p50/p99, and RSS after many conversations
 * were touched and passivated. Writes bench/results/engine.json.
 *   node bench/engine.ts [leads=300] [messagesPerLead=3] [touch=10000]
 */
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { ConfigProvider, Effect, Layer, Metric, Redacted, References } from "effect"
import { HttpRouter } from "effect/http"
import { SqlClient } from "effect/sql"
import { Routes, Services } from "../src/app.ts"
import { AppConfig } from "../src/config/AppConfig.ts"
import { Conversations } from "../src/conversations/Conversations.ts"
import { ConversationId } from "../src/domain/ids.ts"
import { engineOverheadMs } from "../src/observability/metrics.ts"
import { ensureDefaultOrganization } from "../src/whatsapp/QuickSetup.ts"
import { fakeGraph } from "../test/support/fakeGraph.ts"
import { startFakeLlm } from "../test/support/fakeLlm.ts"
import { goodDefaults, products } from "../test/support/htlFixtures.ts"
import { change, deliver, entry, envelope, text } from "../test/support/webhooks.ts"
import { benchDatabase, writeResult } from "./support.ts"

const leads = Number(process.argv[2] ?? 300)
const perLead = Number(process.argv[3] ?? 3)
const touch = Number(process.argv[4] ?? 10_000)
const PN = "109000000000999"
const SECRET = "bench-secret"

/** Upper bound of the bucket holding quantile q of a cumulative histogram. */
const quantile = (state: Metric.HistogramState, q: number) => {
  const target = q * state.count
  return state.buckets.find(([, n]) => n >= target)?.[0] ?? state.max
}

const waId = (i: number) => String(15560000000 + i)
const post = (lead: number, body: string) =>
  deliver(SECRET, envelope(entry("waba", change({ phoneNumberId: PN, contacts: [{ waId: waId(lead) }], messages: [text(waId(lead), body)] }))))

const program = Effect.gen(function*() {
  const url = yield* benchDatabase
  const llm = yield* startFakeLlm(goodDefaults)
  const graph = yield* fakeGraph
  const env = {
    DATABASE_URL: Redacted.value(url), LOG_LEVEL: "error", DATA_DIR: ".data/bench",
    LLM_API_KEY: "sk-fake", LLM_BASE_URL: llm.url, WHATSAPP_API_BASE_URL: graph.url,
    WHATSAPP_PHONE_NUMBER_ID: PN, WHATSAPP_ACCESS_TOKEN: "t", WHATSAPP_APP_SECRET: SECRET,
    DEBOUNCE_QUIET: "200 ms", DEBOUNCE_MAX_WAIT: "2 s", HTL_SPECULATIVE: "off", TURN_CONCURRENCY: "64",
    ACTOR_IDLE_TTL: "3 s"
  }
  const app = HttpRouter.serve(Routes, { disableListenLog: true, disableLogger: true }).pipe(
    Layer.provideMerge(Services),
    Layer.provideMerge(NodeHttpServer.layerTest),
    Layer.provideMerge(AppConfig.layerFrom([]).pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(env)))))
  )
  yield* Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const org = yield* ensureDefaultOrganization()
    for (const p of products) {
      yield* sql`INSERT INTO business_products (organization_id, name, description, price, currency)
        VALUES (${org}, ${p.name}, ${p.description}, ${p.price}, ${p.currency})`
    }
    const replies = () => graph.requests.filter((r) => typeof r.body === "object" && r.body !== null && "type" in r.body).length
    const burst = (from: number, count: number) =>
      Effect.forEach(Array.from({ length: count }, (_, i) => from + i), (i) =>
        Effect.forEach(Array.from({ length: perLead }, (_, m) => m), (m) => post(i, `message ${m} from lead ${i}`), { discard: true }),
        { concurrency: 50, discard: true })
    const waitForReplies = (n: number, since: number) =>
      Effect.gen(function*() {
        while (replies() < n && Date.now() - since < 120_000) yield* Effect.sleep("50 millis")
      })
    // warm-up: connection pool, prepared statements, JIT — not measured
    const warmup = Math.min(20, leads)
    yield* burst(leads, warmup)
    yield* waitForReplies(warmup, Date.now())
    const before = yield* Metric.value(engineOverheadMs)
    const started = Date.now()
    yield* burst(0, leads)
    yield* waitForReplies(warmup + leads, started)
    const seconds = (Date.now() - started) / 1000
    const after = yield* Metric.value(engineOverheadMs)
    const overhead: Metric.HistogramState = {
      ...after,
      count: after.count - before.count,
      buckets: after.buckets.map(([b, n], i) => [b, n - (before.buckets[i]?.[1] ?? 0)])
    }
    const turns = replies() - warmup
    console.log(`${leads} leads × ${perLead} messages: ${turns} replies in ${seconds.toFixed(1)} s (${(turns / seconds).toFixed(1)} turns/s, debounce 200 ms included)`)
    console.log(`engine time per turn outside the HTL and the send: p50 ≤ ${quantile(overhead, 0.5)} ms, p99 ≤ ${quantile(overhead, 0.99)} ms (n=${overhead.count})`)

    // many conversations touched once, then idle: actors are passivated, memory stays flat
    const conversations = yield* Conversations
    const rssBefore = process.memoryUsage().rss
    yield* Effect.forEach(Array.from({ length: touch }, (_, i) => i), (i) =>
      conversations.tell(
        { organizationId: org, conversationId: ConversationId.make(`00000000-0000-4000-8000-${String(i).padStart(12, "0")}`) },
        { _tag: "Release" }
      ), { discard: true })
    const activePeak = yield* conversations.active
    const rssPeak = process.memoryUsage().rss
    yield* Effect.sleep("5 seconds") // idle TTL 3 s: every actor passivates
    const activeAfter = yield* conversations.active
    const rssAfter = process.memoryUsage().rss
    console.log(`${touch} conversations touched: ${activePeak} actors alive at peak (RSS ${(rssBefore / 2 ** 20).toFixed(0)} → ${(rssPeak / 2 ** 20).toFixed(0)} MB), ${activeAfter} after the idle TTL (RSS ${(rssAfter / 2 ** 20).toFixed(0)} MB)`)
    yield* writeResult("engine", {
      leads, perLead, replies: turns, seconds, turnsPerSecond: turns / seconds,
      overheadP50Ms: quantile(overhead, 0.5), overheadP99Ms: quantile(overhead, 0.99), overheadSamples: overhead.count,
      touched: touch, actorsAtPeak: activePeak, actorsAfterIdle: activeAfter,
      rssBeforeMb: rssBefore / 2 ** 20, rssPeakMb: rssPeak / 2 ** 20, rssAfterMb: rssAfter / 2 ** 20
    })
  }).pipe(Effect.provide(app))
}).pipe(Effect.scoped, Effect.provideService(References.MinimumLogLevel, "Error"))

NodeRuntime.runMain(program)
