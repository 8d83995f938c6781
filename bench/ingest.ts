/**
 * Webhook intake and inbox consumption, side by side with a baseline in the same run:
 *   (a) a bare node:http server that only verifies the HMAC (its own process), and
 *   (b) our POST /webhooks/whatsapp: the real service process as `npm start` runs it (ROLE=all, Postgres inbox,
 *       consumers and the engine on), on its own database.
 * Rounds alternate (a) and (b) so both see the same machine load. While (b) is loaded, the
 * inbox is sampled: deliveries stored per second by the consumers, and the backlog; after the
 * load, how long the backlog takes to drain. Every ack must be in the inbox. Prints the figures
 * and writes bench/results/ingest.json (ingest-smoke.json with --smoke). Only 127.0.0.1.
 *   node bench/ingest.ts [seconds per round = 10] [rounds = 3] [connections = 50]
 *   node bench/ingest.ts --smoke        (seconds: CI runs it so the bench keeps working)
 * BENCH_CPU_PROF=dir writes the service's CPU profile there; BENCH_DEBUG=1 prints the database's
 * sessions each second of load and the service's output; BENCH_LOG_LEVEL sets the service's.
 */
import { spawn } from "node:child_process"
import { once } from "node:events"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import autocannon from "autocannon"
import { Effect, Exit, Redacted, Scope } from "effect"
import { SqlClient } from "effect/sql"
import { pgClientLayer } from "../src/db/Database.ts"
import { fakeGraph } from "../test/support/fakeGraph.ts"
import { startFakeLlm } from "../test/support/fakeLlm.ts"
import { goodDefaults } from "../test/support/htlFixtures.ts"
import { startService } from "../test/support/processes.ts"
import { change, entry, envelope, signed, text, wamid } from "../test/support/webhooks.ts"
import { benchDatabase, writeResult } from "./support.ts"

const smoke = process.argv.includes("--smoke")
const args = process.argv.slice(2).filter((a) => !a.startsWith("--")).map(Number)
const seconds = smoke ? 1 : args[0] ?? 10
const rounds = smoke ? 1 : args[1] ?? 3
const connections = smoke ? 4 : args[2] ?? 50
const SECRET = "bench-secret"
const PNID = "109000000000001"

// distinct signed deliveries of 1–2 KB (a few messages each, non-ASCII included), from 97 leads;
// a wamid is never sent twice (redeliveries are a different path)
let sequence = 0
const delivery = () => {
  const i = sequence++
  const from = `1555${String(1_000_000 + (i % 97)).padStart(7, "0")}`
  const words = "Olá! Tem o modelo azul no tamanho 42? Preço com entrega / envio para Lisboa, por favor. "
  const messages = Array.from({ length: 2 + (i % 3) }, (_, k) => text(from, words.repeat(2 + ((i + k) % 4)), { id: wamid(`b${i}.${k}`) }))
  const { body, signature } = signed(SECRET, envelope(entry("waba", change({ phoneNumberId: PNID, contacts: [{ waId: from, name: `Lead ${i % 97}` }], messages }))))
  return { body: Buffer.from(body), signature }
}
const pool = Array.from({ length: smoke ? 50 : 20_000 }, delivery)
let next = 0

const QUANTILES = ["p50", "p90", "p99", "p99_9"] as const
const load = async (url: string) => {
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    method: "POST",
    requests: [{
      setupRequest: (req) => {
        const d = pool[next++ % pool.length] ?? pool[0]
        return { ...req, body: d?.body, headers: { "content-type": "application/json", "x-hub-signature-256": d?.signature ?? "" } }
      }
    }]
  })
  const latency = Object.fromEntries(QUANTILES.map((q) => [q, result.latency[q]])) as Record<(typeof QUANTILES)[number], number>
  return { reqPerSec: Math.round(result.requests.average), latencyMs: latency, ok: result["2xx"], non2xx: result.non2xx, errors: result.errors }
}
type Run = Awaited<ReturnType<typeof load>>

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0
const summarize = (runs: ReadonlyArray<Run>) => ({
  reqPerSec: median(runs.map((r) => r.reqPerSec)),
  latencyMs: Object.fromEntries(QUANTILES.map((q) => [q, median(runs.map((r) => r.latencyMs[q]))])),
  ok: runs.reduce((n, r) => n + r.ok, 0),
  non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
  errors: runs.reduce((n, r) => n + r.errors, 0),
  rounds: runs.map((r) => r.reqPerSec)
})
const row = (name: string, r: ReturnType<typeof summarize>) =>
  `${name.padEnd(34)} ${String(r.reqPerSec).padStart(7)} req/s   p50 ${r.latencyMs.p50} ms  p90 ${r.latencyMs.p90} ms  p99 ${r.latencyMs.p99} ms  p99.9 ${r.latencyMs.p99_9} ms`

const scope = Effect.runSync(Scope.make())
const dataDir = await mkdtemp(join(tmpdir(), "wa-bench-ingest-"))
const raw = spawn(process.execPath, ["bench/ingest/rawServer.ts"], { env: { ...process.env, BENCH_SECRET: SECRET }, stdio: ["ignore", "pipe", "inherit"] })
try {
  const [line]: Array<unknown> = await once(raw.stdout, "data")
  const rawUrl = `http://127.0.0.1:${Number(/listening (\d+)/.exec(String(line))?.[1])}/webhooks/whatsapp`
  const dbUrl = await Effect.runPromise(benchDatabase.pipe(Scope.provide(scope)))
  // the engine answers every burst: an instant fake LLM and a fake Graph API (127.0.0.1, this process)
  const llm = await Effect.runPromise(startFakeLlm(goodDefaults).pipe(Scope.provide(scope)))
  const graph = await Effect.runPromise(fakeGraph.pipe(Scope.provide(scope)))
  const inbox = Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ done: number; pending: number }>`SELECT count(*) FILTER (WHERE status = 'done')::int AS done,
      count(*) FILTER (WHERE status = 'pending')::int AS pending FROM webhook_inbox`).pipe(
    Effect.map((rows) => rows[0] ?? { done: 0, pending: 0 }),
    Effect.provide(pgClientLayer(dbUrl))
  )
  const sampleInbox = () => Effect.runPromise(inbox)
  const activity = Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql`SELECT state, wait_event_type, wait_event, left(query, 60) AS query, count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() GROUP BY 1, 2, 3, 4 ORDER BY n DESC LIMIT 8`).pipe(
    Effect.provide(pgClientLayer(dbUrl))
  )

  const service = await startService({
    DATABASE_URL: Redacted.value(dbUrl),
    DATA_DIR: dataDir,
    APP_ENV: "development", // keys generated in DATA_DIR (a bench is not a deployment)
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "error",
    WHATSAPP_PHONE_NUMBER_ID: PNID,
    WHATSAPP_APP_SECRET: SECRET,
    WHATSAPP_ACCESS_TOKEN: "bench-token",
    WHATSAPP_API_BASE_URL: graph.url,
    LLM_API_KEY: "sk-fake",
    LLM_BASE_URL: llm.url,
    ...(process.env.BENCH_CPU_PROF === undefined ? {} : { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.BENCH_CPU_PROF}` })
  }, [], { production: true })
  await service.waitHealthy(60_000)
  const url = `http://127.0.0.1:${service.port}/webhooks/whatsapp`

  await load(rawUrl) // warm-up, both
  await load(url)
  const drain = async (limitMs: number) => {
    const started = Date.now()
    const at = await sampleInbox()
    let now = at
    while (now.pending > 0 && Date.now() - started < limitMs) {
      await new Promise((r) => setTimeout(r, 100))
      now = await sampleInbox()
    }
    return { ms: Date.now() - started, items: now.done - at.done, left: now.pending }
  }
  await drain(120_000)

  const base: Array<Run> = []
  const ours: Array<Run> = []
  const consumed: Array<{ perSec: number; backlogAfter: number; drainMs: number; drainPerSec: number }> = []
  const before = await sampleInbox()
  for (let round = 0; round < rounds; round++) {
    base.push(await load(rawUrl))
    const start = await sampleInbox()
    const t0 = Date.now()
    const waits = process.env.BENCH_DEBUG === undefined ? undefined : setInterval(() => {
      void Effect.runPromise(activity).then((rows) => console.log(JSON.stringify(rows)))
    }, 1000)
    ours.push(await load(url))
    clearInterval(waits)
    const end = await sampleInbox()
    const loadMs = Date.now() - t0
    const drained = await drain(120_000)
    consumed.push({
      perSec: Math.round(((end.done - start.done) * 1000) / loadMs),
      backlogAfter: end.pending,
      drainMs: drained.ms,
      drainPerSec: drained.ms === 0 ? 0 : Math.round((drained.items * 1000) / drained.ms)
    })
  }
  const after = await sampleInbox()
  await service.stop("SIGTERM")
  if (process.env.BENCH_DEBUG !== undefined) console.log(service.output().slice(-5000))

  const b = summarize(base)
  const o = summarize(ours)
  const stored = after.done + after.pending - before.done - before.pending
  const result = {
    smoke,
    connections,
    secondsPerRound: seconds,
    rounds,
    bodyBytes: { min: Math.min(...pool.map((d) => d.body.length)), max: Math.max(...pool.map((d) => d.body.length)) },
    baseline: b,
    service: { ...o, storedInInbox: stored, everyAckStored: stored >= o.ok },
    ratio: Number((o.reqPerSec / b.reqPerSec).toFixed(3)),
    consumer: {
      storedPerSecWhileLoaded: median(consumed.map((c) => c.perSec)),
      backlogAfterRound: median(consumed.map((c) => c.backlogAfter)),
      drainPerSec: median(consumed.map((c) => c.drainPerSec)),
      rounds: consumed
    },
    targets: { ratio: 0.4, p99Ms: 50, consumerPerSec: 2000 },
    node: process.version
  }
  console.log(`signed ${result.bodyBytes.min}–${result.bodyBytes.max} B webhooks, ${connections} connections, ${rounds} alternating rounds of ${seconds} s (medians)`)
  console.log(row("(a) node:http + HMAC only", b))
  console.log(row("(b) POST /webhooks/whatsapp", o))
  console.log(`    ratio ${result.ratio} (target ≥ 0.4); p99 ${o.latencyMs.p99} ms (target < 50); acked ${o.ok}, in inbox ${stored} (every ack stored: ${result.service.everyAckStored}); non-2xx ${o.non2xx}, errors ${o.errors}`)
  console.log(`inbox consumers: ${result.consumer.storedPerSecWhileLoaded} deliveries/s processed while loaded (target ≥ 2000), backlog after a round ${result.consumer.backlogAfterRound}, drained at ${result.consumer.drainPerSec}/s`)
  await Effect.runPromise(writeResult(smoke ? "ingest-smoke" : "ingest", result))
  if (!result.service.everyAckStored || o.non2xx > 0) process.exitCode = 1
} finally {
  raw.kill("SIGTERM")
  await Effect.runPromise(Scope.close(scope, Exit.void))
  await rm(dataDir, { recursive: true, force: true })
}
