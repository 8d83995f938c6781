/**
 * The HTL's public types. Input: a `TurnContext` the conversation engine builds from its store.
 * Output: a `TurnResult` (decision, an optional sendable reply, state patch, per-step records).
 */
import { Schema } from "effect"
import { Action, IntentLevel, MessageFrom, Sentiment, Stage } from "../domain/enums.ts"
import { ConversationId, OrganizationId } from "../domain/ids.ts"
import { BusinessProfile } from "../knowledge/types.ts"
import type { LanguageTarget } from "./policy/replyLanguage.ts"

/**
 * The newest lead messages of a burst a turn reads (the prompts show them, the reply language is
 * decided on them): a lead who wrote hundreds of messages unanswered is answered on the newest.
 */
export const BURST_SHOWN = 12

export const TurnMessage = Schema.Struct({
  from: MessageFrom,
  text: Schema.String,
  at: Schema.DateTimeUtc
})
export type TurnMessage = typeof TurnMessage.Type

export const TurnContext = Schema.Struct({
  organizationId: OrganizationId,
  conversationId: ConversationId,
  /** A lead burst to answer, or a due follow-up (nudge) with no new lead message. */
  trigger: Schema.Literals(["lead_message", "followup"]),
  profile: BusinessProfile,
  leadName: Schema.NullOr(Schema.String),
  rollingSummary: Schema.String,
  /** Recent messages before the burst, oldest first (the HTL keeps the last 3). */
  history: Schema.Array(TurnMessage),
  /** Every lead message of the current burst, oldest first (all kept). */
  burst: Schema.Array(TurnMessage),
  stage: Stage,
  intentLevel: IntentLevel,
  sentiment: Sentiment,
  /** The language earlier turns settled on (ISO 639-1, or "hi-Latn"), null before the first one. */
  conversationLanguage: Schema.NullOr(Schema.String),
  timing: Schema.Struct({
    now: Schema.DateTimeUtc,
    /** The 24-hour customer-service window is open: free text may be sent. */
    windowOpen: Schema.Boolean
  }),
  nudges: Schema.Struct({ followupCount24h: Schema.Int, totalNudges: Schema.Int })
})
export type TurnContext = typeof TurnContext.Type

export const StepName = Schema.Literals(["analyze", "knowledge", "decide", "generate", "summarize"])
export type StepName = typeof StepName.Type
/** ok, retried (HTTP retries), repaired (one repair request), violation (guardrails), failed, discarded (speculative draft not used). */
export const StepOutcome = Schema.Literals(["ok", "retried", "repaired", "violation", "failed", "discarded"])
export type StepOutcome = typeof StepOutcome.Type

/** One row of audit per step; written to `conversation_events` by `HtlAudit`. */
export const StepRecord = Schema.Struct({
  step: StepName,
  outcome: StepOutcome,
  latencyMs: Schema.Finite,
  tokensIn: Schema.Finite,
  tokensOut: Schema.Finite,
  model: Schema.NullOr(Schema.String),
  inputSummary: Schema.String,
  outputSummary: Schema.String,
  details: Schema.Record(Schema.String, Schema.Unknown)
})
export type StepRecord = typeof StepRecord.Type

export interface Violation {
  readonly rule: "max_words" | "max_questions" | "language" | "claims_human" | "guarantee" | "unlisted_price" | "empty"
  readonly detail: string
}

/** Why a turn went to a person. */
export type HandoffCode =
  | "llm_not_configured"
  | "llm_unavailable"
  | "llm_rate_limited"
  | "llm_timeout"
  | "llm_bad_output"
  | "low_confidence"
  | "policy_risk"
  | "window_closed"
  | "followup_cap"
  | "guardrail_violation"
  | "model_decision"
  | "internal_error"
  | "lead_asked_for_human"
  | "complex_query"

export interface Reply {
  readonly text: string
  /** The language it was asked to be in and checked against: ISO 639-1, or "hi-Latn". */
  readonly language: string
  readonly ctaType: string | null
}

export interface TurnResult {
  readonly action: Action
  /** A visible reason: Decide's "why", or what made this a handoff. */
  readonly reason: string
  readonly handoff: { readonly code: HandoffCode; readonly detail: string } | null
  /** A guardrail-clean text: present exactly when action is SEND_NOW. */
  readonly reply: Reply | null
  readonly nextStage: Stage
  readonly statePatch: { readonly intentLevel: IntentLevel; readonly sentiment: Sentiment }
  readonly recommendedCta: string | null
  /** WAIT_SCHEDULE only: clamped to the profile's follow-up bounds. */
  readonly followupInMinutes: number | null
  /** WAIT_SCHEDULE outside the 24-hour window: send a template, not free text. */
  readonly templateRequired: boolean
  readonly violations: ReadonlyArray<Violation>
  readonly steps: ReadonlyArray<StepRecord>
  readonly usage: {
    readonly promptTokens: number
    readonly completionTokens: number
    /** Tokens of speculative drafts that were thrown away. */
    readonly wastedTokens: number
  }
  /** From the start of the turn to the moment the result (the reply) is ready. */
  readonly latencyMs: number
  /** The reply language decided for this turn (null when the turn ended before Analyze answered). */
  readonly language: LanguageTarget | null
}

export interface SummaryResult {
  /** The new rolling summary, or the previous one unchanged when the step failed. */
  readonly summary: string
  readonly updated: boolean
  readonly step: StepRecord
}
