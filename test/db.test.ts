/** The connection pool's limits, and what the database keeps of raw deliveries. */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { pgClientLayer } from "../src/db/Database.ts"
import { pruneInbox } from "../src/inbox/retention.ts"
import { TestDatabase } from "./support/TestDatabase.ts"

const slowQueries = Layer.unwrap(Effect.map(TestDatabase, (db) =>
  pgClientLayer(db.url, { poolSize: 2, connectTimeout: Duration.seconds(5), statementTimeout: Duration.millis(300) })
)).pipe(Layer.provideMerge(TestDatabase.layer))

describe("database", () => {
  it.layer(slowQueries)((it) => {
    it.effect("a statement running past DB_STATEMENT_TIMEOUT is cancelled by the server, and the pool goes on", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const slow = yield* Effect.result(sql`SELECT pg_sleep(2)`)
        assert.strictEqual(slow._tag, "Failure")
        if (slow._tag === "Failure") assert.match(String(slow.failure.reason.cause), /statement timeout/)
        const [row] = yield* sql<{ one: number }>`SELECT 1 AS one`
        assert.strictEqual(row?.one, 1)
      }))
  })

  it.layer(TestDatabase.withClient)((it) => {
    it.effect("processed deliveries are deleted after INBOX_RETENTION; pending and parked ones are kept", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* sql`INSERT INTO webhook_inbox (body, status, processed_at) VALUES
          (${Buffer.from("old done")}, 'done', now() - interval '8 days'),
          (${Buffer.from("new done")}, 'done', now() - interval '1 day'),
          (${Buffer.from("old parked")}, 'parked', now() - interval '30 days')`
        yield* sql`INSERT INTO webhook_inbox (body, received_at) VALUES (${Buffer.from("old pending")}, now() - interval '30 days')`
        assert.strictEqual(yield* pruneInbox(Duration.days(7)), 1)
        const left = yield* sql<{ body: Uint8Array }>`SELECT body FROM webhook_inbox ORDER BY body`
        assert.sameMembers(left.map((r) => Buffer.from(r.body).toString()), ["new done", "old parked", "old pending"])
      }))
  })
})
