import { assert, describe, it } from "@effect/vitest"
import { Clock, Duration, Effect, Fiber, Layer, Queue } from "effect"
import { SqlClient } from "effect/sql"
import { TestClock } from "effect/testing"
import { Conversations } from "../../src/conversations/Conversations.ts"
import type { Mail } from "../../src/conversations/mailbox.ts"
import { EventBus } from "../../src/events/EventBus.ts"
import { EngineStore } from "../../src/records/EngineStore.ts"
import { FollowUps } from "../../src/followups/FollowUps.ts"
import { runScheduler } from "../../src/conversations/FollowUpScheduler.ts"
import { seedConversation } from "../support/seed.ts"
import { TestDatabase } from "../support/TestDatabase.ts"


const Env = Layer.mergeAll(FollowUps.layer, EngineStore.sql).pipe(
  Layer.provideMerge(EventBus.layer),
  Layer.provideMerge(TestDatabase.withClient)
)

/** Real time for I/O to settle (the scheduler's own sleeps run on the TestClock). */
const settle = Effect.promise(() => new Promise((r) => setTimeout(r, 150)))

describe("follow-up scheduler", () => {
  it.layer(Env)((it) => {
    it.effect("fires a follow-up once, at its due time, and survives a restart", () =>
      Effect.gen(function*() {
        const seeded = yield* seedConversation({ tag: "s1" })
        const followUps = yield* FollowUps
        const told = yield* Queue.unbounded<Mail>()
        const conversations = Conversations.of({
          tell: (_key, mail) => Queue.offer(told, mail).pipe(Effect.asVoid),
          tellIfActive: () => Effect.void,
      active: Effect.succeed(0),
      busy: Effect.succeed(0)
        })
        const fiber = yield* runScheduler.pipe(Effect.provideService(Conversations, conversations), Effect.forkChild)
        yield* settle
        const scheduled = yield* followUps.schedule({ ...seeded, dueAt: 10 * 60_000, context: { why: "test" } })
        if (scheduled._tag !== "Scheduled") return assert.fail(`not scheduled: ${scheduled.reason}`)
        const id = scheduled.id
        yield* settle
        yield* TestClock.adjust("9 minutes")
        yield* settle
        assert.strictEqual(yield* Queue.size(told), 0)
        yield* TestClock.adjust("1 minute")
        yield* settle
        assert.deepStrictEqual(yield* Queue.takeAll(told), [{ _tag: "FollowUpDue", scheduledActionId: id }])
        yield* TestClock.adjust("3 minutes")
        yield* settle
        assert.strictEqual(yield* Queue.size(told), 0, "claimed once: not re-delivered while its claim is fresh")

        // a restart: a new scheduler finds the claim expired (the old process died) and re-offers it once
        yield* Fiber.interrupt(fiber)
        yield* TestClock.adjust("10 minutes")
        yield* runScheduler.pipe(Effect.provideService(Conversations, conversations), Effect.forkChild)
        yield* settle
        assert.deepStrictEqual(yield* Queue.takeAll(told), [{ _tag: "FollowUpDue", scheduledActionId: id }])
        yield* followUps.complete({ ...seeded, id }, "EXECUTED", "sent")
        const sql = yield* SqlClient.SqlClient
        const rows = yield* sql<{ status: string }>`SELECT status FROM scheduled_actions WHERE id = ${id}`
        assert.deepStrictEqual(rows, [{ status: "EXECUTED" }])
      }))

    it.effect("claims ahead of the due time and tells the actor at it, not before; a stop gives back what it holds", () =>
      Effect.gen(function*() {
        const seeded = yield* seedConversation({ tag: "s2" })
        const followUps = yield* FollowUps
        const sql = yield* SqlClient.SqlClient
        const told = yield* Queue.unbounded<Mail>()
        const conversations = Conversations.of({
          tell: (_key, mail) => Queue.offer(told, mail).pipe(Effect.asVoid),
          tellIfActive: () => Effect.void,
          active: Effect.succeed(0),
          busy: Effect.succeed(0)
        })
        const claimOf = (id: string) =>
          sql<{ claimed: boolean }>`SELECT claimed_at IS NOT NULL AS claimed FROM scheduled_actions WHERE id = ${id}`.pipe(
            Effect.map((rows) => rows[0]?.claimed)
          )
        const fiber = yield* runScheduler.pipe(Effect.provideService(Conversations, conversations), Effect.forkChild)
        yield* settle
        const start = yield* Clock.currentTimeMillis
        const first = yield* followUps.schedule({ ...seeded, dueAt: start + 10 * 60_000, context: {} })
        const second = yield* followUps.schedule({ ...seeded, dueAt: start + 10 * 60_000 + 1_000, context: {} })
        if (first._tag !== "Scheduled" || second._tag !== "Scheduled") return assert.fail("not scheduled")
        yield* settle
        // the clock stops where the claimer wakes (its longest sleep is 5 minutes; it wakes 2 s
        // before a due time): its queries are real I/O, done while the test settles
        yield* TestClock.adjust(Duration.seconds(300))
        yield* settle
        yield* TestClock.adjust(Duration.seconds(298))
        yield* settle
        assert.isTrue(yield* claimOf(first.id), "claimed ahead of its due time")
        yield* TestClock.adjust(Duration.seconds(1))
        yield* settle
        assert.strictEqual(yield* Queue.size(told), 0, "not told before its due time")
        yield* TestClock.adjust(Duration.seconds(1))
        yield* settle
        assert.deepStrictEqual(yield* Queue.takeAll(told), [{ _tag: "FollowUpDue", scheduledActionId: first.id }])
        assert.isTrue(yield* claimOf(second.id), "the next one is held, due in a second")

        // a stop gives the held claim back: the next scheduler delivers it on time, not after the claim TTL
        yield* Fiber.interrupt(fiber)
        assert.isFalse(yield* claimOf(second.id))
        yield* runScheduler.pipe(Effect.provideService(Conversations, conversations), Effect.forkChild)
        yield* settle
        yield* TestClock.adjust("1 second")
        yield* settle
        assert.deepStrictEqual(yield* Queue.takeAll(told), [{ _tag: "FollowUpDue", scheduledActionId: second.id }])
      }))
  })
})
