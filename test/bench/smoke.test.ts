/** Benchmarks keep running: each one's smoke mode, as a real child process, exits 0 and writes its JSON. */
import { execFile } from "node:child_process"
import { readFile } from "node:fs/promises"
import { promisify } from "node:util"
import { assert, describe, it } from "@effect/vitest"

const run = promisify(execFile)

describe("benchmarks (smoke)", () => {
  it("bench/language.ts --smoke: the production detector on the whole corpus", async () => {
    const { stdout } = await run(process.execPath, ["bench/language.ts", "--smoke"], { timeout: 120_000 })
    assert.include(stdout, "production (detector.ts)")
    const result = JSON.parse(await readFile("bench/results/language-smoke.json", "utf8"))
    const [production] = result.detectors
    assert.strictEqual(production.repliesPassed, production.replies)
    assert.strictEqual(production.caught, production.languageViolations)
  }, 150_000)
})
