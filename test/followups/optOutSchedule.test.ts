/**
 * No follow-up is written for a lead who opted out (nor while a person has the conversation):
 * `FollowUps.schedule` checks under the conversation's row lock, so an opt-out committing
 * meanwhile is seen.
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { EventBus } from "../../src/events/EventBus.ts"
import { FollowUps } from "../../src/followups/FollowUps.ts"
import type { ScheduleOutcome } from "../../src/records/followUpStore.ts"
import { decision, goodDefaults } from "../support/htlFixtures.ts"
import { seedConversation } from "../support/seed.ts"
import { TestDatabase } from "../support/TestDatabase.ts"
import { conversationOf, engineApp, FakeLlmServer, pause, poll, rowsOf, say, sentTo } from "../conversations/support.ts"

const Env = FollowUps.layer.pipe(Layer.provideMerge(EventBus.layer), Layer.provideMerge(TestDatabase.withClient))

const pendingOf = (conversationId: string) =>
  rowsOf<{ id: string }>((sql) => sql`SELECT id FROM scheduled_actions WHERE conversation_id = ${conversationId} AND status = 'PENDING'`)

const refusedFor = (outcome: ScheduleOutcome) => (outcome._tag === "Refused" ? outcome.reason : null)

describe("scheduling refuses opted-out conversations", () => {
  it.layer(Env, { excludeTestServices: true })((it) => {
    it.effect("opted out (the conversation or the lead) or in human mode: refused and nothing written; otherwise scheduled", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const followUps = yield* FollowUps
        const seeded = yield* seedConversation({ tag: "optout-a", waId: "15550008001" })
        const request = { ...seeded, dueAt: Date.now() + 3_600_000, context: { why: "test" } }

        const first = yield* followUps.schedule(request)
        assert.strictEqual(first._tag, "Scheduled")
        yield* followUps.cancelPending(seeded, "test")

        yield* sql`UPDATE conversations SET opted_out_at = now() WHERE id = ${seeded.conversationId}`
        assert.strictEqual(refusedFor(yield* followUps.schedule(request)), "opted_out")
        yield* sql`UPDATE conversations SET opted_out_at = NULL WHERE id = ${seeded.conversationId}`
        yield* sql`UPDATE leads SET opted_out_at = now() WHERE id = ${seeded.leadId}`
        assert.strictEqual(refusedFor(yield* followUps.schedule(request)), "opted_out", "the lead opted out (another conversation)")
        yield* sql`UPDATE leads SET opted_out_at = NULL WHERE id = ${seeded.leadId}`
        yield* sql`UPDATE conversations SET mode = 'human' WHERE id = ${seeded.conversationId}`
        assert.strictEqual(refusedFor(yield* followUps.schedule(request)), "human_mode")
        assert.lengthOf(yield* pendingOf(seeded.conversationId), 0)
        const [scheduledAt] = yield* sql<{ scheduledFollowupAt: Date | null }>`
          SELECT scheduled_followup_at FROM conversations WHERE id = ${seeded.conversationId}`
        assert.isNull(scheduledAt?.scheduledFollowupAt ?? null)
      }))

    it.effect("an opt-out committing while the follow-up is being scheduled: scheduling waits for it and refuses", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const followUps = yield* FollowUps
        const seeded = yield* seedConversation({ tag: "optout-b", waId: "15550008002" })
        // the opt-out's transaction holds the conversation's row while the schedule starts
        const locked = yield* Deferred.make<void>()
        const optOut = yield* sql.withTransaction(Effect.gen(function*() {
          yield* sql`UPDATE conversations SET opted_out_at = now() WHERE id = ${seeded.conversationId}`
          yield* Deferred.succeed(locked, undefined)
          yield* pause(400)
        })).pipe(Effect.forkChild)
        yield* Deferred.await(locked)
        const outcome = yield* followUps.schedule({ ...seeded, dueAt: Date.now() + 3_600_000, context: { why: "race" } })
        yield* Fiber.join(optOut)
        assert.strictEqual(refusedFor(outcome), "opted_out")
        assert.lengthOf(yield* pendingOf(seeded.conversationId), 0)
      }))
  })
})

describe("opt-out end to end", () => {
  it.layer(engineApp(), { excludeTestServices: true, timeout: "60 seconds" })((it) => {
    it.effect("after STOP the lead writes again and the model waits: no follow-up is written", () =>
      Effect.gen(function*() {
        const llm = yield* FakeLlmServer
        yield* say("15550008003", "hi, what do you sell?")
        yield* poll(sentTo("15550008003"), (s) => s.length === 1)
        yield* say("15550008003", "STOP")
        yield* poll(sentTo("15550008003"), (s) => s.length === 2) // the acknowledgement, once
        const ref = yield* conversationOf("15550008003")

        llm.respond("decide", () => ({ kind: "json", body: decision("WAIT_SCHEDULE", { minutes: 60, why: "lead is busy" }) }))
        yield* say("15550008003", "ok, and how much is premium?")
        // the turn decided (WAIT_SCHEDULE marks the message decided after scheduling)
        yield* poll(
          rowsOf<{ decided: boolean }>((sql) =>
            sql`SELECT c.decided_message_id = (SELECT id FROM messages WHERE conversation_id = c.id AND message_from = 'LEAD'
                                               ORDER BY created_at DESC, id DESC LIMIT 1) AS decided
                FROM conversations c WHERE c.id = ${ref.conversationId}`),
          (rows) => rows[0]?.decided === true
        )
        llm.respond("decide", goodDefaults.decide ?? (() => ({ kind: "json", body: decision() })))
        assert.lengthOf(yield* pendingOf(ref.conversationId), 0, "no follow-up for a lead who opted out")
        const all = yield* rowsOf<{ n: number }>((sql) =>
          sql`SELECT count(*)::int AS n FROM scheduled_actions WHERE conversation_id = ${ref.conversationId}`)
        assert.strictEqual(all[0]?.n, 0, "not even one cancelled later")
      }))
  })
})
