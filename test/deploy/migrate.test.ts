/**
 * Migrations for deploy pipelines: ids without gaps, a file numbered below the latest applied
 * one is an error (not skipped), `npm run migrate` applies and prints the status, and a service
 * told not to migrate (MIGRATE_ON_START=false) refuses a database that lacks migrations.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll } from "vitest"
import { pgClientLayer } from "../../src/db/Database.ts"
import { MIGRATIONS_DIR, migrateDirectory } from "../../src/db/migrations.ts"
import { readMigrationFiles } from "../../src/db/sqlFiles.ts"
import { killAll, startService } from "../support/processes.ts"
import { TestDatabase } from "../support/TestDatabase.ts"
import { emptyDatabase, runTool } from "./support.ts"

/** A temporary migrations directory with these files. */
const directory = (files: Record<string, string>) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const dir = await mkdtemp(join(tmpdir(), "wa-migrations-"))
      for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text)
      return dir
    }),
    (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true }))
  )

const problem = (files: Record<string, string>) =>
  Effect.flatMap(directory(files), (dir) => readMigrationFiles(dir).pipe(Effect.flip, Effect.map((e) => e.message), Effect.provide(NodeServices.layer)))

describe("migrations for deploy pipelines", () => {
  afterAll(killAll)

  it.effect("ids run from 1 without gaps or duplicates; other .sql names are refused; an empty file keeps an id", () =>
    Effect.gen(function*() {
      assert.strictEqual(
        yield* problem({ "0001_a.sql": "SELECT 1;", "0003_c.sql": "SELECT 1;" }),
        "migrations/: no migration 0002 before 0003_c.sql; ids run without gaps (renumber it, or keep the id with an empty file)"
      )
      assert.strictEqual(
        yield* problem({ "0001_a.sql": "SELECT 1;", "0002_b.sql": "SELECT 1;", "0002_c.sql": "SELECT 2;" }),
        "migrations/0002_b.sql and migrations/0002_c.sql have the same id 2: renumber the newer one"
      )
      assert.include(yield* problem({ "0001_a.sql": "SELECT 1;", "0002 b.sql": "SELECT 1;" }), "not a migration file name")
      const ok = yield* Effect.flatMap(directory({ "0001_a.sql": "SELECT 1;", "0002_unused.sql": "-- nothing\n", "0003_c.sql": "SELECT 1; SELECT 2;" }), (dir) =>
        readMigrationFiles(dir).pipe(Effect.provide(NodeServices.layer)))
      assert.deepStrictEqual(ok.map((f) => [f.id, f.statements.length]), [[1, 1], [2, 0], [3, 2]])
      // the repository's own migrations keep the rule
      const ours = yield* readMigrationFiles(MIGRATIONS_DIR).pipe(Effect.provide(NodeServices.layer))
      assert.deepStrictEqual(ours.map((f) => f.id), ours.map((_, i) => i + 1))
    }).pipe(Effect.scoped))

  it.layer(TestDatabase.layer)((it) => {
    it.effect("a file numbered below the latest applied migration that was never applied stops the migration; an empty one does not", () =>
      Effect.gen(function*() {
        const url = yield* emptyDatabase
        const dir = yield* directory({
          "0001_a.sql": "CREATE TABLE mig_a (id int);",
          "0002_unused.sql": "-- kept empty\n",
          "0003_c.sql": "CREATE TABLE mig_c (id int);"
        })
        yield* Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          assert.deepStrictEqual((yield* migrateDirectory(dir)).map(([id]) => id), [1, 2, 3])
          // as on databases migrated before ids ran without gaps: id 2 never recorded
          yield* sql`DELETE FROM schema_migrations WHERE migration_id = 2`
          assert.deepStrictEqual(yield* migrateDirectory(dir), [])
          // someone fills the gap with real work: the Migrator alone would skip it for ever
          yield* Effect.promise(() => writeFile(join(dir, "0002_unused.sql"), "CREATE TABLE mig_b (id int);"))
          const refused = yield* Effect.flip(migrateDirectory(dir))
          assert.strictEqual(
            refused.message,
            "migrations/0002_unused.sql is numbered below the latest applied migration (3) and was never applied: renumber it 0004 or above"
          )
          const [table] = yield* sql<{ found: boolean }>`SELECT to_regclass('mig_b') IS NOT NULL AS found`
          assert.isFalse(table?.found)
        }).pipe(Effect.provide(pgClientLayer(url)))
      }).pipe(Effect.scoped))

    it.effect("npm run migrate applies everything and prints the status; again, it is up to date; --status alone exits 1 while something is pending", () =>
      Effect.gen(function*() {
        const url = Redacted.value(yield* emptyDatabase)
        const files = yield* readMigrationFiles(MIGRATIONS_DIR).pipe(Effect.provide(NodeServices.layer))
        const latest = String(files.length).padStart(4, "0")

        const before = yield* runTool("migrate", ["--status"], { DATABASE_URL: url, APP_ENV: "test" })
        assert.strictEqual(before.code, 1, before.stderr)
        assert.include(before.stdout, `${files.length} pending`)
        assert.match(before.stdout, /^0001_init\s+pending$/m)

        const first = yield* runTool("migrate", [], { DATABASE_URL: url, APP_ENV: "test" })
        assert.strictEqual(first.code, 0, first.stderr)
        assert.match(first.stdout, /^0001_init\s+applied now$/m)
        assert.include(first.stdout, `up to date: ${files.length} migrations, latest ${latest}; ${files.length} applied now`)
        assert.strictEqual(first.stderr, "")

        const again = yield* runTool("migrate", [], { DATABASE_URL: url, APP_ENV: "test" })
        assert.strictEqual(again.code, 0, again.stderr)
        assert.notInclude(again.stdout, "applied now")
        assert.match(again.stdout, /^0001_init\s+applied \d{4}-\d\d-\d\dT/m)
        assert.include(again.stdout, `up to date: ${files.length} migrations, latest ${latest}\n`)
        assert.strictEqual((yield* runTool("migrate", ["--status"], { DATABASE_URL: url, APP_ENV: "test" })).code, 0)

        // production without DATABASE_URL: one line, like the service
        const refused = yield* runTool("migrate", [], { DATABASE_URL: "", NODE_ENV: "production" })
        assert.strictEqual(refused.code, 1)
        assert.strictEqual(refused.stderr.trim(), "Invalid configuration: DATABASE_URL is required in production (NODE_ENV=production): the embedded database is for development only")
      }).pipe(Effect.scoped), { timeout: 60_000 })

    it.effect("MIGRATE_ON_START=false: a database that lacks migrations stops start-up with one line; once migrated, the service starts", () =>
      Effect.gen(function*() {
        const url = Redacted.value(yield* emptyDatabase)
        const env = { DATABASE_URL: url, MIGRATE_ON_START: "false" }
        const refused = yield* Effect.promise(() => startService(env))
        const code = yield* Effect.promise(() => new Promise<number | null>((resolve) => refused.child.once("exit", resolve)))
        assert.strictEqual(code, 1)
        assert.match(refused.output().trim().split("\n").at(-1) ?? "", /^The database lacks \d+ migration\(s\) \(0001_init, .*\) and MIGRATE_ON_START=false: run `npm run migrate` first$/)
        assert.strictEqual((yield* runTool("migrate", [], { DATABASE_URL: url, APP_ENV: "test" })).code, 0)
        const service = yield* Effect.promise(() => startService(env))
        yield* Effect.promise(() => service.waitHealthy())
        assert.notInclude(service.output(), "migrations applied")
        assert.strictEqual((yield* Effect.promise(() => service.stop("SIGTERM"))).code, 0)
      }).pipe(Effect.scoped), { timeout: 60_000 })
  })
})

