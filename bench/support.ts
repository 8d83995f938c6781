/**
 * Benchmarks' database: a fresh, migrated database on DATABASE_URL's server when set, else on a
 * throwaway embedded cluster. Dropped (or deleted) when the scope closes.
 */
import { randomBytes } from "node:crypto"
import { readdirSync, readFileSync } from "node:fs"
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { dropDatabase, ensureDatabase, withDatabase } from "../src/db/admin.ts"
import { migrate, pgClientLayer } from "../src/db/Database.ts"
import { startEmbeddedPostgres } from "../src/db/embedded.ts"
import { ensureDefaultOrganization } from "../src/whatsapp/QuickSetup.ts"
import { products } from "../test/support/htlFixtures.ts"

export const benchDatabase = Effect.gen(function*() {
  const configured = process.env.DATABASE_URL
  const adminUrl = configured !== undefined && configured !== ""
    ? Redacted.make(configured)
    : yield* Effect.acquireRelease(
      Effect.promise(() => mkdtemp(join(tmpdir(), "wa-bench-pg-"))),
      (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true }))
    ).pipe(Effect.flatMap((dataDir) => startEmbeddedPostgres({ dataDir, persistent: false })))
  const name = `wa_bench_${randomBytes(4).toString("hex")}`
  yield* Effect.acquireRelease(ensureDatabase(adminUrl, name), () => dropDatabase(adminUrl, name).pipe(Effect.ignore))
  const url = withDatabase(adminUrl, name)
  yield* migrate.pipe(Effect.provide(pgClientLayer(url)))
  return url
})

/** The default organization with the fixtures' products: the knowledge lookup and the price guardrail read them. */
export const seedBenchBusiness = (dbUrl: Redacted.Redacted) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const org = yield* ensureDefaultOrganization()
    for (const p of products) {
      yield* sql`INSERT INTO business_products (organization_id, name, description, price, currency)
        VALUES (${org}, ${p.name}, ${p.description}, ${p.price}, ${p.currency})`
    }
  }).pipe(Effect.provide(pgClientLayer(dbUrl)))

export const writeResult = (name: string, result: unknown) =>
  Effect.promise(async () => {
    await mkdir("bench/results", { recursive: true })
    await writeFile(`bench/results/${name}.json`, `${JSON.stringify(result, null, 2)}\n`)
  })

export const percentile = (values: ReadonlyArray<number>, p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0
}

/**
 * CPU time used so far (user + system, ms) by each process `select` picks, from /proc (Linux;
 * elsewhere empty). Two snapshots give what the processes used in between: a process that
 * started in between counts whole, one that ended loses its share (short-lived backends).
 */
export type CpuSnapshot = ReadonlyMap<number, number>
const TICK_MS = 10 // USER_HZ is 100 on Linux
export const cpuSnapshot = (select: (pid: number, comm: string) => boolean): CpuSnapshot => {
  const taken = new Map<number, number>()
  let pids: Array<string> = []
  try {
    pids = readdirSync("/proc").filter((p) => /^\d+$/.test(p))
  } catch {
    return taken
  }
  for (const p of pids) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8")
      const close = stat.lastIndexOf(")")
      const comm = stat.slice(stat.indexOf("(") + 1, close)
      if (!select(Number(p), comm)) continue
      const fields = stat.slice(close + 2).split(" ") // from the state field on: utime is the 12th, stime the 13th
      taken.set(Number(p), (Number(fields[11]) + Number(fields[12])) * TICK_MS)
    } catch {
      // ended while read
    }
  }
  return taken
}
export const cpuMsBetween = (before: CpuSnapshot, after: CpuSnapshot): number => {
  let ms = 0
  for (const [pid, used] of after) ms += used - (before.get(pid) ?? 0)
  return ms
}
