/**
 * Start-up benchmark: time from `node src/main.ts` to a 200 from /health on the embedded
 * default, cold (empty DATA_DIR: initdb + migrations) and warm (restart on the same data).
 * Prints the figures and writes bench/results/startup.json.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { startService } from "../test/support/processes.ts"

const runs = Number(process.argv[2] ?? 3)
const cold: Array<number> = []
const warm: Array<number> = []
for (let i = 0; i < runs; i++) {
  const dataDir = await mkdtemp(join(tmpdir(), "wa-bench-start-"))
  const env = { DATABASE_URL: undefined, DATA_DIR: dataDir, LOG_LEVEL: "warn" }
  try {
    const first = await startService(env)
    cold.push(await first.waitHealthy(60_000))
    await first.stop("SIGTERM")
    const second = await startService(env)
    warm.push(await second.waitHealthy(60_000))
    await second.stop("SIGTERM")
  } finally {
    await rm(dataDir, { recursive: true, force: true })
  }
}
const median = (xs: Array<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0
const result = { runs, coldMs: cold, warmMs: warm, coldMedianMs: median(cold), warmMedianMs: median(warm) }
console.log(`start to healthy (embedded Postgres): cold median ${result.coldMedianMs} ms ${JSON.stringify(cold)}, warm median ${result.warmMedianMs} ms ${JSON.stringify(warm)}`)
await mkdir("bench/results", { recursive: true })
await writeFile("bench/results/startup.json", JSON.stringify(result, null, 2))
