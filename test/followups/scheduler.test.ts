import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Queue } from "effect"
import { SqlClient } from "effect/sql"
import { TestClock } from "effect/testing"
import { Conversations } from "../../src/conversations/Conversations.ts"
import type { Mail } from "../../src/conversations/mailbox.ts"
import { EventBus } from "../../src/events/EventBus.ts"
import { EngineStore } from "../../src/conversations/store.ts"
import { FollowUps } from "../../src/followups/FollowUps.ts"
import { runScheduler } from "../../src/followups/Scheduler.ts"
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
      active: Effect.succeed(0)
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
  })
})
