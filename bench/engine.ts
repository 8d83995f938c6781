/**
 * The conversation engine in its own process (as `npm start` runs it, ROLE=all, real Postgres), the
 * fake LLM and the fake Graph API in this one (127.0.0.1). Signed webhooks → inbox → actors →
 * HTL → send, end to end. Three figures, each beside its baseline from the same run:
 *
 * 1. Engine time per turn outside the LLM and the send, exact quantiles of every turn: the
 *    service measures each lead turn's wall time less the time it waited on the model (the LLM
 *    client's calls, retries included) or on the Graph API (sends, read receipts), and logs it
 *    (debug line "turn timing"); this bench reads those lines. Two figures: to the reply (turn
 *    start → the Graph API accepted the reply, what the lead waits for) and the whole turn (with
 *    the row marked sent, the state, summary and audit written after the send). At a stated load: `bursts/s` leads starting a burst of
 *    `messages` messages each second, open loop, the fake LLM answering every call after
 *    `LLM_LATENCY_MS`. Baseline: a no-op engine (bench/engine/noopTurn.ts, its own process)
 *    making the same calls to the same fakes at the same rate, measured the same way. It runs
 *    first, on a fresh heap: phase 2's flood leaves the heap full of garbage to collect.
 * 2. Memory: the service's RSS (/proc/<pid>/status) idle after the warm-up and phase 1 (the
 *    baseline), at the peak while `touch` new conversations are touched at once (one lead message
 *    each, each answered), and once every actor was passivated (ACTOR_IDLE_TTL). They all write to
 *    one business number, so their replies go out at that number's pace (WHATSAPP_SEND_RATE, 80
 *    Graph API calls a second, Meta's default; a turn makes two, its read receipt and its reply):
 *    10,000 take ≈ 250 s however fast the engine is.
 * 3. Throughput: every lead of a second set bursting at once; turns/s (debounce included).
 *
 * Writes bench/results/engine.json (engine-smoke.json with --smoke).
 *   node bench/engine.ts [leads=300] [messagesPerLead=3] [burstsPerSecond=20] [touch=10000]
 *   node bench/engine.ts --smoke          (seconds, small sizes: CI runs it so the bench keeps working)
 * BENCH_HISTORY=N: the database starts with N earlier conversations (bench/support.ts).
 * BENCH_NODE_OPTIONS is passed to the service as NODE_OPTIONS (e.g. "--cpu-prof --cpu-prof-dir=prof"
 * or "--heap-prof"); BENCH_SERVICE_LOG=file keeps the service's output there (with the leads left
 * unanswered, printed by the bench, to follow them); BENCH_HEAP_MB sets the service's heap limit (default 512, as in a 2 GB
 * container; 0: V8's own); BENCH_DEBUG=1 prints the service's log lines by message and its last output.
 */
import { spawn } from "node:child_process"
import { once } from "node:events"
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Redacted, Scope } from "effect"
import { fakeGraph } from "../test/support/fakeGraph.ts"
import { startFakeLlm } from "../test/support/fakeLlm.ts"
import { goodDefaults } from "../test/support/htlFixtures.ts"
import { freePort, productionStart, startLine, startService } from "../test/support/processes.ts"
import { change, entry, envelope, signed, text } from "../test/support/webhooks.ts"
import { benchDatabase, seedBenchBusiness, whyUnanswered, writeResult } from "./support.ts"

const smoke = process.argv.includes("--smoke")
const args = process.argv.slice(2).filter((a) => !a.startsWith("--")).map(Number)
const leads = smoke ? 12 : args[0] ?? 300
const perLead = smoke ? 2 : args[1] ?? 3
const burstsPerSecond = smoke ? 10 : args[2] ?? 20
const touch = smoke ? 200 : args[3] ?? 10_000
const throughputLeads = smoke ? 20 : leads
/** the fake model's time per call (the LLM's share of a turn: not the engine's) */
const LLM_LATENCY_MS = smoke ? 20 : 100
/** long enough for every touched conversation to be alive at the peak */
const IDLE_TTL_S = smoke ? 2 : Math.max(20, Math.ceil(touch / 100))
const PN = "109000000000999"
const SECRET = "bench-secret"
const QUIET_MS = 200
/** How long the service idles after the last actor was passivated before its RSS is read again. */
const SETTLE_MS = smoke ? 1_000 : 30_000
/**
 * The service's V8 heap limit, as V8 sets it in a container with 2 GB of memory (a quarter of
 * it). Left to itself on this 24 GB machine V8 allows a 4 GB heap and collects lazily: RSS then
 * follows garbage, not what the service keeps (measured 1.7 GB at the peak of 10,000
 * conversations, 0.8 GB after passivation). BENCH_HEAP_MB=0 measures without a limit.
 */
const HEAP_MB = Number(process.env.BENCH_HEAP_MB ?? 512)
const SERVICE_NODE_OPTIONS = [HEAP_MB > 0 ? `--max-old-space-size=${HEAP_MB}` : "", process.env.BENCH_NODE_OPTIONS ?? ""].join(" ").trim()

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)))
const mb = (kb: number) => Math.round(kb / 102.4) / 10

/** Exact quantiles (nearest rank) of the samples that exist: a SEND_NOW turn whose draft went stale has no time to the reply. */
const quantiles = (values: ReadonlyArray<number>) => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0
  const r = (x: number) => Math.round(x * 100) / 100
  return { n: sorted.length, p50: r(at(0.5)), p90: r(at(0.9)), p99: r(at(0.99)), max: r(sorted.at(-1) ?? 0), mean: r(sorted.reduce((s, x) => s + x, 0) / Math.max(1, sorted.length)) }
}
type Quantiles = ReturnType<typeof quantiles>
const show = (q: Quantiles) => `p50 ${q.p50}  p90 ${q.p90}  p99 ${q.p99}  max ${q.max} ms (n=${q.n})`

/** VmRSS and VmHWM (peak) of a process, in kB. */
const memoryOf = async (pid: number) => {
  const status = await readFile(`/proc/${pid}/status`, "utf8")
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0)
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") }
}

const waId = (i: number) => String(15_560_000_000 + i)
const scope = Effect.runSync(Scope.make())
const dataDir = await mkdtemp(join(tmpdir(), "wa-bench-engine-"))
try {
  const dbUrl = await Effect.runPromise(benchDatabase.pipe(Scope.provide(scope)))
  const llm = await Effect.runPromise(startFakeLlm(goodDefaults).pipe(Scope.provide(scope)))
  const graph = await Effect.runPromise(fakeGraph.pipe(Scope.provide(scope)))
  for (const step of ["analyze", "decide", "generate", "summarize"]) llm.latency[step] = LLM_LATENCY_MS
  await Effect.runPromise(seedBenchBusiness(dbUrl))

  /** Replies (text messages) the fake Graph API received; its request log is emptied as it is read. */
  let replies = 0
  /** Who got a reply (the `to` of each text message). */
  const answered = new Set<string>()
  const countReplies = () => {
    for (const r of graph.requests.splice(0)) {
      if (typeof r.body === "object" && r.body !== null && "type" in r.body && r.body.type === "text") {
        replies++
        if ("to" in r.body && typeof r.body.to === "string") answered.add(r.body.to)
      }
    }
    llm.requests.splice(0) // the fake keeps every prompt otherwise (this process's memory, not the service's)
    return replies
  }
  const waitForReplies = async (n: number, limitMs: number) => {
    const started = Date.now()
    while (countReplies() < n && Date.now() - started < limitMs) await sleep(50)
    return countReplies() >= n
  }

  const metricsPort = await freePort()
  const service = await startService({
    DATABASE_URL: Redacted.value(dbUrl),
    DATA_DIR: dataDir,
    APP_ENV: "development", // keys generated in DATA_DIR (a bench is not a deployment)
    LOG_LEVEL: "debug", // the per-turn "turn timing" lines
    LOG_FORMAT: "json",
    METRICS_PORT: String(metricsPort),
    WHATSAPP_PHONE_NUMBER_ID: PN,
    WHATSAPP_APP_SECRET: SECRET,
    WHATSAPP_ACCESS_TOKEN: "bench-token",
    WHATSAPP_API_BASE_URL: graph.url,
    LLM_API_KEY: "sk-fake",
    LLM_BASE_URL: llm.url,
    DEBOUNCE_QUIET: `${QUIET_MS} ms`,
    DEBOUNCE_MAX_WAIT: "2 s",
    HTL_SPECULATIVE: "off",
    TURN_CONCURRENCY: "64",
    ACTOR_IDLE_TTL: `${IDLE_TTL_S} s`,
    NODE_OPTIONS: SERVICE_NODE_OPTIONS
  }, [], { production: true })
  const pid = service.child.pid ?? 0
  try {
    await service.waitHealthy(60_000)
    const webhookUrl = `http://127.0.0.1:${service.port}/webhooks/whatsapp`
    const post = async (lead: number, body: string) => {
      const { body: bytes, signature } = signed(SECRET, envelope(entry("waba", change({ phoneNumberId: PN, contacts: [{ waId: waId(lead), name: `Lead ${lead}` }], messages: [text(waId(lead), body)] }))))
      const res = await fetch(webhookUrl, { method: "POST", body: bytes, headers: { "content-type": "application/json", "x-hub-signature-256": signature } })
      await res.arrayBuffer()
      if (res.status !== 200) throw new Error(`webhook answered ${res.status}`)
    }
    const burst = async (lead: number, messages: number) => {
      for (let m = 0; m < messages; m++) await post(lead, `Hi, message ${m} from lead ${lead}: how much is the premium plan?`)
    }
    /** Runs `f` over `items`, at most `width` at a time. */
    const pool = async (items: ReadonlyArray<number>, width: number, f: (i: number) => Promise<void>) => {
      let next = 0
      await Promise.all(Array.from({ length: width }, async () => {
        while (next < items.length) await f(items[next++] ?? 0)
      }))
    }
    /** Every series of a gauge from the service's /metrics (one per thread for the heap and the event loop: the engine's is `thread="engine"`). */
    const series = async (name: string) => {
      const text = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text())
      return [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "gm"))].map((m) => Number(m[1]))
    }
    const activeActors = async () => (await series("wa_engine_active_actors"))[0] ?? Number.NaN
    /** The V8 heaps in use, MB, of every thread (sampled by the service every 5 s). */
    const heapUsedMb = async () => Math.round((await series("v8js_memory_heap_used_bytes")).reduce((sum, b) => sum + b, 0) / 104857.6) / 10
    /** The worst event-loop delay of any of the service's threads in its last 5 s interval, ms. */
    const loopDelayMaxMs = async () => Math.round(Math.max(0, ...(await series("nodejs_eventloop_delay_max_seconds"))) * 10_000) / 10
    /** "turn timing" lines written so far, from `offset` in the service's output. */
    const turnLines = (offset: number) =>
      service.output().slice(offset).split("\n").filter((l) => l.includes("\"turn timing\"")).map((l) => {
        const parsed: { annotations?: Record<string, unknown>; timestamp?: string } = JSON.parse(l)
        const a = parsed.annotations ?? {}
        const num = (k: string) => (typeof a[k] === "number" ? a[k] : Number.NaN)
        return { at: Date.parse(parsed.timestamp ?? ""), action: String(a.action), turn: num("turn_ms"), llm: num("llm_ms"), send: num("send_ms"), db: num("db_ms"), engine: num("engine_ms"), toReply: num("engine_to_reply_ms"), dbToReply: num("db_to_reply_ms") }
      })
    let lead = 0
    const nextLeads = (n: number) => Array.from({ length: n }, () => lead++)

    // warm-up (JIT, pools, prepared statements, the language model): not measured
    const warm = nextLeads(smoke ? 5 : 30)
    await pool(warm, 10, (i) => burst(i, perLead))
    if (!(await waitForReplies(warm.length, 60_000))) throw new Error("warm-up: not every lead was answered")
    // 1. engine time per turn at a stated load: open loop, `burstsPerSecond` new bursts a second
    const steadyLeads = nextLeads(leads)
    const offset = service.output().length
    const steadyBefore = countReplies()
    const t0 = Date.now()
    let loopDelayMax = 0
    let steady = true
    const loopSampler = (async () => {
      while (steady) {
        await sleep(1_000)
        loopDelayMax = Math.max(loopDelayMax, await loopDelayMaxMs())
      }
    })()
    await Promise.all(steadyLeads.map(async (i, k) => {
      await sleep(t0 + (k * 1000) / burstsPerSecond - Date.now())
      await burst(i, perLead)
    }))
    const steadyAnswered = await waitForReplies(steadyBefore + leads, 120_000)
    await sleep(500) // the last turns' after-send work (summary, audit)
    steady = false
    await loopSampler
    // turns that began under the load (a warm-up lead's late turn can end after `offset`)
    const turns = turnLines(offset).filter((t) => t.action === "SEND_NOW" && t.at - t.turn >= t0)
    const toReply = quantiles(turns.map((t) => t.toReply))
    const whole = quantiles(turns.map((t) => t.engine))
    const llmPerTurn = quantiles(turns.map((t) => t.llm))
    const sendPerTurn = quantiles(turns.map((t) => t.send))
    const dbPerTurn = quantiles(turns.map((t) => t.db))
    const dbToReply = quantiles(turns.map((t) => t.dbToReply))
    const turnWall = quantiles(turns.map((t) => t.turn))
    console.log(`load: ${leads} leads, a burst of ${perLead} messages each, ${burstsPerSecond} bursts/s (open loop), model ${LLM_LATENCY_MS} ms a call, debounce ${QUIET_MS} ms${steadyAnswered ? "" : " — NOT every lead answered"}`)
    console.log(`  engine time to the reply      ${show(toReply)}`)
    console.log(`  engine time, whole turn       ${show(whole)}`)
    console.log(`  (model ${show(llmPerTurn)}; Graph API ${show(sendPerTurn)}; turn wall ${show(turnWall)})`)
    console.log(`  of the engine's time, waiting on PostgreSQL: to the reply ${show(dbToReply)}; whole turn ${show(dbPerTurn)}`)
    console.log(`  the service's event loops (each thread's): worst delay ${loopDelayMax} ms (per 5 s interval, monitorEventLoopDelay)`)
    if (process.env.BENCH_DEBUG !== undefined) {
      console.log("  the slowest turns (s after the load began: to the reply, db, model, send, wall ms):")
      for (const t of [...turns].sort((a, b) => b.toReply - a.toReply).slice(0, 12)) {
        console.log(`    ${((t.at - t.turn - t0) / 1000).toFixed(1)} s: ${t.toReply} / ${t.db} / ${t.llm} / ${t.send} / ${t.turn}`)
      }
    }

    // baseline: a no-op engine making the same calls at the same rate
    const noop = spawn(process.execPath, ["bench/engine/noopTurn.ts"], {
      env: { ...process.env, LLM_URL: llm.url, GRAPH_URL: graph.url, TURNS: String(leads), RATE: String(burstsPerSecond), DELAY_MS: String(QUIET_MS) },
      stdio: ["ignore", "pipe", "inherit"]
    })
    let noopOut = ""
    noop.stdout.on("data", (d: Buffer) => (noopOut += d.toString()))
    await once(noop, "exit")
    const noopTurns: ReadonlyArray<{ engine: number }> = JSON.parse(noopOut.trim().split("\n").at(-1) ?? "[]")
    const noopEngine = quantiles(noopTurns.map((t) => t.engine))
    console.log(`  no-op engine, same calls      ${show(noopEngine)}`)

    await sleep(smoke ? 500 : 3_000)
    const baseline = await memoryOf(pid)
    const baselineHeap = await heapUsedMb()
    console.log(`service RSS idle after ${warm.length} warm-up turns: ${mb(baseline.rss)} MB, V8 heap in use ${baselineHeap} MB (${[...Object.entries(startLine().env).map(([k, v]) => `${k}=${v}`), ...productionStart()].join(" ")}; NODE_OPTIONS "${SERVICE_NODE_OPTIONS}")`)

    // 2. memory: `touch` conversations, one lead message each (each answered), then passivated
    let peakRss = baseline.rss
    let peakActors = 0
    let peakHeap = baselineHeap
    let sampling = true
    // RSS from /proc every 200 ms; /metrics once a second (a scrape is work for the service, and
    // the gauges it reads change every 5 s)
    const sampler = (async () => {
      for (let tick = 0; sampling; tick++) {
        peakRss = Math.max(peakRss, (await memoryOf(pid)).rss)
        if (tick % 5 === 0) {
          peakActors = Math.max(peakActors, await activeActors())
          peakHeap = Math.max(peakHeap, await heapUsedMb())
        }
        await sleep(200)
      }
    })()
    const touchStarted = Date.now()
    const touched = nextLeads(touch)
    const before = countReplies()
    await pool(touched, 32, (i) => post(i, `Hello from lead ${i}, what do you sell?`))
    const allAnswered = await waitForReplies(before + touch, 600_000)
    const touchSeconds = (Date.now() - touchStarted) / 1000
    const unanswered = touched.filter((i) => !answered.has(waId(i)))
    if (unanswered.length > 0) {
      console.log(`NOT answered: ${unanswered.length} of ${touch} leads, e.g. ${unanswered.slice(0, 10).map(waId).join(" ")}; where they stand:`)
      for (const line of await Effect.runPromise(whyUnanswered(dbUrl, unanswered.map(waId)))) console.log(`  ${line}`)
    }
    await sleep(400)
    sampling = false
    await sampler
    const atPeak = await memoryOf(pid)
    console.log(`${touch} conversations touched in ${touchSeconds.toFixed(1)} s (${allAnswered ? "all" : "NOT all"} answered): ` +
      `${peakActors} actors alive at most, RSS peak ${mb(Math.max(peakRss, atPeak.rss))} MB (VmHWM ${mb(atPeak.hwm)} MB), V8 heaps in use (every thread) at most ${peakHeap} MB`)
    const idleStarted = Date.now()
    while ((await activeActors()) > 0 && Date.now() - idleStarted < (IDLE_TTL_S + 60) * 1000) await sleep(1_000)
    const passivatedAfter = (Date.now() - idleStarted) / 1000
    const actorsLeft = await activeActors()
    const justAfter = await memoryOf(pid)
    // the idle process's own GC: V8's memory reducer acts once the allocation rate has been low for
    // 8 s, checking every 8 s — so nothing is asked of the service meanwhile (a /metrics scrape
    // four times a second kept it "allocating" and the reducer waiting: measured)
    await sleep(SETTLE_MS)
    const afterPassivation = await memoryOf(pid)
    const settledHeap = await heapUsedMb()
    console.log(`passivated ${passivatedAfter.toFixed(1)} s after the last answer (${actorsLeft} actors left): ` +
      `RSS ${mb(justAfter.rss)} MB, ${mb(afterPassivation.rss)} MB ${SETTLE_MS / 1000} s later (baseline ${mb(baseline.rss)} MB); V8 heap in use ${settledHeap} MB (baseline ${baselineHeap} MB)`)

    // 3. throughput: every lead bursts at once
    const rushLeads = nextLeads(throughputLeads)
    const rushBefore = countReplies()
    const rushOffset = service.output().length
    const rushStarted = Date.now()
    await pool(rushLeads, 50, (i) => burst(i, perLead))
    const rushAnswered = await waitForReplies(rushBefore + throughputLeads, 300_000)
    const rushSeconds = (Date.now() - rushStarted) / 1000
    await sleep(500)
    const rushTurns = turnLines(rushOffset).filter((t) => t.action === "SEND_NOW" && t.at - t.turn >= rushStarted)
    const rushToReply = quantiles(rushTurns.map((t) => t.toReply))
    console.log(`throughput: ${throughputLeads} leads × ${perLead} messages at once: ${(throughputLeads / rushSeconds).toFixed(1)} turns/s ` +
      `(debounce and model time included${rushAnswered ? "" : "; NOT every lead answered"}); engine time to the reply under saturation ${show(rushToReply)}`)

    const stopped = await service.stop("SIGTERM")
    // BENCH_SERVICE_LOG=file: the service's whole output, to follow a lead the bench saw unanswered
    if (process.env.BENCH_SERVICE_LOG !== undefined) await writeFile(process.env.BENCH_SERVICE_LOG, service.output())
    if (process.env.BENCH_DEBUG !== undefined) {
      const lines = new Map<string, number>()
      for (const m of service.output().matchAll(/"message":"([^"]*)"/g)) lines.set(m[1] ?? "", (lines.get(m[1] ?? "") ?? 0) + 1)
      console.log(`service log lines (${service.output().length} bytes):`, Object.fromEntries([...lines].sort((a, b) => b[1] - a[1])))
      console.log(service.output().slice(-5000))
    }

    const result = {
      smoke,
      node: process.version,
      memory: {
        serviceStart: productionStart(),
        serviceEnv: startLine().env,
        serviceNodeOptions: SERVICE_NODE_OPTIONS,
        baselineHeapUsedMb: baselineHeap,
        peakHeapUsedMb: peakHeap,
        settledHeapUsedMb: settledHeap,
        touched: touch,
        allAnswered,
        touchSeconds,
        idleTtlSeconds: IDLE_TTL_S,
        actorsAtPeak: peakActors,
        actorsAfterIdle: actorsLeft,
        baselineRssMb: mb(baseline.rss),
        peakRssMb: mb(Math.max(peakRss, atPeak.rss)),
        peakHwmMb: mb(atPeak.hwm),
        afterPassivationRssMb: mb(justAfter.rss),
        settledRssMb: mb(afterPassivation.rss),
        peakRatio: Math.round((Math.max(peakRss, atPeak.rss) / baseline.rss) * 100) / 100,
        settledRatio: Math.round((afterPassivation.rss / baseline.rss) * 100) / 100
      },
      engineTime: {
        load: { leads, messagesPerLead: perLead, burstsPerSecond, llmLatencyMs: LLM_LATENCY_MS, debounceQuietMs: QUIET_MS, allAnswered: steadyAnswered },
        toReplyMs: toReply,
        wholeTurnMs: whole,
        llmMsPerTurn: llmPerTurn,
        sendMsPerTurn: sendPerTurn,
        dbMsPerTurn: dbPerTurn,
        dbMsToReply: dbToReply,
        eventLoopDelayMaxMs: loopDelayMax,
        turnWallMs: turnWall,
        noopBaselineMs: noopEngine,
        p99Ratio: noopEngine.p99 > 0 ? Math.round((toReply.p99 / noopEngine.p99) * 10) / 10 : null
      },
      throughput: { leads: throughputLeads, messagesPerLead: perLead, seconds: rushSeconds, turnsPerSecond: throughputLeads / rushSeconds, allAnswered: rushAnswered, toReplyMs: rushToReply },
      serviceExit: stopped.code,
      targets: { peakRssMb: 300, toReplyP99Ms: 10 }
    }
    await Effect.runPromise(writeResult(smoke ? "engine-smoke" : "engine", result))
    if (!allAnswered || !steadyAnswered || !rushAnswered || turns.length === 0) process.exitCode = 1
  } finally {
    if (service.child.exitCode === null) await service.stop("SIGKILL")
  }
} finally {
  await Effect.runPromise(Scope.close(scope, Exit.void))
  await rm(dataDir, { recursive: true, force: true })
}
