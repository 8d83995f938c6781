/** Analyze: understand the situation. Sees the summary, recent messages and the burst. */
import type { TurnContext } from "../types.ts"
import { businessLine, clip, conversationBlock, DATA_RULE, fenced, localTime, neutralise, stateLine } from "./render.ts"

export const analyzeSystem = [
  "Task: analyze a WhatsApp sales conversation for the business's assistant.",
  DATA_RULE,
  "confidence: 0-1, how sure you are what the lead wants. need_kb.query: keywords to look up products/FAQs, \"\" if none.",
  "risk_flags.policy_risk=high for abuse, threats, legal/medical/financial advice or demands to break rules; spam_risk=high for spam/bots.",
  "escalation: only when a person must take over because the business's facts cannot answer — negotiation (haggling), discount_request (a price or discount the business does not list), contract, custom_terms, complaint, legal_or_medical; else none. Questions about listed prices, offers or discounts are none."
].join("\n")

export const analyzeUser = (ctx: TurnContext) =>
  [
    `Business: ${businessLine(ctx)}`,
    `Now: ${localTime(ctx)}; WhatsApp window ${ctx.timing.windowOpen ? "open" : "closed"}; trigger=${ctx.trigger}`,
    `State: ${stateLine(ctx)}; follow-ups sent 24h=${ctx.nudges.followupCount24h} total=${ctx.nudges.totalNudges}`,
    ctx.leadName === null ? "" : `Lead name: ${neutralise(clip(ctx.leadName, 60))}`,
    ctx.rollingSummary.trim() === "" ? "Summary: (new conversation)" : `Summary:\n${fenced(neutralise(clip(ctx.rollingSummary, 1_400)))}`,
    conversationBlock(ctx)
  ].filter((l) => l !== "").join("\n")
