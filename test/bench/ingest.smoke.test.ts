/** bench/ingest.ts keeps running: its smoke mode, as a real child process, exits 0 and writes its JSON (and measures what it says). */
import { execFile } from "node:child_process"
import { readFile } from "node:fs/promises"
import { promisify } from "node:util"
import { assert, describe, it } from "@effect/vitest"

const run = promisify(execFile)

describe("benchmarks (smoke)", () => {
  it("bench/ingest.ts --smoke: webhooks against the service and the bare baseline, every ack in the inbox", async () => {
    const { stdout } = await run(process.execPath, ["bench/ingest.ts", "--smoke"], { timeout: 240_000 })
    assert.include(stdout, "POST /webhooks/whatsapp")
    const result = JSON.parse(await readFile("bench/results/ingest-smoke.json", "utf8"))
    assert.isTrue(result.smoke)
    assert.isAbove(result.baseline.reqPerSec, 0)
    assert.isAbove(result.service.reqPerSec, 0)
    assert.isTrue(result.service.everyAckStored)
    for (const q of ["p50", "p90", "p99", "p99_9"]) assert.isNumber(result.service.latencyMs[q])
    assert.isNumber(result.consumer.storedPerSecWhileLoaded)
    // what a delivery costs, each side (/proc), and the engine answered the round's leads
    for (const side of ["service", "postgres", "load"]) assert.isAbove(result.cpu[side], 0, side)
    assert.isAbove(result.cpu.rounds[0].turns, 0)
    // each part alone: the intake with no consumer (every ack stored), the consumers with no intake
    assert.isAbove(result.alone.intake.reqPerSec, 0)
    assert.isTrue(result.alone.intake.everyAckStored)
    assert.isAbove(result.alone.intake.cpuUsPerRequest.service, 0)
    for (const phase of ["consumers", "consumersWithoutTurns"]) assert.isNumber(result.alone[phase].perSec, phase)
  }, 300_000)
})
