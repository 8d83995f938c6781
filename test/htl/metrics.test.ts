/** The HTL feeds the operator metrics: decisions, guardrail violations by rule, gen_ai tokens by step. */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Metric } from "effect"
import { decisions, guardrailViolations, llmTokens } from "../../src/observability/metrics.ts"
import { startFakeLlm } from "../support/fakeLlm.ts"
import { context, draft, goodDefaults, htlFor } from "../support/htlFixtures.ts"

describe("HTL metrics", () => {
  it.live("counts decisions, violations by rule and tokens by step", () =>
    Effect.gen(function*() {
      const fake = yield* startFakeLlm({ ...goodDefaults, generate: () => ({ kind: "json", body: draft("We guarantee results!") }) })
      const htl = yield* htlFor(fake)
      const r = yield* htl.runTurn(context())
      assert.strictEqual(r.handoff?.code, "guardrail_violation")
      const handoffs = yield* Metric.value(Metric.withAttributes(decisions, { action: "HANDOFF_HUMAN", handoff: "guardrail_violation" }))
      assert.strictEqual(handoffs.count, 1)
      const guarantee = yield* Metric.value(Metric.withAttributes(guardrailViolations, { rule: "guarantee" }))
      assert.strictEqual(guarantee.count, 2)
      const analyzeIn = yield* Metric.value(Metric.withAttributes(llmTokens, { step: "analyze", model: "fake-model", direction: "input" }))
      assert.strictEqual(analyzeIn.count, r.steps.find((s) => s.step === "analyze")?.tokensIn)
    }).pipe(Effect.scoped))
})
