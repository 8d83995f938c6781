import { Effect } from "effect"
import type { LlmShape } from "../../llm/Llm.ts"
import { analyzeSystem, analyzeUser } from "../prompts/analyze.ts"
import type { TurnContext } from "../types.ts"
import { callStep, summarizeText } from "./run.ts"
import { analyzeFormat } from "./schemas.ts"

/** Step 1: what is going on, what the lead wants, what knowledge is needed, how sure we are. */
export const analyze = Effect.fn("Htl.analyze")(function*(llm: LlmShape, ctx: TurnContext) {
  const latest = ctx.burst.at(-1)?.text ?? ctx.history.at(-1)?.text ?? ""
  return yield* callStep("analyze", llm, { format: analyzeFormat, system: analyzeSystem, user: analyzeUser(ctx), maxTokens: 400 }, {
    input: `${ctx.trigger}; ${ctx.burst.length} new message(s); latest: ${summarizeText(latest, 100)}`,
    output: (a) => `${a.stage_recommendation}, confidence ${a.confidence}: ${a.situation_summary}`,
    details: (a) => ({ confidence: a.confidence, riskFlags: a.risk_flags, needKb: a.need_kb })
  })
})
