/** The HTL feeds the operator metrics: decisions, guardrail violations by rule, gen_ai duration and tokens by step. */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Metric } from "effect"
import { decisions, guardrailViolations, llmOperationDuration, llmTokenUsage } from "../../src/llm/metrics.ts"
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
      // GenAI semantic conventions: token usage is a histogram by gen_ai.token.type, durations in seconds
      const analyze = { "gen_ai.operation.name": "chat", "gen_ai.request.model": "fake-model", "htl.step": "analyze" }
      const analyzeIn = yield* Metric.value(Metric.withAttributes(llmTokenUsage, { ...analyze, "gen_ai.token.type": "input" }))
      assert.strictEqual(analyzeIn.count, 1)
      assert.strictEqual(analyzeIn.sum, r.steps.find((s) => s.step === "analyze")?.tokensIn)
      const duration = yield* Metric.value(Metric.withAttributes(llmOperationDuration, { ...analyze, "htl.outcome": "ok" }))
      assert.strictEqual(duration.count, 1)
      const latencyMs = r.steps.find((s) => s.step === "analyze")?.latencyMs ?? -1
      assert.closeTo(duration.sum, latencyMs / 1000, 1e-9)
    }).pipe(Effect.scoped))
})
