/**
 * Follow-ups wake the scheduler whatever wrote them: the database NOTIFYs the follow-up channel
 * (migrations/0011_followup_notify.sql), so a due time moved by plain SQL fires at once.
 */
import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option, Queue } from "effect"
import { SqlClient } from "effect/sql"
import { FOLLOWUP_CHANNEL } from "../../src/records/followUpStore.ts"
import { decision, goodDefaults } from "../support/htlFixtures.ts"
import { seedConversation } from "../support/seed.ts"
import { TestDatabase } from "../support/TestDatabase.ts"
import { conversationOf, engineApp, FakeLlmServer, poll, rowsOf, say, sentTo } from "../conversations/support.ts"

/** True when a notification arrives on the channel within `ms` (drains what came). */
const notified = <E>(queue: Queue.Dequeue<unknown, E>, ms = 500) =>
  Queue.take(queue).pipe(
    Effect.timeoutOption(ms),
    Effect.map(Option.isSome),
    Effect.tap(() => Queue.clear(queue))
  )

describe("follow-up wake-ups from the database", () => {
  it.layer(TestDatabase.withClient, { excludeTestServices: true })((it) => {
    it.effect("a pending row inserted, made due, unclaimed or re-opened notifies; claims, completions and cancellations do not", () =>
      Effect.scoped(Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const pg = yield* PgClient.PgClient
        const seeded = yield* seedConversation({ tag: "notify" })
        const queue = yield* pg.listen(FOLLOWUP_CHANNEL)

        // plain SQL, no NOTIFY of our own
        const [row] = yield* sql<{ id: string }>`INSERT INTO scheduled_actions (organization_id, conversation_id, scheduled_at)
          VALUES (${seeded.organizationId}, ${seeded.conversationId}, now() + interval '1 hour') RETURNING id`
        const id = row?.id ?? ""
        assert.isTrue(yield* notified(queue), "insert")
        yield* sql`UPDATE scheduled_actions SET scheduled_at = now() WHERE id = ${id}`
        assert.isTrue(yield* notified(queue), "due time moved")
        yield* sql`UPDATE scheduled_actions SET claimed_at = now(), claimed_by = 'x' WHERE id = ${id}`
        assert.isFalse(yield* notified(queue), "a claim")
        yield* sql`UPDATE scheduled_actions SET claimed_at = NULL, claimed_by = NULL WHERE id = ${id}`
        assert.isTrue(yield* notified(queue), "a claim released by hand")
        yield* sql`UPDATE scheduled_actions SET outcome = 'note' WHERE id = ${id}`
        assert.isFalse(yield* notified(queue), "nothing about its due time changed")
        yield* sql`UPDATE scheduled_actions SET status = 'CANCELLED' WHERE id = ${id}`
        assert.isFalse(yield* notified(queue), "cancelled")
        yield* sql`UPDATE scheduled_actions SET status = 'PENDING' WHERE id = ${id}`
        assert.isTrue(yield* notified(queue), "re-opened (a restore)")
        yield* sql`UPDATE scheduled_actions SET status = 'EXECUTED' WHERE id = ${id}`
        assert.isFalse(yield* notified(queue), "executed")
      })))
  })

  it.layer(engineApp(), { excludeTestServices: true, timeout: "60 seconds" })((it) => {
    it.effect("a follow-up made due by plain SQL (no NOTIFY) fires within a second, not at the next sweep", () =>
      Effect.gen(function*() {
        const llm = yield* FakeLlmServer
        llm.respond("decide", () => ({ kind: "json", body: decision("WAIT_SCHEDULE", { minutes: 60, why: "lead is busy" }) }))
        yield* say("15550007001", "later please")
        const ref = yield* conversationOf("15550007001")
        const pending = () =>
          rowsOf<{ id: string; claimedAt: Date | null; status: string }>((sql) =>
            sql`SELECT id, claimed_at, status FROM scheduled_actions WHERE conversation_id = ${ref.conversationId} ORDER BY created_at`)
        yield* poll(pending(), (rows) => rows.length === 1)
        llm.respond("decide", goodDefaults.decide ?? (() => ({ kind: "json", body: decision() })))
        // the scheduler now sleeps until the row is due (an hour): nothing else wakes it
        yield* Effect.sleep("300 millis")
        const movedAt = Date.now()
        yield* rowsOf((sql) => sql`UPDATE scheduled_actions SET scheduled_at = now()
          WHERE conversation_id = ${ref.conversationId} AND status = 'PENDING' RETURNING id`)
        const claimed = yield* poll(pending(), (rows) => rows[0]?.claimedAt !== null, "1500 millis")
        assert.isNotNull(claimed[0]?.claimedAt)
        assert.isBelow((claimed[0]?.claimedAt?.getTime() ?? Infinity) - movedAt, 1_200)
        yield* poll(sentTo("15550007001"), (sent) => sent.length === 1)
        const done = yield* poll(pending(), (rows) => rows[0]?.status === "EXECUTED")
        assert.strictEqual(done[0]?.status, "EXECUTED")
      }))
  })
})
