/** Building a TurnResult: totals from the step records, and the handoff shape for every failure. */
import type { LlmError } from "../llm/errors.ts"
import type { AnalyzeOutput } from "./steps/schemas.ts"
import type { HandoffCode, StepRecord, TurnContext, TurnResult, Violation } from "./types.ts"

export const handoffCodeFor = (e: LlmError): HandoffCode => {
  switch (e._tag) {
    case "LlmNotConfigured":
      return "llm_not_configured"
    case "LlmUnavailable":
      return "llm_unavailable"
    case "LlmRateLimited":
      return "llm_rate_limited"
    case "LlmTimeout":
      return "llm_timeout"
    case "LlmBadOutput":
      return "llm_bad_output"
  }
}

export const usageOf = (steps: ReadonlyArray<StepRecord>) => ({
  promptTokens: steps.reduce((n, s) => n + s.tokensIn, 0),
  completionTokens: steps.reduce((n, s) => n + s.tokensOut, 0),
  wastedTokens: steps.filter((s) => s.outcome === "discarded").reduce((n, s) => n + s.tokensIn + s.tokensOut, 0)
})

export interface HandoffInput {
  readonly code: HandoffCode
  readonly detail: string
  readonly analysis: AnalyzeOutput | null
  readonly violations?: ReadonlyArray<Violation>
  readonly nextStage?: TurnResult["nextStage"]
  readonly recommendedCta?: string | null
  readonly language?: TurnResult["language"]
}

export const handoffResult = (ctx: TurnContext, input: HandoffInput, steps: ReadonlyArray<StepRecord>, latencyMs: number): TurnResult => ({
  action: "HANDOFF_HUMAN",
  reason: `${input.code}: ${input.detail}`,
  handoff: { code: input.code, detail: input.detail },
  reply: null,
  nextStage: input.nextStage ?? input.analysis?.stage_recommendation ?? ctx.stage,
  statePatch: {
    intentLevel: input.analysis?.intent_level ?? ctx.intentLevel,
    sentiment: input.analysis?.user_sentiment ?? ctx.sentiment
  },
  recommendedCta: input.recommendedCta ?? null,
  followupInMinutes: null,
  templateRequired: false,
  violations: input.violations ?? [],
  steps,
  usage: usageOf(steps),
  latencyMs,
  language: input.language ?? null
})
