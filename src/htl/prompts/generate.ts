/**
 * Generate: write the reply. Sees the analysis (not the rolling summary: Analyze already
 * condensed it), the selected knowledge, the recent messages and the rules it will be checked on.
 */
import type { KnowledgeExcerpt } from "../../knowledge/types.ts"
import type { AnalyzeOutput } from "../steps/schemas.ts"
import type { TurnContext } from "../types.ts"
import { clip, conversationBlock, DATA_RULE, neutralise } from "./render.ts"

export interface GeneratePlan {
  readonly nextStage: string
  readonly cta: string | null
}

export const generateSystem = (ctx: TurnContext, language: string) =>
  [
    `Task: generate the next WhatsApp message of ${ctx.profile.businessName || "the business"}'s AI sales assistant. Tone: ${clip(ctx.profile.tone, 80)}.`,
    `Rules: at most 80 words; at most one question; write in language "${language}"; you are an AI assistant, never claim to be human;`,
    "never guarantee or promise outcomes; quote only prices, discounts and facts listed under Knowledge; if unsure, say a colleague will confirm.",
    DATA_RULE
  ].join("\n")

const price = (p: KnowledgeExcerpt["products"][number]) => (p.price === null ? "price on request" : `${p.price} ${p.currency ?? ""}`.trim())

export const knowledgeBlock = (ctx: TurnContext, k: KnowledgeExcerpt) => {
  const lines = [
    ...k.products.map((p) => `- ${clip(p.name, 60)}: ${price(p)}${p.description ? ` — ${clip(p.description, 120)}` : ""}`),
    ...k.faqs.map((f) => `- Q: ${clip(f.question, 100)} A: ${clip(f.answer, 200)}`)
  ]
  if (ctx.profile.policies.trim() !== "") lines.push(`- Policies: ${clip(ctx.profile.policies, 240)}`)
  return lines.length === 0 ? "Knowledge: none (do not quote prices)" : `Knowledge:\n${lines.join("\n")}`
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
    `Stage: ${ctx.stage} → ${plan.nextStage}${plan.cta === null ? "" : `; CTA: ${clip(plan.cta, 80)}`}${ctx.trigger === "followup" ? "; this is a gentle follow-up nudge" : ""}`,
    knowledgeBlock(ctx, knowledge),
    conversationBlock(ctx),
    previousViolations === null ? "" : `Your previous draft broke these rules; write a new one that does not:\n${previousViolations}`
  ].filter((l) => l !== "").join("\n")
