/**
 * A fresh database per test file (or per `it.layer` block), cloned from the run's migrated
 * template and dropped afterwards, so files run in parallel without seeing each other.
 */
import { randomBytes } from "node:crypto"
import { Context, Effect, Layer, Redacted } from "effect"
import { inject } from "vitest"
import { dropDatabase, ensureDatabase, withDatabase } from "../../src/db/admin.ts"
import { pgClientLayer } from "../../src/db/Database.ts"

export class TestDatabase extends Context.Service<TestDatabase, {
  readonly name: string
  readonly url: Redacted.Redacted
  readonly adminUrl: Redacted.Redacted
}>()("test/TestDatabase") {
  static readonly layer = Layer.effect(
    TestDatabase,
    Effect.gen(function*() {
      const { adminUrl: admin, template } = inject("pg")
      const adminUrl = Redacted.make(admin)
      const name = `wa_t_${randomBytes(6).toString("hex")}`
      yield* Effect.acquireRelease(
        ensureDatabase(adminUrl, name, template),
        () => dropDatabase(adminUrl, name).pipe(Effect.ignore)
      )
      return TestDatabase.of({ name, url: withDatabase(adminUrl, name), adminUrl })
    })
  )

  /** TestDatabase plus a SqlClient/PgClient connected to it. */
  static readonly withClient = Layer.unwrap(Effect.map(TestDatabase, (db) => pgClientLayer(db.url))).pipe(
    Layer.provideMerge(TestDatabase.layer)
  )
}
