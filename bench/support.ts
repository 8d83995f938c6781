/**
 * Benchmarks' database: a fresh, migrated database on DATABASE_URL's server when set, else on a
 * throwaway embedded cluster. Dropped (or deleted) when the scope closes.
 */
import { randomBytes } from "node:crypto"
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Redacted } from "effect"
import { dropDatabase, ensureDatabase, withDatabase } from "../src/db/admin.ts"
import { migrate, pgClientLayer } from "../src/db/Database.ts"
import { startEmbeddedPostgres } from "../src/db/embedded.ts"

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

export const writeResult = (name: string, result: unknown) =>
  Effect.promise(async () => {
    await mkdir("bench/results", { recursive: true })
    await writeFile(`bench/results/${name}.json`, `${JSON.stringify(result, null, 2)}\n`)
  })

export const percentile = (values: ReadonlyArray<number>, p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0
}
