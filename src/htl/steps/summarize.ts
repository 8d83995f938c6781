import { Effect } from "effect"
import type { LlmShape } from "../../llm/Llm.ts"
import { summarizeSystem, summarizeUser, type TurnOutcome } from "../prompts/summarize.ts"
import type { TurnContext } from "../types.ts"
import { callStep } from "./run.ts"
import { summarizeFormat } from "./schemas.ts"

/** Step 4: the new rolling summary. */
export const summarize = Effect.fn("Htl.summarize")(function*(llm: LlmShape, ctx: TurnContext, outcome: TurnOutcome) {
  return yield* callStep("summarize", llm, { format: summarizeFormat, system: summarizeSystem, user: summarizeUser(ctx, outcome), maxTokens: 350 }, {
    input: `${outcome.action}; previous summary ${ctx.rollingSummary.length} chars`,
    output: (s) => s.updated_rolling_summary
  })
})
