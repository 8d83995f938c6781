/** Runs every benchmark in bench/ in turn (each prints its figures and writes bench/results/*.json). */
import { spawnSync } from "node:child_process"
import { readdirSync } from "node:fs"

const only = process.argv[2]
const benches = readdirSync("bench").filter((f) => f.endsWith(".ts") && f !== "run.ts" && f !== "support.ts" && (only === undefined || f.startsWith(only)))
for (const file of benches) {
  console.log(`# ${file}`)
  const run = spawnSync(process.execPath, [`bench/${file}`], { stdio: "inherit" })
  if (run.status !== 0) process.exit(run.status ?? 1)
}
