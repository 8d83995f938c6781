/**
 * Generate: write the reply. Sees the analysis (not the rolling summary: Analyze already
 * condensed it), the selected knowledge, the recent messages and the rules it will be checked on.
 */
import type { KnowledgeExcerpt } from "../../knowledge/types.ts"
import { priceFacts } from "../policy/facts.ts"
import { languageInstruction, type LanguageTarget } from "../policy/replyLanguage.ts"
import type { AnalyzeOutput } from "../steps/schemas.ts"
import type { TurnContext } from "../types.ts"
import { clip, conversationBlock, DATA_RULE, neutralise } from "./render.ts"

export interface GeneratePlan {
  readonly nextStage: string
  readonly cta: string | null
}

const questionRule = (n: number) => (n === 0 ? "no question" : n === 1 ? "at most one question" : `at most ${n} questions`)

export const generateSystem = (ctx: TurnContext, language: LanguageTarget) =>
  [
    `Task: generate the next WhatsApp message of ${ctx.profile.businessName || "the business"}'s AI sales assistant. Tone: ${clip(ctx.profile.tone, 80)}.`,
    `Rules: at most ${ctx.profile.maxWords} words; ${questionRule(ctx.profile.maxQuestions)}; ${languageInstruction(language)}.`,
    "You are an AI assistant: never claim or imply to be a person (no personal name, no \"I'm at the desk\", no \"I'll call you\"); asked if you are a bot, say you are the AI assistant.",
    "Never guarantee or promise outcomes. Quote only prices, percentages and facts listed under Knowledge, exactly, without adding them up; if unsure, say a colleague will confirm.",
    DATA_RULE
  ].join("\n")

const price = (p: KnowledgeExcerpt["products"][number]) => (p.price === null ? "price on request" : `${p.price} ${p.currency ?? ""}`.trim())

/** Price facts of the profile shown on every turn (description, policies, FAQ answers), at most this many characters. */
const PRICE_FACTS_CHARS = 360

export const knowledgeBlock = (ctx: TurnContext, k: KnowledgeExcerpt) => {
  const lines = [
    ...k.products.map((p) => `- ${clip(p.name, 60)}: ${price(p)}${p.description ? ` — ${clip(p.description, 120)}` : ""}`),
    ...k.faqs.map((f) => `- Q: ${clip(f.question, 100)} A: ${clip(f.answer, 200)}`)
  ]
  if (ctx.profile.policies.trim() !== "") lines.push(`- Policies: ${clip(ctx.profile.policies, 240)}`)
  // the business's own price statements, whatever this turn's search found (not repeated when already shown)
  const shown = lines.join("\n")
  let budget = PRICE_FACTS_CHARS
  for (const fact of priceFacts(ctx.profile)) {
    if (shown.includes(fact) || budget < fact.length) continue
    budget -= fact.length
    lines.push(`- ${fact}`)
  }
  return lines.length === 0 ? "Knowledge: none (do not quote prices)" : `Knowledge:\n${lines.join("\n")}`
}

/** A business CTA by key: its label and link; else Decide's own words. */
const ctaText = (ctx: TurnContext, cta: string) => {
  const known = ctx.profile.ctas.find((c) => c.key === cta)
  return known === undefined ? clip(cta, 80) : `${clip(known.label, 80)}${known.url === null ? "" : ` (${clip(known.url, 200)})`}`
}

export const generateUser = (
  ctx: TurnContext,
  a: AnalyzeOutput,
  knowledge: KnowledgeExcerpt,
  plan: GeneratePlan,
  previousViolations: string | null
) =>
  [
    `Situation: ${neutralise(clip(a.situation_summary, 300))}`,
    `Lead goal: ${neutralise(clip(a.lead_goal_guess, 150))}; missing: ${a.missing_info.slice(0, 3).join(", ") || "-"}; objections: ${a.detected_objections.slice(0, 3).join(", ") || "-"}`,
    `Stage: ${ctx.stage} → ${plan.nextStage}${plan.cta === null ? "" : `; CTA: ${ctaText(ctx, plan.cta)}`}${ctx.trigger === "followup" ? "; this is a gentle follow-up nudge" : ""}`,
    knowledgeBlock(ctx, knowledge),
    conversationBlock(ctx),
    previousViolations === null ? "" : `Your previous draft broke these rules; write a new one that does not:\n${previousViolations}`
  ].filter((l) => l !== "").join("\n")
