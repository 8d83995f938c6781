/** What each step's model call must return (the seed's shapes), as Schemas and response formats. */
import { Schema } from "effect"
import { Action, IntentLevel, Sentiment, Stage } from "../../domain/enums.ts"
import { enumNormalizer } from "../../llm/normalize.ts"
import { structured } from "../../llm/structured.ts"
import { actionField, escalationField, intentField, riskField, sentimentField, stageField } from "./vocab.ts"

const Risk = Schema.Literals(["low", "medium", "high"])

/** Why a person must take this over now (the decision matrix's "complex query / negotiation"), or none. */
export const Escalation = Schema.Literals(["none", "negotiation", "discount_request", "contract", "custom_terms", "complaint", "legal_or_medical"])
export type Escalation = typeof Escalation.Type

export const AnalyzeOutput = Schema.Struct({
  situation_summary: Schema.String,
  lead_goal_guess: Schema.String,
  missing_info: Schema.Array(Schema.String),
  detected_objections: Schema.Array(Schema.String),
  stage_recommendation: Stage,
  intent_level: IntentLevel,
  user_sentiment: Sentiment,
  risk_flags: Schema.Struct({ spam_risk: Risk, policy_risk: Risk, hallucination_risk: Risk }),
  need_kb: Schema.Struct({ required: Schema.Boolean, query: Schema.String }),
  confidence: Schema.Finite,
  /** Older answers (and models that leave it out) mean "none". */
  escalation: Schema.optionalKey(Escalation)
})
export type AnalyzeOutput = typeof AnalyzeOutput.Type

export const DecideOutput = Schema.Struct({
  action: Action,
  why: Schema.String,
  next_stage: Stage,
  recommended_cta: Schema.NullOr(Schema.String),
  followup_in_minutes: Schema.Finite,
  template_required: Schema.Boolean
})
export type DecideOutput = typeof DecideOutput.Type

export const GenerateOutput = Schema.Struct({
  message_text: Schema.String,
  message_language: Schema.String,
  cta_type: Schema.NullOr(Schema.String),
  next_stage: Stage,
  state_patch: Schema.Struct({ intent_level: IntentLevel, user_sentiment: Sentiment }),
  self_check: Schema.Struct({ guardrails_pass: Schema.Boolean, violations: Schema.Array(Schema.String) })
})
export type GenerateOutput = typeof GenerateOutput.Type

export const SummarizeOutput = Schema.Struct({ updated_rolling_summary: Schema.String })
export type SummarizeOutput = typeof SummarizeOutput.Type

export const analyzeFormat = structured("analyze", AnalyzeOutput, enumNormalizer({
  escalation: escalationField,
  stage_recommendation: stageField,
  intent_level: intentField,
  user_sentiment: sentimentField,
  "risk_flags.spam_risk": riskField,
  "risk_flags.policy_risk": riskField,
  "risk_flags.hallucination_risk": riskField
}))

export const decideFormat = structured("decide", DecideOutput, enumNormalizer({ action: actionField, next_stage: stageField }))

export const generateFormat = structured("generate", GenerateOutput, enumNormalizer({
  next_stage: stageField,
  "state_patch.intent_level": intentField,
  "state_patch.user_sentiment": sentimentField
}))

export const summarizeFormat = structured("summarize", SummarizeOutput)
