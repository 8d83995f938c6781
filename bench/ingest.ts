/**
 * Webhook intake and inbox consumption, side by side with a baseline in the same run:
 *   (a) a bare node:http server that only verifies the HMAC (its own process), and
 *   (b) our POST /webhooks/whatsapp: the real service process as `npm start` runs it (ROLE=all, Postgres inbox,
 *       consumers and the engine on), on its own database.
 * Rounds alternate (a) and (b) so both see the same machine load. While (b) is loaded, the
 * inbox is sampled: deliveries stored per second by the consumers, and the backlog; after the
 * load, how long the backlog takes to drain. Then one round at a steady 60 % of the rate reached
 * (open loop, as webhooks come: the ack latency short of saturation, corrected for coordinated
 * omission), and the service's event-loop delay over the load (its metrics port). Every ack must
 * be in the inbox. The CPU each side
 * used (/proc: the service, PostgreSQL's processes, this process — load generator and fakes) gives
 * the cost of one delivery, from its request until its consumer is done, and with the machine's
 * cores the most it could take at that cost. Then each part alone: the intake with no consumer in
 * the process (INBOX_CONSUMERS=0), and the consumers on that backlog with no intake — with the
 * engine's turns, then with none (a debounce longer than the phase). Prints the figures
 * and writes bench/results/ingest.json (ingest-smoke.json with --smoke). Only 127.0.0.1.
 *   node bench/ingest.ts [seconds per round = 10] [rounds = 3] [connections = 50]
 *   node bench/ingest.ts --smoke        (seconds: CI runs it so the bench keeps working)
 * BENCH_CPU_PROF=dir writes the service's CPU profile there (BENCH_SOURCES=1: the service runs from its
 * sources, so a profile names src/ files), of the processes BENCH_PROFILE names (a comma list): loaded (the default:
 * the alternating rounds), intake, turns or storing (the parts alone); BENCH_DEBUG=1 prints the database's
 * sessions each second of load and the service's output; BENCH_OUT=file writes the service's
 * output there; BENCH_LOG_LEVEL sets the service's log level; BENCH_HISTORY=N: the database starts
 * with N earlier conversations (bench/support.ts).
 */
import { spawn } from "node:child_process"
import { once } from "node:events"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { availableParallelism, tmpdir } from "node:os"
import { join } from "node:path"
import autocannon from "autocannon"
import { Effect, Exit, ManagedRuntime, Scope } from "effect"
import { SqlClient } from "effect/sql"
import { pgClientLayer } from "../src/db/Database.ts"
import { fakeGraph } from "../test/support/fakeGraph.ts"
import { startFakeLlm } from "../test/support/fakeLlm.ts"
import { goodDefaults } from "../test/support/htlFixtures.ts"
import { freePort, startService } from "../test/support/processes.ts"
import { signature } from "../test/support/webhooks.ts"
import { BENCH_SECRET, benchDatabase, benchServiceEnv, cpuMsBetween, cpuSnapshot, leadDelivery, seedBenchBusiness, writeResult } from "./support.ts"

const smoke = process.argv.includes("--smoke")
const args = process.argv.slice(2).filter((a) => !a.startsWith("--")).map(Number)
const seconds = smoke ? 1 : args[0] ?? 10
const rounds = smoke ? 1 : args[1] ?? 3
const connections = smoke ? 4 : args[2] ?? 50

// signed deliveries of 1–2 KB from 97 leads asking about the business's products (bench/support.ts)
let sequence = 0
const delivery = () => leadDelivery(sequence++, "b")
const pool = Array.from({ length: smoke ? 50 : 20_000 }, delivery)
/**
 * The n-th request's delivery. The service sees every wamid once: past the pool's end its
 * deliveries come again with new wamids (re-signed), so every delivery stores new messages and
 * starts turns (a redelivery is a cheaper path). The bare server only checks the HMAC: it
 * cycles the pool as it is, so its load generator does no extra work.
 */
const nth = (n: number, fresh: boolean) => {
  const d = pool[n % pool.length]
  if (d === undefined) throw new Error("the pool is empty")
  const lap = Math.floor(n / pool.length)
  if (!fresh || lap === 0) return d
  const body = Buffer.from(d.json.replaceAll("\"id\":\"wamid.", `"id":"wamid.l${lap}.`))
  return { json: d.json, body, signature: signature(BENCH_SECRET, body) }
}
const sent = { raw: 0, service: 0 }

const QUANTILES = ["p50", "p90", "p99", "p99_9"] as const
/** `rate`: requests a second across the connections, whatever the answers' pace (open loop); none: as fast as answered. */
const load = async (url: string, to: keyof typeof sent, rate?: number) => {
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    ...(rate === undefined ? {} : { overallRate: rate }),
    method: "POST",
    requests: [{
      setupRequest: (req) => {
        const d = nth(sent[to]++, to === "service")
        return { ...req, body: d.body, headers: { "content-type": "application/json", "x-hub-signature-256": d.signature } }
      }
    }]
  })
  const latency = Object.fromEntries(QUANTILES.map((q) => [q, result.latency[q]])) as Record<(typeof QUANTILES)[number], number>
  return { reqPerSec: Math.round(result.requests.average), latencyMs: latency, ok: result["2xx"], non2xx: result.non2xx, errors: result.errors }
}
type Run = Awaited<ReturnType<typeof load>>

/** µs of CPU each of `n` items took, from the ms they took together. */
const usEach = (ms: number, n: number) => Math.round((ms * 1000) / Math.max(n, 1))
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
const raw = spawn(process.execPath, ["bench/ingest/rawServer.ts"], { env: { ...process.env, BENCH_SECRET }, stdio: ["ignore", "pipe", "inherit"] })
try {
  const [line]: Array<unknown> = await once(raw.stdout, "data")
  const rawUrl = `http://127.0.0.1:${Number(/listening (\d+)/.exec(String(line))?.[1])}/webhooks/whatsapp`
  const dbUrl = await Effect.runPromise(benchDatabase.pipe(Scope.provide(scope)))
  // the engine answers every burst: an instant fake LLM and a fake Graph API (127.0.0.1, this process)
  const llm = await Effect.runPromise(startFakeLlm(goodDefaults).pipe(Scope.provide(scope)))
  const graph = await Effect.runPromise(fakeGraph.pipe(Scope.provide(scope)))
  await Effect.runPromise(seedBenchBusiness(dbUrl))
  // the bench's own connection; a sample is cheap (the pending rows' partial index, the newest id):
  // counting the whole inbox ten times a second would be a load of its own on PostgreSQL
  const db = ManagedRuntime.make(pgClientLayer(dbUrl))
  const sampleInbox = () =>
    db.runPromise(Effect.flatMap(SqlClient.SqlClient, (sql) =>
      sql<{ received: number; pending: number }>`SELECT (SELECT coalesce(max(id), 0) FROM webhook_inbox)::int AS received,
        (SELECT count(*) FROM webhook_inbox WHERE status = 'pending')::int AS pending`).pipe(
      Effect.map((rows) => ({ done: (rows[0]?.received ?? 0) - (rows[0]?.pending ?? 0), pending: rows[0]?.pending ?? 0 }))
    ))
  /** Every delivery in the inbox, whatever its state (the acks' check). */
  const countInbox = () =>
    db.runPromise(Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ n: number }>`SELECT count(*)::int AS n FROM webhook_inbox`).pipe(
      Effect.map((rows) => rows[0]?.n ?? 0)
    ))
  // the engine's turns so far (their Analyze calls); the fakes' request logs are emptied as read
  let turns = 0
  const turnsSoFar = () => {
    turns += llm.stepRequests("analyze").length
    llm.requests.splice(0)
    graph.requests.splice(0)
    return turns
  }
  const ownCpuMs = () => {
    const used = process.cpuUsage()
    return (used.user + used.system) / 1000
  }
  const activity = () => db.runPromise(Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql`SELECT state, wait_event_type, wait_event, left(query, 60) AS query, count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() GROUP BY 1, 2, 3, 4 ORDER BY n DESC LIMIT 8`))

  const startOurs = (extra: Record<string, string>, phase: "loaded" | "intake" | "turns" | "storing") => {
    const profiled = process.env.BENCH_CPU_PROF !== undefined && (process.env.BENCH_PROFILE ?? "loaded").split(",").includes(phase)
    return startService({
      // the leads write without pause: a turn at least every 3 s each (≈ 30 turns/s), during the load
      ...benchServiceEnv({ dbUrl, dataDir, graphUrl: graph.url, llmUrl: llm.url }),
      ...extra,
      ...(profiled ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.BENCH_CPU_PROF}` } : {})
    }, [], { production: process.env.BENCH_SOURCES === undefined })
  }
  // the loaded service serves its metrics: how late its event loop ran callbacks, each 5 s of load
  const metricsPort = await freePort()
  const service = await startOurs({ METRICS_PORT: String(metricsPort) }, "loaded")
  await service.waitHealthy(60_000)
  const url = `http://127.0.0.1:${service.port}/webhooks/whatsapp`
  /** The event loop's delay over the service's last 5 s sample, ms: its p99 and its worst. */
  const loopDelay = async () => {
    const text = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text())
    const gauge = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, "m").exec(text)?.[1] ?? Number.NaN) * 1000
    return { p99: gauge("nodejs_eventloop_delay_p99_seconds"), max: gauge("nodejs_eventloop_delay_max_seconds") }
  }

  await load(rawUrl, "raw") // warm-up, both
  await load(url, "service")
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
  /** Until the turns the load started are over (no new one for 2 s): the next round starts on a quiet machine. */
  const settle = async () => {
    let seen = turnsSoFar()
    let still = Date.now()
    while (Date.now() - still < 2_000) {
      await new Promise((r) => setTimeout(r, 250))
      const now = turnsSoFar()
      if (now !== seen) [seen, still] = [now, Date.now()]
    }
  }
  await settle()

  const base: Array<Run> = []
  const ours: Array<Run> = []
  const consumed: Array<{ perSec: number; backlogAfter: number; drainMs: number; drainPerSec: number }> = []
  // CPU µs per request (baseline) and per delivery (ours, until its consumer is done)
  const cpu: Array<{ rawServer: number; rawLoad: number; service: number; postgres: number; load: number; turns: number }> = []
  const servicePid = service.child.pid ?? -1
  const rawPid = raw.pid ?? -1
  const cpuOfPid = (pid: number) => cpuSnapshot((p) => p === pid)
  const cpuOf = {
    service: () => cpuOfPid(servicePid),
    rawServer: () => cpuOfPid(rawPid),
    postgres: () => cpuSnapshot((_, comm) => comm === "postgres")
  }
  const loopDelays: Array<{ readonly p99: number; readonly max: number }> = []
  const before = await countInbox()
  for (let round = 0; round < rounds; round++) {
    const rawBefore = { server: cpuOf.rawServer(), load: ownCpuMs() }
    const baseRun = await load(rawUrl, "raw")
    base.push(baseRun)
    const rawServerMs = cpuMsBetween(rawBefore.server, cpuOf.rawServer())
    const rawLoadMs = ownCpuMs() - rawBefore.load
    const start = await sampleInbox()
    const oursBefore = { turns: turnsSoFar(), service: cpuOf.service(), postgres: cpuOf.postgres(), load: ownCpuMs() }
    const t0 = Date.now()
    const waits = process.env.BENCH_DEBUG === undefined ? undefined : setInterval(() => {
      void activity().then((rows) => console.log(JSON.stringify(rows)))
    }, 1000)
    // a sample without the gauges (none yet, or renamed) is not one: the count printed stays honest
    const delays = setInterval(() =>
      void loopDelay().then((d) => {
        if (!Number.isNaN(d.p99) && !Number.isNaN(d.max)) loopDelays.push(d)
      }, () => undefined), 5_000)
    ours.push(await load(url, "service"))
    clearInterval(waits)
    clearInterval(delays)
    const end = await sampleInbox()
    const loadMs = Date.now() - t0
    const drained = await drain(120_000)
    await settle()
    const processed = end.done - start.done + drained.items
    const perDelivery = (ms: number) => usEach(ms, processed)
    const perRequest = (ms: number) => usEach(ms, baseRun.ok)
    cpu.push({
      rawServer: perRequest(rawServerMs),
      rawLoad: perRequest(rawLoadMs),
      service: perDelivery(cpuMsBetween(oursBefore.service, cpuOf.service())),
      postgres: perDelivery(cpuMsBetween(oursBefore.postgres, cpuOf.postgres())),
      load: perDelivery(ownCpuMs() - oursBefore.load),
      turns: turnsSoFar() - oursBefore.turns
    })
    consumed.push({
      perSec: Math.round(((end.done - start.done) * 1000) / loadMs),
      backlogAfter: end.pending,
      drainMs: drained.ms,
      drainPerSec: drained.ms === 0 ? 0 : Math.round((drained.items * 1000) / drained.ms)
    })
  }
  // real webhooks come at the leads' pace, not as fast as they are answered: the same service at a
  // steady 60 % of the rate it reached above (open loop; latencies corrected for coordinated omission)
  const offered = Math.max(1, Math.round(0.6 * median(ours.map((r) => r.reqPerSec))))
  const openStart = await sampleInbox()
  const open = await load(url, "service", offered)
  const openEnd = await sampleInbox()
  await drain(120_000)
  await settle()
  const after = await countInbox()
  await service.stop("SIGTERM")
  if (process.env.BENCH_DEBUG !== undefined) console.log(service.output().slice(-5000))
  if (process.env.BENCH_OUT !== undefined) await writeFile(process.env.BENCH_OUT, service.output())

  // Each part alone, where the time goes: (1) the intake with no consumer in the process
  // (INBOX_CONSUMERS=0: the deliveries wait in the inbox), one round; (2) then the consumers
  // (and the engine's turns) alone on that backlog, with no intake, for a round's time
  const intakeOnly = await startOurs({ INBOX_CONSUMERS: "0" }, "intake")
  await intakeOnly.waitHealthy(60_000)
  const intakeUrl = `http://127.0.0.1:${intakeOnly.port}/webhooks/whatsapp`
  await load(intakeUrl, "service") // warm-up
  const intakePid = intakeOnly.child.pid ?? -1
  const i0 = { service: cpuOfPid(intakePid), postgres: cpuOf.postgres(), load: ownCpuMs(), inbox: await countInbox(), t: Date.now() }
  const intakeRun = await load(intakeUrl, "service")
  const intakeMs = {
    service: cpuMsBetween(i0.service, cpuOfPid(intakePid)),
    postgres: cpuMsBetween(i0.postgres, cpuOf.postgres()),
    load: ownCpuMs() - i0.load
  }
  const intakeCpu = {
    service: usEach(intakeMs.service, intakeRun.ok),
    postgres: usEach(intakeMs.postgres, intakeRun.ok),
    load: usEach(intakeMs.load, intakeRun.ok),
    // how much of the machine the intake alone keeps busy (the load generator shares it): what is left for more
    coresBusy: Math.round((100 * (intakeMs.service + intakeMs.postgres + intakeMs.load)) / Math.max(Date.now() - i0.t, 1)) / 100
  }
  const intakeStored = (await countInbox()) - i0.inbox
  await intakeOnly.stop("SIGTERM")
  /** The consumers of a fresh process on the backlog, with no intake, for a round's time (after a warm-up). */
  const consumersAlone = async (extra: Record<string, string>, phase: "turns" | "storing") => {
    const consumers = await startOurs(extra, phase)
    await consumers.waitHealthy(60_000)
    const pid = consumers.child.pid ?? -1
    await new Promise((r) => setTimeout(r, smoke ? 500 : 3_000)) // a fresh process's first batches run cold code
    const c0 = { at: await sampleInbox(), turns: turnsSoFar(), service: cpuOfPid(pid), postgres: cpuOf.postgres(), t: Date.now() }
    await new Promise((r) => setTimeout(r, seconds * 1000))
    const c1 = { at: await sampleInbox(), turns: turnsSoFar(), service: cpuOfPid(pid), postgres: cpuOf.postgres(), t: Date.now() }
    await consumers.stop("SIGTERM")
    const consumed = c1.at.done - c0.at.done
    return {
      perSec: Math.round((consumed * 1000) / (c1.t - c0.t)),
      backlogLeft: c1.at.pending,
      turns: c1.turns - c0.turns,
      // none consumed (a smoke run's small backlog already taken): no cost to divide
      cpuUsPerDelivery: consumed === 0 ? null : {
        service: usEach(cpuMsBetween(c0.service, c1.service), consumed),
        postgres: usEach(cpuMsBetween(c0.postgres, c1.postgres), consumed)
      }
    }
  }
  const consumersWithTurns = await consumersAlone({}, "turns")
  // storing alone: a debounce longer than the phase, so no turn starts
  const consumersNoTurns = await consumersAlone({ DEBOUNCE_QUIET: "10 min", DEBOUNCE_MAX_WAIT: "10 min" }, "storing")
  await db.dispose()
  const alone = {
    intake: {
      reqPerSec: intakeRun.reqPerSec,
      ratio: Number((intakeRun.reqPerSec / median(base.map((r) => r.reqPerSec))).toFixed(3)),
      latencyMs: intakeRun.latencyMs,
      ok: intakeRun.ok,
      everyAckStored: intakeStored >= intakeRun.ok,
      cpuUsPerRequest: intakeCpu
    },
    consumers: consumersWithTurns,
    consumersWithoutTurns: consumersNoTurns
  }

  const b = summarize(base)
  const o = summarize(ours)
  const stored = after - before
  const cores = availableParallelism()
  const cpuUs = {
    baseline: { server: median(cpu.map((c) => c.rawServer)), load: median(cpu.map((c) => c.rawLoad)) },
    service: median(cpu.map((c) => c.service)),
    postgres: median(cpu.map((c) => c.postgres)),
    load: median(cpu.map((c) => c.load)),
    rounds: cpu
  }
  const perDeliveryUs = cpuUs.service + cpuUs.postgres + cpuUs.load
  const result = {
    smoke,
    connections,
    secondsPerRound: seconds,
    rounds,
    bodyBytes: { min: Math.min(...pool.map((d) => d.body.length)), max: Math.max(...pool.map((d) => d.body.length)) },
    baseline: b,
    // every ack of the alternating rounds and the open-loop round is in the inbox
    service: { ...o, storedInInbox: stored, everyAckStored: stored >= o.ok + open.ok },
    openLoop: {
      offeredPerSec: offered,
      reqPerSec: open.reqPerSec,
      latencyMs: open.latencyMs,
      storedPerSec: Math.round((openEnd.done - openStart.done) / seconds),
      backlogAfter: openEnd.pending
    },
    ratio: Number((o.reqPerSec / b.reqPerSec).toFixed(3)),
    consumer: {
      storedPerSecWhileLoaded: median(consumed.map((c) => c.perSec)),
      backlogAfterRound: median(consumed.map((c) => c.backlogAfter)),
      drainPerSec: median(consumed.map((c) => c.drainPerSec)),
      rounds: consumed
    },
    cpu: {
      ...cpuUs,
      cores,
      // every core busy at this cost per delivery (intake, consumer, turns, PostgreSQL, the load)
      ceilingPerSec: perDeliveryUs === 0 ? 0 : Math.round((cores * 1e6) / perDeliveryUs),
      neededForTargetPerSec: Math.round(0.4 * b.reqPerSec)
    },
    // each 5 s sample of the loaded rounds: the loop's delay p99 and worst (a webhook waiting that long for the loop)
    eventLoopDelayMs: {
      p99: median(loopDelays.map((d) => d.p99)),
      max: Math.max(0, ...loopDelays.map((d) => d.max)),
      samples: loopDelays
    },
    alone,
    targets: { ratio: 0.4, p99Ms: 50, consumerPerSec: 2000 },
    node: process.version
  }
  console.log(`signed ${result.bodyBytes.min}–${result.bodyBytes.max} B webhooks, ${connections} connections, ${rounds} alternating rounds of ${seconds} s (medians)`)
  console.log(row("(a) node:http + HMAC only", b))
  console.log(row("(b) POST /webhooks/whatsapp", o))
  console.log(`    ratio ${result.ratio} (target ≥ 0.4); p99 ${o.latencyMs.p99} ms (target < 50); acked ${o.ok + open.ok}, in inbox ${stored} (every ack stored: ${result.service.everyAckStored}); non-2xx ${o.non2xx}, errors ${o.errors}`)
  console.log(`    at a steady ${offered} req/s (60 % of that, open loop): answered ${open.reqPerSec} req/s, ack p50 ${open.latencyMs.p50} ms, p90 ${open.latencyMs.p90} ms, p99 ${open.latencyMs.p99} ms; consumers ${result.openLoop.storedPerSec}/s, backlog after ${openEnd.pending}`)
  console.log(`    the service's event loop under the load: delay p99 ${result.eventLoopDelayMs.p99.toFixed(1)} ms (median of ${loopDelays.length} samples of 5 s), worst ${result.eventLoopDelayMs.max.toFixed(1)} ms`)
  console.log(`inbox consumers: ${result.consumer.storedPerSecWhileLoaded} deliveries/s processed while loaded (target ≥ 2000), backlog after a round ${result.consumer.backlogAfterRound}, drained at ${result.consumer.drainPerSec}/s`)
  console.log(`CPU per delivery, request to consumer done: service ${cpuUs.service} µs, PostgreSQL ${cpuUs.postgres} µs, load and fakes ${cpuUs.load} µs; the bare server ${cpuUs.baseline.server} µs a request, its load ${cpuUs.baseline.load} µs`)
  console.log(`    the engine's turns meanwhile: ${cpu.map((c) => c.turns).join(", ")} (a round and its drain)`)
  console.log(`    at that cost ${cores} cores take at most ${result.cpu.ceilingPerSec} deliveries/s; 0.4× the baseline is ${result.cpu.neededForTargetPerSec}/s`)
  console.log(`each part alone: the intake with no consumer ${alone.intake.reqPerSec} req/s (ratio ${alone.intake.ratio}), p50 ${alone.intake.latencyMs.p50} ms, p99 ${alone.intake.latencyMs.p99} ms, CPU a request: service ${intakeCpu.service} µs, PostgreSQL ${intakeCpu.postgres} µs, load ${intakeCpu.load} µs (${intakeCpu.coresBusy} of ${cores} cores busy)`)
  for (const [name, c] of [["the consumers with no intake", consumersWithTurns], ["the same with no turn (storing alone)", consumersNoTurns]] as const) {
    const cost = c.cpuUsPerDelivery === null ? "none consumed" : `CPU a delivery: service ${c.cpuUsPerDelivery.service} µs, PostgreSQL ${c.cpuUsPerDelivery.postgres} µs`
    console.log(`    ${name} ${c.perSec} deliveries/s (${c.turns} turns meanwhile), ${cost}`)
  }
  await Effect.runPromise(writeResult(smoke ? "ingest-smoke" : "ingest", result))
  if (!result.service.everyAckStored || o.non2xx > 0 || open.non2xx > 0 || !alone.intake.everyAckStored || intakeRun.non2xx > 0) process.exitCode = 1
} finally {
  raw.kill("SIGTERM")
  await Effect.runPromise(Scope.close(scope, Exit.void))
  await rm(dataDir, { recursive: true, force: true })
}
