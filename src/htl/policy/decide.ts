/**
 * The seed's decision matrix, enforced after the model answers: the model proposes, code
 * disposes. Order matters: a reason to hand off wins over anything else.
 */
import type { Action, Stage } from "../../domain/enums.ts"
import type { AnalyzeOutput, DecideOutput } from "../steps/schemas.ts"
import type { HandoffCode, TurnContext } from "../types.ts"

export interface PolicyDecision {
  readonly action: Action
  readonly why: string
  readonly handoff: { readonly code: HandoffCode; readonly detail: string } | null
  readonly nextStage: Stage
  readonly recommendedCta: string | null
  readonly followupInMinutes: number | null
  readonly templateRequired: boolean
  /** What the policy changed in the model's proposal (audited). */
  readonly overrides: ReadonlyArray<string>
}

/** High spam risk: wait at least 6 hours (seed matrix: 6-24 h). */
export const SPAM_WAIT_MINUTES = 360

const handoff = (d: DecideOutput, code: HandoffCode, detail: string, overrides: Array<string>): PolicyDecision => ({
  action: "HANDOFF_HUMAN",
  why: detail,
  handoff: { code, detail },
  nextStage: d.next_stage,
  recommendedCta: d.recommended_cta,
  followupInMinutes: null,
  templateRequired: false,
  overrides: d.action === "HANDOFF_HUMAN" ? overrides : [...overrides, `${d.action} → HANDOFF_HUMAN (${code})`]
})

export const applyDecidePolicy = (
  analysis: AnalyzeOutput,
  proposal: DecideOutput,
  ctx: TurnContext,
  minConfidence: number
): PolicyDecision => {
  const overrides: Array<string> = []
  const { profile, nudges, timing } = ctx
  if (analysis.confidence < minConfidence) {
    return handoff(proposal, "low_confidence", `analysis confidence ${analysis.confidence.toFixed(2)} below ${minConfidence}`, overrides)
  }
  if (analysis.risk_flags.policy_risk === "high") return handoff(proposal, "policy_risk", "policy risk flagged high", overrides)
  if (proposal.action === "HANDOFF_HUMAN") {
    return handoff(proposal, "model_decision", proposal.why.trim() || "the model asked for a human", overrides)
  }
  let action: Action = proposal.action
  let minutes = proposal.followup_in_minutes
  if (action === "SEND_NOW" && analysis.risk_flags.spam_risk === "high") {
    action = "WAIT_SCHEDULE"
    minutes = Math.max(minutes, SPAM_WAIT_MINUTES)
    overrides.push("SEND_NOW → WAIT_SCHEDULE (spam risk high)")
  }
  let templateRequired = false
  if (!timing.windowOpen) {
    if (!profile.hasFollowupTemplate) {
      return handoff(proposal, "window_closed", "24-hour window closed and no follow-up template configured", overrides)
    }
    if (action === "SEND_NOW") overrides.push("SEND_NOW → WAIT_SCHEDULE (24-hour window closed: template only)")
    action = "WAIT_SCHEDULE"
    templateRequired = true
  }
  if (action === "WAIT_SCHEDULE") {
    if (nudges.followupCount24h >= profile.followupMax24h || nudges.totalNudges >= profile.followupMaxTotal) {
      return handoff(
        proposal,
        "followup_cap",
        `follow-up cap reached (${nudges.followupCount24h}/${profile.followupMax24h} in 24 h, ${nudges.totalNudges}/${profile.followupMaxTotal} total)`,
        overrides
      )
    }
    const clamped = Math.min(profile.followupMaxMinutes, Math.max(profile.followupMinMinutes, Math.round(minutes)))
    if (clamped !== Math.round(minutes)) overrides.push(`followup_in_minutes ${minutes} → ${clamped}`)
    minutes = clamped
  }
  if (proposal.template_required !== templateRequired && action === "WAIT_SCHEDULE") {
    overrides.push(`template_required ${proposal.template_required} → ${templateRequired}`)
  }
  return {
    action,
    why: proposal.why,
    handoff: null,
    nextStage: proposal.next_stage,
    recommendedCta: proposal.recommended_cta,
    followupInMinutes: action === "WAIT_SCHEDULE" ? minutes : null,
    templateRequired: action === "WAIT_SCHEDULE" && templateRequired,
    overrides
  }
}
