import { Effect } from "effect"
import type { KnowledgeExcerpt } from "../../knowledge/types.ts"
import type { LanguageTarget } from "../policy/replyLanguage.ts"
import type { LlmShape } from "../../llm/Llm.ts"
import { type GeneratePlan, generateSystem, generateUser } from "../prompts/generate.ts"
import type { TurnContext } from "../types.ts"
import { callStep } from "./run.ts"
import { type AnalyzeOutput, generateFormat } from "./schemas.ts"

export interface GenerateInput {
  readonly analysis: AnalyzeOutput
  readonly knowledge: KnowledgeExcerpt
  readonly plan: GeneratePlan
  /** The language the reply must be in, and how sure we are of it. */
  readonly language: LanguageTarget
  /** Rules the previous draft broke (regeneration), or null. */
  readonly violations: string | null
}

/** Step 3: the draft reply. Its guardrails are checked by the caller, in code. */
export const generate = Effect.fn("Htl.generate")(function*(llm: LlmShape, ctx: TurnContext, input: GenerateInput) {
  return yield* callStep("generate", llm, {
    format: generateFormat,
    system: generateSystem(ctx, input.language),
    user: generateUser(ctx, input.analysis, input.knowledge, input.plan, input.violations),
    maxTokens: 300
  }, {
    input: `${input.language.code} (${input.language.source}); stage → ${input.plan.nextStage}; ${input.knowledge.products.length} product(s), ${input.knowledge.faqs.length} FAQ(s)${input.violations === null ? "" : "; regenerating"}`,
    output: (g) => g.message_text,
    details: (g) => ({ selfCheck: g.self_check, messageLanguage: g.message_language })
  })
})
