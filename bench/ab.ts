/**
 * Two checkouts side by side on the same machine, in the same run: A (say, the code before a
 * change) and B (after). This machine's speed moves by a factor of two within an hour, so a
 * change is judged by alternating rounds of both, never by figures from different runs. Each
 * side gets its own database (migrated by its own checkout: a change may be a migration) and its
 * own backlog, filled through its own intake (`INBOX_CONSUMERS=0`); then, round by round (A B,
 * B A, …), a fresh service of each side runs its consumers on its backlog for a while, and the
 * deliveries it stored, its CPU and PostgreSQL's (/proc) give the cost of one delivery. Modes:
 * `storing` (the consumers alone: a debounce longer than the round, so no turn), `turns` (with
 * the engine's turns: an instant fake model and Graph API in this process) and `intake` (signed
 * webhooks, 50 connections, no consumer).
 * The services run as `npm start` runs them (each checkout's own start line and bundle).
 *   git worktree add /tmp/before <commit> && ln -s "$PWD/node_modules" /tmp/before/node_modules
 *   node bench/ab.ts /tmp/before . [storing|turns|intake] [rounds = 4] [seconds = 8]
 *   node bench/ab.ts --smoke      (this checkout against itself, seconds: CI runs it)
 * BENCH_HISTORY=100000: each database starts with that many earlier conversations (bench/support.ts),
 * for costs that grow with the tables (README finding (21)).
 * With no checkouts named, both sides are this one: the figures are then the noise floor.
 * Prints each round and the medians, writes bench/results/ab.json (ab-smoke.json). Only 127.0.0.1.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import autocannon from "autocannon"
import { Effect, Exit, ManagedRuntime, Redacted, Scope } from "effect"
import { SqlClient } from "effect/sql"
import { pgClientLayer } from "../src/db/Database.ts"
import { fakeGraph } from "../test/support/fakeGraph.ts"
import { startFakeLlm } from "../test/support/fakeLlm.ts"
import { goodDefaults } from "../test/support/htlFixtures.ts"
import { freePort, startLine } from "../test/support/processes.ts"
import { benchHistory, benchServer, benchServiceEnv, cpuMsBetween, cpuSnapshot, emptyBenchDatabaseOn, leadDelivery, seedBenchBusiness, writeResult } from "./support.ts"

const smoke = process.argv.includes("--smoke")
const args = process.argv.slice(2).filter((a) => !a.startsWith("--"))
const MODES = ["storing", "turns", "intake"] as const
type Mode = (typeof MODES)[number]
const isMode = (s: string | undefined): s is Mode => MODES.some((m) => m === s)
const [dirA, dirB, modeArg, roundsArg, secondsArg] = smoke ? [] : args
if (modeArg !== undefined && !isMode(modeArg)) throw new Error(`mode must be one of ${MODES.join(", ")}, not ${modeArg}`)
const mode: Mode = modeArg ?? "storing"
const rounds = smoke ? 2 : Number(roundsArg ?? 4)
const seconds = smoke ? 1 : Number(secondsArg ?? 8)
const connections = smoke ? 4 : 50
if (!(rounds >= 1 && seconds >= 1)) throw new Error("rounds and seconds must be at least 1")
const sides = [{ name: "A", dir: resolve(dirA ?? ".") }, { name: "B", dir: resolve(dirB ?? ".") }]

/** `npm run migrate` of the checkout in `dir`, on the database at `url`. */
const migrateWith = async (dir: string, url: Redacted.Redacted) => {
  const child = spawn(process.execPath, ["scripts/migrate.ts"], {
    cwd: dir,
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, DATABASE_URL: Redacted.value(url), APP_ENV: "test" }
  })
  const [code] = await once(child, "exit")
  if (code !== 0) throw new Error(`${dir}: npm run migrate exited with ${code}`)
}

/** The services running now: stopped when the bench ends, however it ends. */
const running = new Set<ChildProcess>()
const scope = Effect.runSync(Scope.make())
const run = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>) => Effect.runPromise(Scope.provide(effect, scope))
try {
  const llm = await run(startFakeLlm(goodDefaults))
  const graph = await run(fakeGraph)
  let sequence = 0
  const load = async (port: number, secs: number, tag: string, clients = connections) => {
    const result = await autocannon({
      url: `http://127.0.0.1:${port}/webhooks/whatsapp`,
      connections: clients,
      duration: secs,
      method: "POST",
      requests: [{
        setupRequest: (req) => {
          const d = leadDelivery(sequence++, tag)
          return { ...req, body: d.body, headers: { "content-type": "application/json", "x-hub-signature-256": d.signature } }
        }
      }]
    })
    return { reqPerSec: Math.round(result.requests.average), p50: result.latency.p50, p99: result.latency.p99, ok: result["2xx"] }
  }

  // one server, a database a side
  const server = await run(benchServer)
  const prepared = []
  for (const side of sides) {
    // each side's schema is its own checkout's (a change may be a migration)
    const dbUrl = await run(emptyBenchDatabaseOn(server))
    await migrateWith(side.dir, dbUrl)
    await Effect.runPromise(seedBenchBusiness(dbUrl))
    const db = ManagedRuntime.make(pgClientLayer(dbUrl))
    const inbox = () =>
      db.runPromise(Effect.flatMap(SqlClient.SqlClient, (sql) =>
        sql<{ done: number; pending: number }>`SELECT count(*) FILTER (WHERE status <> 'pending')::int AS done,
          count(*) FILTER (WHERE status = 'pending')::int AS pending FROM webhook_inbox`).pipe(
          Effect.map((rows) => ({ done: rows[0]?.done ?? 0, pending: rows[0]?.pending ?? 0 }))
        ))
    const dataDir = await mkdtemp(join(tmpdir(), "wa-bench-ab-"))
    prepared.push({ ...side, start: startLine(side.dir), dbUrl, db, inbox, dataDir })
  }
  type Side = (typeof prepared)[number]

  const startService = async (side: Side, extra: Record<string, string>) => {
    const port = await freePort()
    const child = spawn(process.execPath, side.start.args, {
      cwd: side.dir,
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...side.start.env, ...process.env, PORT: String(port), ...benchServiceEnv({ dbUrl: side.dbUrl, dataDir: side.dataDir, graphUrl: graph.url, llmUrl: llm.url }), ...extra }
    })
    running.add(child)
    child.once("exit", () => running.delete(child))
    const started = Date.now()
    while (true) {
      if (child.exitCode !== null) throw new Error(`${side.name}'s service exited with ${child.exitCode} before it was healthy`)
      if (Date.now() - started > 120_000) throw new Error(`${side.name}'s service was not healthy in 120 s`)
      const healthy = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false)
      if (healthy) break
      await new Promise((r) => setTimeout(r, 100))
    }
    return {
      port,
      pid: child.pid ?? -1,
      stop: async () => {
        const exited = once(child, "exit")
        child.kill("SIGTERM")
        await exited
      }
    }
  }
  const postgresCpu = () => cpuSnapshot((_, comm) => comm === "postgres")
  /** µs each of `n` items took; none when there were none (nothing to divide). */
  const usEach = (ms: number, n: number) => (n === 0 ? null : Math.round((ms * 1000) / n))

  // the backlogs: enough for every round of a side, with room to spare
  if (mode !== "intake") {
    const fill = smoke ? 4 : Math.ceil(rounds * seconds * (mode === "turns" ? 0.4 : 0.6)) + 4
    for (const side of prepared) {
      const service = await startService(side, { INBOX_CONSUMERS: "0" })
      // 50 connections even in a smoke run: its four would fill less than its rounds take
      const filled = await load(service.port, fill, `f${side.name}`, 50)
      await service.stop()
      console.log(`${side.name} (${side.dir}): ${filled.ok} deliveries waiting${benchHistory > 0 ? `, ${benchHistory} earlier conversations in the database` : ""}`)
    }
  }

  const measured: Array<{
    side: string
    round: number
    perSec: number
    serviceUs: number | null
    postgresUs: number | null
    turns: number
    p99Ms: number | null
    /** deliveries still waiting after the round (0: the backlog ran out, and the round's rate understates) */
    backlogLeft: number | null
  }> = []
  for (let round = 0; round < rounds; round++) {
    for (const side of round % 2 === 0 ? prepared : [...prepared].reverse()) {
      if (mode === "intake") {
        const service = await startService(side, { INBOX_CONSUMERS: "0" })
        await load(service.port, smoke ? 1 : 2, `w${round}${side.name}`) // warm-up
        const before = { service: cpuSnapshot((p) => p === service.pid), postgres: postgresCpu() }
        const r = await load(service.port, seconds, `m${round}${side.name}`)
        const row = {
          side: side.name,
          round,
          perSec: r.reqPerSec,
          serviceUs: usEach(cpuMsBetween(before.service, cpuSnapshot((p) => p === service.pid)), r.ok),
          postgresUs: usEach(cpuMsBetween(before.postgres, postgresCpu()), r.ok),
          turns: 0,
          p99Ms: r.p99,
          backlogLeft: null
        }
        await service.stop()
        measured.push(row)
      } else {
        const service = await startService(side, mode === "storing" ? { DEBOUNCE_QUIET: "10 min", DEBOUNCE_MAX_WAIT: "10 min" } : {})
        // a fresh process's first batches run cold code (the engine's thread compiles its own, after the service is healthy)
        await new Promise((r) => setTimeout(r, smoke ? 1_000 : 2_500))
        const before = { done: (await side.inbox()).done, service: cpuSnapshot((p) => p === service.pid), postgres: postgresCpu(), at: Date.now(), turns: llm.stepRequests("analyze").length }
        await new Promise((r) => setTimeout(r, seconds * 1000))
        const after = { inbox: await side.inbox(), service: cpuSnapshot((p) => p === service.pid), postgres: postgresCpu(), at: Date.now(), turns: llm.stepRequests("analyze").length }
        await service.stop()
        const stored = after.inbox.done - before.done
        measured.push({
          side: side.name,
          round,
          perSec: Math.round((stored * 1000) / (after.at - before.at)),
          serviceUs: usEach(cpuMsBetween(before.service, after.service), stored),
          postgresUs: usEach(cpuMsBetween(before.postgres, after.postgres), stored),
          turns: after.turns - before.turns,
          p99Ms: null,
          backlogLeft: after.inbox.pending
        })
      }
      const last = measured.at(-1)
      if (last !== undefined) {
        console.log(
          `round ${round + 1} ${last.side}: ${last.perSec} ${mode === "intake" ? "req" : "deliveries"}/s, CPU a ${mode === "intake" ? "request" : "delivery"}: service ${last.serviceUs} µs, PostgreSQL ${last.postgresUs} µs` +
            (mode === "turns" ? `, ${last.turns} turns` : "") + (last.p99Ms === null ? "" : `, p99 ${last.p99Ms} ms`) +
            (last.backlogLeft === 0 ? " (the backlog ran out: this round understates)" : "")
        )
      }
      llm.requests.splice(0)
      graph.requests.splice(0)
    }
  }
  await Promise.all(prepared.map((side) => side.db.dispose()))
  await Promise.all(prepared.map((side) => rm(side.dataDir, { recursive: true, force: true })))

  const median = (xs: ReadonlyArray<number | null>) => {
    const known = xs.filter((x) => x !== null).sort((a, b) => a - b)
    return known[Math.floor(known.length / 2)] ?? null
  }
  const summary = Object.fromEntries(sides.map(({ name }) => {
    const mine = measured.filter((m) => m.side === name)
    return [name, { perSec: median(mine.map((m) => m.perSec)), serviceUs: median(mine.map((m) => m.serviceUs)), postgresUs: median(mine.map((m) => m.postgresUs)) }]
  }))
  // each round's pair, B against A: a change shows as the same sign in every pair, noise does not
  const pairs = Array.from({ length: rounds }, (_, round) => {
    const a = measured.find((m) => m.round === round && m.side === "A")
    const b = measured.find((m) => m.round === round && m.side === "B")
    return a?.serviceUs == null || b?.serviceUs == null || a.serviceUs === 0 ? null : Number((b.serviceUs / a.serviceUs).toFixed(3))
  })
  console.log(`medians (${mode}): A ${JSON.stringify(summary.A)}, B ${JSON.stringify(summary.B)}; service CPU B/A each round: ${pairs.join(", ")}`)
  await Effect.runPromise(writeResult(smoke ? "ab-smoke" : "ab", { smoke, mode, rounds, seconds, history: benchHistory, sides, measured, summary, serviceCpuRatioByRound: pairs }))
} finally {
  for (const child of running) child.kill("SIGKILL")
  await Effect.runPromise(Scope.close(scope, Exit.void))
}
