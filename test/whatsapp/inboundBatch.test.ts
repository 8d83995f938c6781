/**
 * What an inbound batch locks, and when (src/whatsapp/InboundBatch.ts): the rows a turn writes to
 * — its conversation, its lead — are locked last, so a turn's outbound commit never waits for a
 * batch's inserts; a lead whose details stand is not locked at all; one whose name changed is.
 */
import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber } from "effect"
import { SqlClient } from "effect/sql"
import type { InboundMessageInput } from "../../src/whatsapp/InboundStore.ts"
import { makeInboundBatch } from "../../src/whatsapp/InboundBatch.ts"
import { newestOf } from "../../src/whatsapp/newestOf.ts"
import { seedConversation, type Seeded } from "../support/seed.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

const Env = TestDatabase.withClient

let sequence = 0
const input = (seeded: Seeded, content: string, name = "Ana"): InboundMessageInput => ({
  organizationId: seeded.organizationId,
  channelId: seeded.channelId,
  lead: { waId: "15550001111", userId: undefined, name, ctwaClid: undefined },
  wamid: `wamid.batch.${++sequence}.${Date.now()}`,
  type: "text",
  content,
  payload: { text: { body: content } },
  replyTo: undefined,
  timestamp: new Date(),
  isTurn: true,
  newWaId: undefined,
  lessee: null
})

/** Whether another connection could lock the row right now (NOWAIT: a held lock fails at once). */
const lockable = (table: "leads" | "conversations", id: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql.withTransaction(sql`SELECT id FROM ${sql(table)} WHERE id = ${id} FOR NO KEY UPDATE NOWAIT`).pipe(
      Effect.as(true),
      Effect.catch(() => Effect.succeed(false))
    ))

/** Stores the inputs in a transaction that stays open until `release`; `stored` once storeMessages returned. */
const openBatch = (inputs: ReadonlyArray<InboundMessageInput>) =>
  Effect.gen(function*() {
    const pg = yield* PgClient.PgClient
    const batch = yield* makeInboundBatch
    const stored = yield* Deferred.make<number>()
    const release = yield* Deferred.make<void>()
    const fiber = yield* pg.withTransaction(Effect.gen(function*() {
      const done = yield* batch.storeMessages(inputs, null)
      yield* Deferred.succeed(stored, done.size)
      yield* Deferred.await(release)
    })).pipe(Effect.forkChild)
    return { fiber, stored, release }
  })

describe("inbound batch locks", () => {
  it.layer(Env)((it) => {
    it.effect("a batch holds its conversation until it commits, and not a lead whose details stand; a changed name locks the lead", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const seeded = yield* seedConversation({ tag: "batch-locks" })
        const first = yield* openBatch([input(seeded, "hi"), input(seeded, "how much?")])
        assert.strictEqual(yield* Deferred.await(first.stored), 2)
        assert.isTrue(yield* lockable("leads", seeded.leadId), "the lead's details stand: not locked")
        assert.isFalse(yield* lockable("conversations", seeded.conversationId), "the conversation is the batch's until it commits")
        yield* Deferred.succeed(first.release, undefined)
        yield* Fiber.join(first.fiber)

        const renamed = yield* openBatch([input(seeded, "it's Ana Maria now", "Ana Maria")])
        yield* Deferred.await(renamed.stored)
        assert.isFalse(yield* lockable("leads", seeded.leadId), "the lead's name changes: locked")
        yield* Deferred.succeed(renamed.release, undefined)
        yield* Fiber.join(renamed.fiber)
        const [lead] = yield* sql<{ name: string }>`SELECT name FROM leads WHERE id = ${seeded.leadId}`
        assert.strictEqual(lead?.name, "Ana Maria")
        const [conversation] = yield* sql<{ lastMessage: string }>`SELECT last_message FROM conversations WHERE id = ${seeded.conversationId}`
        assert.strictEqual(conversation?.lastMessage, "it's Ana Maria now")
      }))

    it.effect("while a turn holds the conversation, a batch stores its messages and waits only to lock it, last", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const seeded = yield* seedConversation({ tag: "batch-waits-last", phoneNumberId: "pn-last", waId: "15550001111" })
        const locked = yield* Deferred.make<void>()
        const release = yield* Deferred.make<void>()
        // a turn's outbound commit: the conversation's row, held
        const turn = yield* sql.withTransaction(Effect.gen(function*() {
          yield* sql`SELECT id FROM conversations WHERE id = ${seeded.conversationId} FOR NO KEY UPDATE`
          yield* Deferred.succeed(locked, undefined)
          yield* Deferred.await(release)
        })).pipe(Effect.forkChild)
        yield* Deferred.await(locked)
        const batch = yield* openBatch([input(seeded, "one more thing")])
        // the batch's backend waits on a lock, in its last statements: the conversation's row
        let waiting: ReadonlyArray<{ query: string }> = []
        for (let i = 0; i < 50 && waiting.length === 0; i++) {
          yield* Effect.promise(() => new Promise((r) => setTimeout(r, 20)))
          waiting = yield* sql<{ query: string }>`SELECT query FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`
        }
        assert.strictEqual(waiting.length, 1)
        assert.match(waiting[0]?.query ?? "", /FROM conversations WHERE id IN .* FOR NO KEY UPDATE/s)
        assert.isFalse(yield* Deferred.isDone(batch.stored), "not through before the turn commits")
        yield* Deferred.succeed(release, undefined)
        yield* Fiber.join(turn)
        assert.strictEqual(yield* Deferred.await(batch.stored), 1)
        yield* Deferred.succeed(batch.release, undefined)
        yield* Fiber.join(batch.fiber)
      }))
  })

  it("a conversation's newest message: the latest timestamp, of equal ones the later in the batch; its newest turn message's time", () => {
    const at = (s: number) => new Date(Date.UTC(2026, 11, 6, 12, 0, s)).toISOString()
    const row = (conversation: string, content: string, ts: string, isTurn = true) =>
      ({ org: "o", conversation_id: conversation, content, ts, is_turn: isTurn })
    const newest = newestOf([
      row("a", "second", at(2)),
      row("a", "first, delivered late", at(1)),
      row("b", "one", at(5)),
      row("a", "also second, later in the batch", at(2)),
      row("b", "number changed", at(9), false)
    ])
    assert.deepStrictEqual(newest, [
      { conversation_id: "a", org: "o", content: "also second, later in the batch", ts: at(2), turn_ts: at(2) },
      { conversation_id: "b", org: "o", content: "number changed", ts: at(9), turn_ts: at(5) }
    ])
    assert.deepStrictEqual(newestOf([row("c", "notice", at(3), false)]), [
      { conversation_id: "c", org: "o", content: "notice", ts: at(3), turn_ts: null }
    ])
  })
})
