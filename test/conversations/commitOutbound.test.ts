/**
 * A reply is committed as `pending` before its send only while it is still wanted, in one round
 * trip (migrations/0013_commit_outbound.sql): each reason to drop it, and the race the row lock
 * is for — a lead message committed while the commit waited is seen, and the draft is dropped.
 * And the turn's snapshot (two statements side by side): the burst and the messages before it.
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import type { MessageId } from "../../src/domain/ids.ts"
import { EngineStore } from "../../src/records/EngineStore.ts"
import { BURST_LIMIT } from "../../src/records/snapshot.ts"
import type { Outbound } from "../../src/records/writes.ts"
import { seedConversation, type Seeded } from "../support/seed.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

const Env = EngineStore.sql.pipe(Layer.provideMerge(TestDatabase.withClient))

const bot = (content: string): Outbound => ({ from: "BOT", type: "text", content, payload: null, replyToWamid: null, sentByUserId: null })
const staff = (content: string): Outbound => ({ ...bot(content), from: "HUMAN" })

/** A message of the conversation, `secondsAgo` old (explicit times: one transaction's now() is one instant). */
const message = (seeded: Seeded, from: "LEAD" | "BOT", content: string, secondsAgo: number) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ id: MessageId }>`INSERT INTO messages (organization_id, conversation_id, lead_id, message_from, content, status, created_at)
      VALUES (${seeded.organizationId}, ${seeded.conversationId}, ${seeded.leadId}, ${from}, ${content},
              ${from === "LEAD" ? "received" : "sent"}, now() - make_interval(secs => ${secondsAgo}))
      RETURNING id`.pipe(Effect.map((rows) => rows[0]?.id ?? null)))

const keyOf = (seeded: Seeded) => ({ organizationId: seeded.organizationId, conversationId: seeded.conversationId })

/** Real time for another connection's statement to reach its lock. */
const settle = Effect.promise(() => new Promise((r) => setTimeout(r, 200)))

describe("commit of an outbound message", () => {
  it.layer(Env)((it) => {
    it.effect("committed while current: a pending row and the conversation's last message; else the reason it is dropped", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const store = yield* EngineStore
        const seeded = yield* seedConversation({ tag: "commit-1" })
        const key = keyOf(seeded)
        const first = yield* message(seeded, "LEAD", "how much is it?", 10)
        const committed = yield* store.commitOutbound(key, bot("It is 20 €."), first, null)
        if (committed._tag !== "Committed") return assert.fail(`not committed: ${committed.reason}`)
        const [row] = yield* sql<{ status: string; messageFrom: string; leadId: string }>`
          SELECT status, message_from, lead_id FROM messages WHERE id = ${committed.messageId}`
        assert.deepStrictEqual(row, { status: "pending", messageFrom: "BOT", leadId: seeded.leadId })
        const [conversation] = yield* sql<{ lastMessage: string }>`SELECT last_message FROM conversations WHERE id = ${seeded.conversationId}`
        assert.strictEqual(conversation?.lastMessage, "It is 20 €.")

        // a draft answering an older message than the newest: dropped; a person's message is not a draft
        yield* message(seeded, "LEAD", "and shipping?", 1)
        assert.deepStrictEqual(yield* store.commitOutbound(key, bot("stale"), first, null), { _tag: "Stale", reason: "newer_lead_message" })
        assert.strictEqual((yield* store.commitOutbound(key, staff("I'll check"), null, null))._tag, "Committed")
        // another organization's key names no conversation
        const other = yield* seedConversation({ tag: "commit-2" })
        assert.deepStrictEqual(
          yield* store.commitOutbound({ organizationId: other.organizationId, conversationId: seeded.conversationId }, staff("x"), null, null),
          { _tag: "Stale", reason: "gone" }
        )
        // a bot draft from a process without the lease; then in human mode
        const newest = yield* store.newestLeadMessage(key)
        assert.deepStrictEqual(yield* store.commitOutbound(key, bot("x"), newest, "not-the-owner"), { _tag: "Stale", reason: "lease_lost" })
        yield* sql`UPDATE conversations SET mode = 'human' WHERE id = ${seeded.conversationId}`
        assert.deepStrictEqual(yield* store.commitOutbound(key, bot("x"), newest, null), { _tag: "Stale", reason: "human_mode" })
        assert.strictEqual((yield* store.commitOutbound(key, staff("Hi, Ana here"), null, null))._tag, "Committed")
      }))

    it.effect("a lead message committed while the commit waits for the conversation's lock makes the draft stale", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const store = yield* EngineStore
        const seeded = yield* seedConversation({ tag: "commit-race" })
        const key = keyOf(seeded)
        const answered = yield* message(seeded, "LEAD", "hi", 5)
        const locked = yield* Deferred.make<void>()
        const release = yield* Deferred.make<void>()
        // an inbound batch: holds the conversation's row while it stores the lead's next message
        const batch = yield* sql.withTransaction(Effect.gen(function*() {
          yield* sql`SELECT id FROM conversations WHERE id = ${seeded.conversationId} FOR NO KEY UPDATE`
          yield* message(seeded, "LEAD", "wait, one more thing", 0)
          yield* Deferred.succeed(locked, undefined)
          yield* Deferred.await(release)
        })).pipe(Effect.forkChild)
        yield* Deferred.await(locked)
        const commit = yield* store.commitOutbound(key, bot("Hello!"), answered, null).pipe(Effect.forkChild)
        yield* settle
        assert.isUndefined(commit.pollUnsafe(), "the commit waits for the batch's lock")
        yield* Deferred.succeed(release, undefined)
        yield* Fiber.join(batch)
        assert.deepStrictEqual(yield* Fiber.join(commit), { _tag: "Stale", reason: "newer_lead_message" })
        const [count] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM messages WHERE conversation_id = ${seeded.conversationId} AND message_from = 'BOT'`
        assert.strictEqual(count?.n, 0)
      }))

    it.effect("the snapshot: the lead's burst since our last message, and the three messages before it", () =>
      Effect.gen(function*() {
        const store = yield* EngineStore
        const seeded = yield* seedConversation({ tag: "snapshot" })
        const key = keyOf(seeded)
        const empty = yield* store.snapshot(key)
        assert.deepStrictEqual(Option.map(empty, (s) => [s.burst.length, s.recent.length]), Option.some([0, 0]))
        for (const [from, content, ago] of [["LEAD", "a", 50], ["BOT", "b", 40], ["LEAD", "c", 30], ["BOT", "d", 20], ["LEAD", "e", 10], ["LEAD", "f", 5]] as const) {
          yield* message(seeded, from, content, ago)
        }
        const snapshot = yield* store.snapshot(key)
        if (Option.isNone(snapshot)) return assert.fail("no snapshot")
        assert.deepStrictEqual(snapshot.value.burst.map((m) => m.content), ["e", "f"])
        assert.deepStrictEqual(snapshot.value.recent.map((m) => m.content), ["b", "c", "d"])
        assert.strictEqual(snapshot.value.conversation.leadId, seeded.leadId)
        // another organization's key: none
        const other = yield* seedConversation({ tag: "snapshot-2" })
        assert.isTrue(Option.isNone(yield* store.snapshot({ organizationId: other.organizationId, conversationId: seeded.conversationId })))
      }))

    it.effect("a burst of hundreds of unanswered messages: the newest BURST_LIMIT, and the three messages before the whole burst", () =>
      Effect.gen(function*() {
        const store = yield* EngineStore
        const seeded = yield* seedConversation({ tag: "flood" })
        yield* message(seeded, "LEAD", "hello", 1_000)
        yield* message(seeded, "BOT", "hi, how can I help?", 990)
        for (let i = 0; i < 300; i++) yield* message(seeded, "LEAD", `m${i}`, 900 - i)
        const snapshot = yield* store.snapshot(keyOf(seeded))
        if (Option.isNone(snapshot)) return assert.fail("no snapshot")
        assert.deepStrictEqual(snapshot.value.burst.map((m) => m.content), Array.from({ length: BURST_LIMIT }, (_, i) => `m${300 - BURST_LIMIT + i}`))
        assert.deepStrictEqual(snapshot.value.recent.map((m) => m.content), ["hello", "hi, how can I help?"])
      }))
  })
})
