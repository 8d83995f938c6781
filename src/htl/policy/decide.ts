/**
 * The seed's decision matrix, enforced after the model answers: the model proposes, code
 * disposes, and every change is recorded in `overrides`. In order — a reason to hand off wins:
 *
 * | situation                                                    | action          | timing                         |
 * |--------------------------------------------------------------|-----------------|--------------------------------|
 * | Analyze's confidence below HTL_MIN_CONFIDENCE                | HANDOFF_HUMAN   | now (`low_confidence`)         |
 * | policy risk high (abuse, threats, legal/medical advice)      | HANDOFF_HUMAN   | now (`policy_risk`)            |
 * | complex query or negotiation (Analyze's `escalation`)        | HANDOFF_HUMAN   | now (`complex_query`)          |
 * | the model hands off                                          | HANDOFF_HUMAN   | now (`model_decision`)         |
 * | lead annoyed by our messages, or negative and asking nothing  | WAIT_SCHEDULE   | 24 h or more                   |
 * | spam risk high                                               | WAIT_SCHEDULE   | 6–24 h                         |
 * | 24-hour window closed                                        | WAIT_SCHEDULE   | template only (else handoff)   |
 * | follow-up caps reached                                       | HANDOFF_HUMAN   | now (`followup_cap`)           |
 *
 * A follow-up's delay follows intent and sentiment (hot leads sooner, cold ones later; a negative
 * lead not before a day) within the business's min/max. A lead who is frustrated but asks
 * something ("3rd time asking, what's the price??") is answered: silence for a day would lose
 * them.
 */
import type { Action, IntentLevel, Sentiment, Stage } from "../../domain/enums.ts"
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

/** High spam risk: wait 6 to 24 hours. */
export const SPAM_WAIT_MINUTES = { min: 360, max: 1_440 } as const
/** An annoyed or frustrated lead: wait at least a day. */
export const ANNOYED_WAIT_MINUTES = 1_440

/** Follow-up delay bands (minutes) by intent: hot leads sooner, cold ones later. */
const INTENT_BANDS: Readonly<Record<IntentLevel, { readonly min: number; readonly max: number }>> = {
  very_high: { min: 30, max: 240 },
  high: { min: 60, max: 720 },
  medium: { min: 240, max: 1_440 },
  low: { min: 720, max: 2_880 },
  unknown: { min: 240, max: 1_440 }
}
/** Sentiment shifts the band's floor: a hesitant lead gets time, a confused one a soon reminder. */
const SENTIMENT_FLOOR: Readonly<Record<Sentiment, number>> = {
  positive: 0,
  neutral: 0,
  confused: 0,
  hesitant: 720,
  negative: ANNOYED_WAIT_MINUTES
}

/**
 * Objections that say the lead is annoyed by being messaged, in the words models use ("annoyed
 * by the messages", "asked us to stop texting"); not a frustration with the price or a delay.
 */
const ANNOYED_BY_CONTACT =
  /(?:annoy|irritat|bother|fed up|tired|sick)\w*\b.*\b(?:messag|text|contact|call|follow|remind|spam|writ)|too many (?:messages|texts|follow|reminders)|stop (?:writing|messaging|texting|contacting|calling|following)|leave (?:me|them|him|her) alone|harass|spamm(?:y|ing)|unwanted (?:messages|contact)/i

/** Frustration the analysis names (with a negative sentiment it means: leave them be for a while). */
const FRUSTRATED = /annoy|frustrat|angry|anger|irritat|fed up|upset|disappoint/i

/**
 * The lead wants something now: a question mark (any script's), a message opening with a question
 * word, Analyze wanting the knowledge base, or a high intent to buy ("3rd time asking!! price of
 * premium"). Such a lead is answered, frustrated or not.
 */
const QUESTION_MARK = /[?¿؟？]/
const QUESTION_WORD =
  /^(?:what|how|when|where|which|who|why|can|could|do|does|is|are|any|qu[eé]|c[oó]mo|cu[aá]n|d[oó]nde|quanto|quando|onde|qual|quel|combien|comment|o[uù]|wie|was|wann|wo|welche|gibt|quale|dove|berapa|apa|kapan|di ?mana|bisa|ada|kya|kitna|kab|kaise|kahan)\b/i

export const asksSomething = (ctx: TurnContext, analysis: AnalyzeOutput) =>
  analysis.need_kb.required || analysis.intent_level === "high" || analysis.intent_level === "very_high" ||
  ctx.burst.some((m) => QUESTION_MARK.test(m.text) || QUESTION_WORD.test(m.text.trim()))

/**
 * The seed's "user annoyed/frustrated → wait 24 h or more", read so that no answer is held back:
 * annoyed by our messages ("stop texting me") — always; negative or frustrated — only when the
 * lead vents ("forget it, this is useless"): nothing asked and no objection to answer besides the
 * frustration. A frustrated lead with a question, or a price objection, is answered now.
 */
export const isAnnoyed = (analysis: AnalyzeOutput, ctx: TurnContext) => {
  const objections = analysis.detected_objections
  if (objections.some((o) => ANNOYED_BY_CONTACT.test(o))) return analysis.user_sentiment === "negative" || objections.some((o) => FRUSTRATED.test(o))
  const negative = analysis.user_sentiment === "negative" || objections.some((o) => FRUSTRATED.test(o))
  return negative && !asksSomething(ctx, analysis) && objections.every((o) => FRUSTRATED.test(o))
}

/**
 * The CTA the conversation is offered: one of the business's own (by key or label) when it lists
 * any — a CTA it does not offer is dropped — else Decide's free text.
 */
export const pickCta = (proposed: string | null, ctas: TurnContext["profile"]["ctas"], overrides: Array<string>): string | null => {
  if (proposed === null || ctas.length === 0) return proposed
  const p = proposed.trim().toLowerCase()
  const found = ctas.find((c) => c.key.toLowerCase() === p || c.label.toLowerCase() === p) ??
    ctas.find((c) => p.includes(c.key.toLowerCase().replace(/_/g, " ")) || p.includes(c.label.toLowerCase()))
  if (found === undefined) {
    overrides.push(`recommended_cta "${proposed}" → none (not one of the business's)`)
    return null
  }
  if (found.key !== proposed) overrides.push(`recommended_cta "${proposed}" → ${found.key}`)
  return found.key
}

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

export interface Band {
  readonly min: number
  readonly max: number
}

/**
 * The follow-up delay: the model's, moved into its band — the matrix's own (spam 6–24 h, annoyed
 * ≥ 24 h), else the intent's with the sentiment's floor — then into the business's bounds.
 */
export const followupMinutes = (proposed: number, analysis: AnalyzeOutput, profile: TurnContext["profile"], matrix: Band | null): number => {
  const intent = INTENT_BANDS[analysis.intent_level]
  const floor = Math.max(intent.min, SENTIMENT_FLOOR[analysis.user_sentiment])
  const band = matrix ?? { min: floor, max: Math.max(intent.max, floor) }
  const wanted = Math.round(proposed) > 0 ? Math.round(proposed) : band.min
  const inBand = Math.min(band.max, Math.max(band.min, wanted))
  return Math.min(profile.followupMaxMinutes, Math.max(profile.followupMinMinutes, inBand))
}

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
  const escalation = analysis.escalation ?? "none"
  if (escalation !== "none") return handoff(proposal, "complex_query", `a person is needed: ${escalation.replace(/_/g, " ")}`, overrides)
  if (proposal.action === "HANDOFF_HUMAN") {
    return handoff(proposal, "model_decision", proposal.why.trim() || "the model asked for a human", overrides)
  }
  let action: Action = proposal.action
  let band: Band | null = null
  if (isAnnoyed(analysis, ctx)) {
    if (action !== "WAIT_SCHEDULE") overrides.push(`${action} → WAIT_SCHEDULE (lead annoyed or frustrated, nothing asked: 24 h or more)`)
    action = "WAIT_SCHEDULE"
    band = { min: ANNOYED_WAIT_MINUTES, max: Infinity }
  } else if (analysis.risk_flags.spam_risk === "high") {
    if (action !== "WAIT_SCHEDULE") overrides.push(`${action} → WAIT_SCHEDULE (spam risk high: 6–24 h)`)
    action = "WAIT_SCHEDULE"
    band = SPAM_WAIT_MINUTES
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
  let minutes: number | null = null
  if (action === "WAIT_SCHEDULE") {
    if (nudges.followupCount24h >= profile.followupMax24h || nudges.totalNudges >= profile.followupMaxTotal) {
      return handoff(
        proposal,
        "followup_cap",
        `follow-up cap reached (${nudges.followupCount24h}/${profile.followupMax24h} in 24 h, ${nudges.totalNudges}/${profile.followupMaxTotal} total)`,
        overrides
      )
    }
    minutes = followupMinutes(proposal.followup_in_minutes, analysis, profile, band)
    if (minutes !== Math.round(proposal.followup_in_minutes)) overrides.push(`followup_in_minutes ${proposal.followup_in_minutes} → ${minutes}`)
    if (proposal.template_required !== templateRequired) overrides.push(`template_required ${proposal.template_required} → ${templateRequired}`)
  }
  return {
    action,
    why: proposal.why,
    handoff: null,
    nextStage: proposal.next_stage,
    recommendedCta: pickCta(proposal.recommended_cta, profile.ctas, overrides),
    followupInMinutes: minutes,
    templateRequired: action === "WAIT_SCHEDULE" && templateRequired,
    overrides
  }
}
