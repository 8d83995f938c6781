/**
 * A follow-up whose turn cannot run — the LLM down, the guardrails rejecting two drafts, the send
 * failing, the model handing off, the model waiting again and again — hands the conversation to
 * a person with a visible reason (no notice: the lead did not write), and the follow-up records
 * it. The model waiting once more reschedules it. Nothing is silently skipped.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { FakeGraphServer, graphError } from "../support/fakeGraph.ts"
import { analysis, decision, draft, goodDefaults } from "../support/htlFixtures.ts"
import { type ConversationRef, conversationOf, dueNow, engineApp, FakeLlmServer, poll, rowsOf, say, sentTo } from "./support.ts"

const followUpsOf = (conversationId: string) =>
  rowsOf<{ status: string; outcome: string | null; scheduledAt: Date; actionContext: Record<string, unknown> }>((sql) =>
    sql`SELECT status, outcome, scheduled_at, action_context FROM scheduled_actions
        WHERE conversation_id = ${conversationId} ORDER BY created_at`)

const stateOf = (conversationId: string) =>
  rowsOf<{ mode: string; modeReason: string | null; totalNudges: number }>((sql) =>
    sql`SELECT mode, mode_reason, total_nudges FROM conversations WHERE id = ${conversationId}`).pipe(Effect.map((rows) => rows[0]))

/** Every step answers well again (each test scripts what it needs after this). */
const resetLlm = Effect.map(FakeLlmServer, (llm) => {
  for (const [step, responder] of Object.entries(goodDefaults)) llm.respond(step, responder)
  llm.clearScripts()
})

/** The lead writes, the model waits: one pending follow-up; the LLM then answers as `script` says. */
const pendingFollowUp = (waId: string, script: Effect.Effect<void, never, FakeLlmServer>) =>
  Effect.gen(function*() {
    yield* resetLlm
    const llm = yield* FakeLlmServer
    llm.respond("decide", () => ({ kind: "json", body: decision("WAIT_SCHEDULE", { minutes: 60, why: "lead is busy" }) }))
    yield* say(waId, "let me think about it")
    const ref = yield* conversationOf(waId)
    yield* poll(followUpsOf(ref.conversationId), (rows) => rows[0]?.status === "PENDING")
    yield* resetLlm
    yield* script
    return ref
  })

/** The follow-up fires; the conversation ends with a person. */
const fireUntilHandedOff = (ref: ConversationRef) =>
  Effect.gen(function*() {
    yield* dueNow(ref)
    const state = yield* poll(stateOf(ref.conversationId), (s) => s?.mode === "human", "20 seconds")
    const rows = yield* followUpsOf(ref.conversationId)
    return { reason: state?.modeReason ?? "", rows }
  })

describe("follow-up turns that cannot run hand over", () => {
  it.layer(engineApp(), { excludeTestServices: true, timeout: "90 seconds" })((it) => {
    it.effect("the LLM down during a follow-up: a person takes over with the reason; the lead is not told; the follow-up records it", () =>
      Effect.gen(function*() {
        const ref = yield* pendingFollowUp("15550009001", Effect.map(FakeLlmServer, (llm) =>
          llm.respond("analyze", () => ({ kind: "status", status: 500 }))))
        const { reason, rows } = yield* fireUntilHandedOff(ref)
        assert.match(reason, /^llm_unavailable: .*\(follow-up\)$/)
        assert.strictEqual(rows[0]?.status, "EXECUTED")
        assert.match(rows[0]?.outcome ?? "", /^handed to a human: llm_unavailable/)
        assert.lengthOf(yield* sentTo("15550009001"), 0, "no notice: the lead did not write")
        yield* resetLlm
      }))

    it.effect("the model hands off during a follow-up: a person takes over (reason model_decision)", () =>
      Effect.gen(function*() {
        const ref = yield* pendingFollowUp("15550009002", Effect.map(FakeLlmServer, (llm) =>
          llm.respond("decide", () => ({ kind: "json", body: decision("HANDOFF_HUMAN", { why: "wants a custom quote" }) }))))
        const { reason, rows } = yield* fireUntilHandedOff(ref)
        assert.match(reason, /^model_decision: wants a custom quote/)
        assert.match(rows[0]?.outcome ?? "", /^handed to a human: model_decision/)
        assert.lengthOf(yield* sentTo("15550009002"), 0)
        yield* resetLlm
      }))

    it.effect("two drafts rejected by the guardrails during a follow-up: a person takes over (guardrail_violation)", () =>
      Effect.gen(function*() {
        const llm = yield* FakeLlmServer
        const ref = yield* pendingFollowUp("15550009003", Effect.sync(() =>
          llm.respond("generate", () => ({ kind: "json", body: draft("Good news: the Premium plan is only 999 USD per month for you.") }))))
        const before = llm.stepRequests("generate").length
        const { reason, rows } = yield* fireUntilHandedOff(ref)
        assert.match(reason, /^guardrail_violation/)
        assert.match(rows[0]?.outcome ?? "", /^handed to a human: guardrail_violation/)
        assert.isAtLeast(llm.stepRequests("generate").length - before, 2, "regenerated once before giving up")
        assert.lengthOf(yield* sentTo("15550009003"), 0)
        yield* resetLlm
      }))

    it.effect("the nudge's send fails: a person takes over (send_failed) and the follow-up's record says it failed", () =>
      Effect.gen(function*() {
        const graph = yield* FakeGraphServer
        const ref = yield* pendingFollowUp("15550009004", Effect.void)
        graph.script(graphError(131026))
        const { reason, rows } = yield* fireUntilHandedOff(ref)
        assert.match(reason, /^send_failed: 131026 /)
        assert.strictEqual(rows[0]?.status, "EXECUTED")
        assert.match(rows[0]?.outcome ?? "", /^failed: send_failed: 131026 .*handed to a human$/)
        assert.strictEqual((yield* stateOf(ref.conversationId))?.totalNudges, 0, "not counted as a nudge")
        const failed = yield* rowsOf<{ status: string }>((sql) =>
          sql`SELECT status FROM messages WHERE conversation_id = ${ref.conversationId} AND message_from = 'BOT'`)
        assert.deepStrictEqual(failed.map((m) => m.status), ["failed"], "one attempt, no notice after it")
      }))

    it.effect("the model waits again: the follow-up is rescheduled; waiting past followup_max_total in a row hands over", () =>
      Effect.gen(function*() {
        const llm = yield* FakeLlmServer
        const ref = yield* pendingFollowUp("15550009005", Effect.sync(() => {
          llm.respond("analyze", () => ({ kind: "json", body: analysis({ intent: "high" }) }))
          llm.respond("decide", () => ({ kind: "json", body: decision("WAIT_SCHEDULE", { minutes: 90, why: "still deciding" }) }))
        }))
        yield* rowsOf((sql) => sql`UPDATE business_profiles SET followup_max_total = 1
          WHERE organization_id = ${ref.organizationId} RETURNING organization_id`)
        const firedAt = Date.now()
        yield* dueNow(ref)
        const rows = yield* poll(followUpsOf(ref.conversationId), (r) => r.length === 2 && r[0]?.status === "EXECUTED")
        assert.strictEqual(rows[0]?.outcome, "rescheduled: still deciding")
        assert.strictEqual(rows[1]?.status, "PENDING")
        assert.strictEqual(rows[1]?.actionContext["reschedules"], 1)
        assert.isAtLeast((rows[1]?.scheduledAt.getTime() ?? 0) - firedAt, 30 * 60_000, "within the business's bounds")
        assert.strictEqual((yield* stateOf(ref.conversationId))?.mode, "bot")

        // the model waits once more: followup_max_total (1) reschedules in a row were enough
        const { reason, rows: after } = yield* fireUntilHandedOff(ref)
        assert.match(reason, /^followup_rescheduled: /)
        assert.deepStrictEqual(after.map((r) => r.status), ["EXECUTED", "EXECUTED"])
        assert.match(after[1]?.outcome ?? "", /^handed to a human: followup_rescheduled/)
        assert.lengthOf(yield* sentTo("15550009005"), 0)
        yield* rowsOf((sql) => sql`UPDATE business_profiles SET followup_max_total = 5
          WHERE organization_id = ${ref.organizationId} RETURNING organization_id`)
        yield* resetLlm
      }))
  })
})
