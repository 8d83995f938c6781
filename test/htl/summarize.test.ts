/** Summarize: after the reply, off the critical path; the summary stays bounded. */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { startFakeLlm } from "../support/fakeLlm.ts"
import { context, GOOD_REPLY, goodDefaults, htlFor, summary } from "../support/htlFixtures.ts"

describe("Htl.summarize", () => {
  it.live("folds the sent reply into a new rolling summary", () =>
    Effect.gen(function*() {
      const fake = yield* startFakeLlm(goodDefaults)
      const htl = yield* htlFor(fake)
      const s = yield* htl.summarize(context(), GOOD_REPLY)
      assert.isTrue(s.updated)
      assert.strictEqual(s.summary, summary().updated_rolling_summary)
      assert.strictEqual(s.step.step, "summarize")
      assert.strictEqual(s.step.outcome, "ok")
      const req = fake.stepRequests("summarize")[0]
      assert.include(req?.user ?? "", "Bot replied: The Premium plan is 49 USD")
      assert.include(req?.user ?? "", "Ana runs a bakery")
    }).pipe(Effect.scoped))

  it.live("accepts a turn result without a reply", () =>
    Effect.gen(function*() {
      const fake = yield* startFakeLlm(goodDefaults)
      const htl = yield* htlFor(fake)
      const s = yield* htl.summarize(context(), { action: "HANDOFF_HUMAN", reply: null, nextStage: "cta" })
      assert.isTrue(s.updated)
      assert.include(fake.stepRequests("summarize")[0]?.user ?? "", "Bot action: HANDOFF_HUMAN")
    }).pipe(Effect.scoped))

  it.live("keeps the previous summary when the step fails", () =>
    Effect.gen(function*() {
      const fake = yield* startFakeLlm({ ...goodDefaults, summarize: () => ({ kind: "status", status: 400 }) })
      const htl = yield* htlFor(fake)
      const s = yield* htl.summarize(context(), GOOD_REPLY)
      assert.isFalse(s.updated)
      assert.strictEqual(s.summary, context().rollingSummary)
      assert.strictEqual(s.step.outcome, "failed")
    }).pipe(Effect.scoped))

  it.live("cuts a runaway summary so context stays flat", () =>
    Effect.gen(function*() {
      const fake = yield* startFakeLlm({ ...goodDefaults, summarize: () => ({ kind: "json", body: summary(Array.from({ length: 400 }, () => "word").join(" ")) }) })
      const htl = yield* htlFor(fake)
      const s = yield* htl.summarize(context(), GOOD_REPLY)
      assert.isAtMost(s.summary.split(/\s+/).length, 220)
    }).pipe(Effect.scoped))
})
