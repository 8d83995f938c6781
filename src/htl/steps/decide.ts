import { Effect } from "effect"
import type { LlmShape } from "../../llm/Llm.ts"
import { decideSystem, decideUser } from "../prompts/decide.ts"
import type { TurnContext } from "../types.ts"
import { callStep } from "./run.ts"
import { type AnalyzeOutput, decideFormat } from "./schemas.ts"

/** Step 2: the model's proposed action (the policy in ../policy/decide.ts has the last word). */
export const decide = Effect.fn("Htl.decide")(function*(llm: LlmShape, ctx: TurnContext, analysis: AnalyzeOutput) {
  return yield* callStep("decide", llm, { format: decideFormat, system: decideSystem, user: decideUser(ctx, analysis), maxTokens: 200 }, {
    input: `${analysis.stage_recommendation}, confidence ${analysis.confidence}, window ${ctx.timing.windowOpen ? "open" : "closed"}`,
    output: (d) => `${d.action}: ${d.why}`
  })
})
