/**
 * The database goes away mid-run and comes back (every connection cut, new ones refused, as in a
 * restart or a partition): intake answers 503 while it is down and nothing it acknowledged is
 * lost; LISTEN and the consumers reconnect; a lead whose turn failed during the outage is
 * answered after it — never left without an owner.
 */
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { analysis, GOOD_REPLY } from "./support/htlFixtures.ts"
import { engineApp, FakeLlmServer, PN, poll, rowsOf, SECRET, say, sentTo } from "./conversations/support.ts"
import { startTcpProxy, type TcpProxy } from "./support/tcpProxy.ts"
import { TestDatabase } from "./support/TestDatabase.ts"
import { change, deliver, entry, envelope, text } from "./support/webhooks.ts"

class DbProxy extends Context.Service<DbProxy, TcpProxy>()("test/DbProxy") {}

/** The test database, reached through a proxy the test can take down. */
const ProxiedDatabase = Layer.effectContext(Effect.gen(function*() {
  const db = yield* TestDatabase
  const url = new URL(Redacted.value(db.url))
  const proxy = yield* startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) })
  url.hostname = "127.0.0.1"
  url.port = String(proxy.port)
  return Context.make(TestDatabase, TestDatabase.of({ ...db, url: Redacted.make(url.toString()) })).pipe(Context.add(DbProxy, proxy))
})).pipe(Layer.provide(TestDatabase.layer))

const post = (waId: string, body: string) =>
  deliver(SECRET, envelope(entry("waba", change({ phoneNumberId: PN, contacts: [{ waId, name: `Lead ${waId}` }], messages: [text(waId, body)] }))))

const pause = (ms: number) => Effect.promise(() => new Promise((r) => setTimeout(r, ms)))

describe("database outage", () => {
  it.layer(
    Layer.provideMerge(engineApp({ RECOVERY_SWEEP: "1 s", DB_CONNECT_TIMEOUT: "1 s", LEASE_TTL: "3 s" }, ProxiedDatabase), ProxiedDatabase),
    { excludeTestServices: true, timeout: "90 seconds" }
  )((it) => {
    it.effect("503 while down, nothing acknowledged lost, reconnects, and a turn that failed meanwhile is answered after", () =>
      Effect.gen(function*() {
        const proxy = yield* DbProxy
        const llm = yield* FakeLlmServer
        // before: the path works
        yield* say("15550000201", "hi, how much is premium?")
        yield* poll(sentTo("15550000201"), (s) => s.length === 1)

        // a lead writes; while its burst waits (debounce), the database goes away
        llm.latency.analyze = 1_500
        yield* say("15550000202", "how much is premium?")
        yield* pause(400)
        proxy.down()

        // intake cannot store: it says so (Meta retries), it does not pretend
        const refused = yield* post("15550000203", "hello during the outage")
        assert.strictEqual(refused.status, 503)
        yield* pause(3_000)

        proxy.up()
        llm.latency.analyze = 0
        // Meta's retry of the refused delivery is stored once and answered
        const retried = yield* poll(post("15550000203", "hello during the outage"), (r) => r.status === 200, "20 seconds")
        assert.strictEqual(retried.status, 200)
        yield* poll(sentTo("15550000203"), (s) => s.length === 1, "20 seconds")
        // the lead whose turn failed during the outage is answered (or handed over) after it
        const state = yield* poll(
          rowsOf<{ mode: string; bot: number }>((sql) =>
            sql`SELECT c.mode, (SELECT count(*)::int FROM messages m WHERE m.conversation_id = c.id AND m.message_from = 'BOT') AS bot
                FROM conversations c JOIN leads l ON l.id = c.lead_id WHERE l.wa_id = '15550000202'`),
          (rows) => rows[0] !== undefined && (rows[0].mode === "human" || rows[0].bot > 0),
          "30 seconds"
        )
        assert.isDefined(state[0])
        // the reply's row is committed before it is sent: wait for the send itself
        if (state[0]?.mode === "bot") {
          const answered = yield* poll(sentTo("15550000202"), (s) => s.length > 0, "10 seconds")
          assert.include(answered[0]?.json ?? "", GOOD_REPLY)
        }
        // one reply, not two
        yield* pause(1_500)
        assert.isAtMost((yield* sentTo("15550000202")).length, 1)
        // and the database is usable again for everything else
        const sql = yield* SqlClient.SqlClient
        const [row] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM messages WHERE message_from = 'LEAD'`
        assert.isAtLeast(row?.n ?? 0, 3)
      }))

    it.effect("a lead message nobody holds (its turn and its handoff failed, the lease was let go) is picked up by the sweep", () =>
      Effect.gen(function*() {
        yield* say("15550000204", "hello")
        yield* poll(sentTo("15550000204"), (s) => s.length === 1)
        // what a failed turn leaves behind: an unanswered lead message, bot mode, no lease
        const sql = yield* SqlClient.SqlClient
        yield* sql`INSERT INTO messages (organization_id, conversation_id, lead_id, message_from, content, status, wamid)
          SELECT c.organization_id, c.id, c.lead_id, 'LEAD', 'are you still there?', 'received', 'wamid.sweep-204'
          FROM conversations c JOIN leads l ON l.id = c.lead_id WHERE l.wa_id = '15550000204'`
        // as storing a lead's message does: recovery looks at the conversations marked so (migrations/0019)
        yield* sql`UPDATE conversations SET unchecked_lead_at = now()
          WHERE lead_id IN (SELECT id FROM leads WHERE wa_id = '15550000204')`
        yield* sql`DELETE FROM conversation_leases WHERE conversation_id IN
          (SELECT c.id FROM conversations c JOIN leads l ON l.id = c.lead_id WHERE l.wa_id = '15550000204')`
        yield* poll(sentTo("15550000204"), (s) => s.length === 2, "15 seconds")
        void analysis
      }))
  })
})
