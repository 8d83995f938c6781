/**
 * The follow-up, engine, HTL, start-up and A/B benches keep running: each one's smoke mode, as a real child
 * process, exits 0 and writes its JSON with the figures the README's table quotes.
 */
import { execFile } from "node:child_process"
import { readFile } from "node:fs/promises"
import { promisify } from "node:util"
import { assert, describe, it } from "@effect/vitest"

const run = promisify(execFile)
const bench = async (name: string, timeout: number, env: Record<string, string> = {}) => {
  const { stdout } = await run(process.execPath, [`bench/${name}.ts`, "--smoke"], { timeout, env: { ...process.env, ...env } })
  return { stdout, result: JSON.parse(await readFile(`bench/results/${name}-smoke.json`, "utf8")) }
}

describe("benchmarks (smoke)", () => {
  it("bench/followups.ts --smoke: every follow-up delivered by each scheduler, lateness quantiles beside the ideal", async () => {
    const { stdout, result } = await bench("followups", 240_000)
    assert.include(stdout, "ours (claims ahead")
    assert.isTrue(result.smoke)
    for (const [name, phase] of Object.entries<{ delivered: number; expected: number; duplicates: number; p99Ms: number }>(result.phases)) {
      assert.strictEqual(phase.delivered, phase.expected, name)
      assert.strictEqual(phase.duplicates, 0, name)
      assert.isNumber(phase.p99Ms, name)
    }
    assert.isNumber(result.ratios.oursP99VsIdealP99)
  }, 300_000)

  it("bench/engine.ts --smoke: memory, engine time per turn beside the no-op engine, throughput", async () => {
    const { result } = await bench("engine", 240_000)
    assert.isTrue(result.smoke)
    assert.isTrue(result.memory.allAnswered)
    assert.isAbove(result.memory.baselineRssMb, 0)
    // the service ran as `npm start` runs it (the bundle), and reported its heap on /metrics
    assert.include(result.memory.serviceStart.join(" "), "scripts/start.mjs")
    // with the environment the start line sets (README "Build and run")
    assert.deepStrictEqual(result.memory.serviceEnv, { MALLOC_ARENA_MAX: "2" })
    assert.isAbove(result.memory.baselineHeapUsedMb, 0)
    assert.isTrue(result.engineTime.load.allAnswered)
    assert.isNumber(result.engineTime.toReplyMs.p99)
    assert.isNumber(result.engineTime.noopBaselineMs.p99)
    assert.isTrue(result.throughput.allAnswered)
    assert.strictEqual(result.serviceExit, 0)
  }, 300_000)

  it("bench/htl.ts --smoke: reply-ready time beside the seed's serial order, prompt tokens per turn", async () => {
    const { result } = await bench("htl", 120_000)
    assert.isTrue(result.smoke)
    assert.isAbove(result.replyReady.serialMedianMs, result.replyReady.oursMedianMs)
    assert.isAbove(result.promptTokens.maxPerTurn, 0)
  }, 180_000)

  it("bench/ab.ts --smoke: two sides (this checkout twice), each with its own backlog, measured in alternating rounds", async () => {
    // with a small history in each database (BENCH_HISTORY), so its seeding keeps working too
    const { stdout, result } = await bench("ab", 240_000, { BENCH_HISTORY: "40" })
    assert.include(stdout, "medians (storing)")
    assert.include(stdout, "40 earlier conversations in the database")
    assert.isTrue(result.smoke)
    assert.strictEqual(result.history, 40)
    assert.deepStrictEqual(result.measured.map((m: { side: string; round: number }) => `${m.round}${m.side}`), ["0A", "0B", "1B", "1A"])
    for (const m of result.measured) {
      assert.isAbove(m.perSec, 0, `${m.round}${m.side}`)
      assert.isAbove(m.serviceUs, 0, `${m.round}${m.side}`)
      assert.strictEqual(m.turns, 0, "storing alone: no turn")
    }
    assert.lengthOf(result.serviceCpuRatioByRound, 2)
  }, 300_000)

  it("bench/startup.ts --smoke: cold and warm start of the service (as `npm start` runs it) beside the floor", async () => {
    const { result } = await bench("startup", 120_000)
    assert.isTrue(result.smoke)
    assert.include(result.service.join(" "), "scripts/start.mjs")
    for (const kind of ["cold", "warm"]) {
      assert.isAbove(result[kind].serviceMedianMs, 0)
      assert.isAbove(result[kind].floorMedianMs, 0)
    }
  }, 180_000)
})
