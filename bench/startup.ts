/**
 * Start-up: time from spawning what `npm start` runs (package.json's `start` line: the bundle
 * scripts/start.mjs builds, with its V8 flags) to the first 200 from
 * /health, on the embedded default, cold (empty DATA_DIR: initdb, migrations, the default
 * organization) and warm (a restart on the same data). Baseline in the same run: the floor of
 * any service on that default (bench/startup/floor.ts: Node, embedded PostgreSQL started the
 * same way, one query, a bare HTTP server). Runs alternate (floor, service) so both see the same
 * machine. Exact medians; writes bench/results/startup.json (--smoke: startup-smoke.json).
 *   node bench/startup.ts [--smoke] [runs=5]
 */
import { spawn } from "node:child_process"
import { once } from "node:events"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { freePort, productionStart, startLine } from "../test/support/processes.ts"
import { writeResult } from "./support.ts"

const smoke = process.argv.includes("--smoke")
const [runsArg] = process.argv.slice(2).filter((a) => !a.startsWith("--"))
const runs = Number(runsArg ?? (smoke ? 1 : 5))
const TARGET_MS = 5_000

/** Spawns `node …args` and returns the ms until GET /health answers 200, then stops it (SIGTERM). */
const timeToHealthy = async (args: ReadonlyArray<string>, startEnv: Record<string, string>, dataDir: string) => {
  const script = args.join(" ")
  const port = await freePort()
  const { DATABASE_URL: _external, ...inherited } = process.env
  const env = { ...startEnv, ...inherited, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: "warn", APP_ENV: "development" }
  const started = performance.now()
  const child = spawn(process.execPath, args, { env, stdio: ["ignore", "ignore", "pipe"] })
  let errors = ""
  child.stderr?.on("data", (d: Buffer) => (errors += d.toString()))
  try {
    while (performance.now() - started < 60_000) {
      if (child.exitCode !== null) throw new Error(`${script} exited ${child.exitCode}: ${errors.slice(-2000)}`)
      const ok = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.status === 200, () => false)
      if (ok) return Math.round(performance.now() - started)
      await new Promise((r) => setTimeout(r, 20))
    }
    throw new Error(`${script}: not healthy after 60 s: ${errors.slice(-2000)}`)
  } finally {
    if (child.exitCode === null) {
      const exited = once(child, "exit")
      child.kill("SIGTERM")
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))])
      if (child.exitCode === null) child.kill("SIGKILL")
    }
  }
}

/** Cold then warm start of `node …args` (with the start line's environment) on a fresh data directory. */
const coldAndWarm = async (args: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const dataDir = await mkdtemp(join(tmpdir(), "wa-bench-start-"))
  try {
    const cold = await timeToHealthy(args, env, dataDir)
    const warm = await timeToHealthy(args, env, dataDir)
    return { cold, warm }
  } finally {
    await rm(dataDir, { recursive: true, force: true })
  }
}

const median = (xs: ReadonlyArray<number>) => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] ?? 0 : Math.round(((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2)
}

const floor = { cold: [] as Array<number>, warm: [] as Array<number> }
const service = { cold: [] as Array<number>, warm: [] as Array<number> }
for (let i = 0; i < runs; i++) {
  const f = await coldAndWarm(["bench/startup/floor.ts"])
  floor.cold.push(f.cold)
  floor.warm.push(f.warm)
  const s = await coldAndWarm(productionStart(), startLine().env)
  service.cold.push(s.cold)
  service.warm.push(s.warm)
}
const figure = (kind: "cold" | "warm") => {
  const ms = median(service[kind])
  const base = median(floor[kind])
  return { serviceMedianMs: ms, floorMedianMs: base, overheadMs: ms - base, ratio: Math.round((ms / base) * 100) / 100, serviceMs: service[kind], floorMs: floor[kind] }
}
const result = { smoke, runs, node: process.version, service: productionStart(), serviceEnv: startLine().env, cold: figure("cold"), warm: figure("warm"), targetColdMs: TARGET_MS }
for (const kind of ["cold", "warm"] as const) {
  const f = result[kind]
  console.log(`${kind.padEnd(4)} start → healthy: service ${f.serviceMedianMs} ms, floor (embedded PostgreSQL + bare HTTP) ${f.floorMedianMs} ms, ` +
    `service's own ${f.overheadMs} ms (×${f.ratio}); runs ${JSON.stringify(f.serviceMs)} vs ${JSON.stringify(f.floorMs)}`)
}
console.log(`target: cold < ${TARGET_MS} ms — ${result.cold.serviceMedianMs < TARGET_MS ? "met" : "NOT met"}`)
await Effect.runPromise(writeResult(smoke ? "startup-smoke" : "startup", result))
