/** Summarize: fold this turn into the rolling summary (80-200 words), off the reply's critical path. */
import type { TurnContext } from "../types.ts"
import { clip, DATA_RULE, fenced, neutralise, renderMessages } from "./render.ts"

export const summarizeSystem = [
  "Task: summarize. Update the rolling summary of a WhatsApp sales conversation in 80-200 words:",
  "facts only — lead needs, budget, timeline, objections, prices quoted, stage, intent, open questions, what the bot or the team last did.",
  DATA_RULE
].join("\n")

export interface TurnOutcome {
  readonly action: string
  readonly replyText: string | null
  readonly stage: string
}

/** `HUMAN`: a person from the team wrote (the recent messages carry what they said). */
export const HUMAN_OUTCOME = "HUMAN"

export const summarizeUser = (ctx: TurnContext, outcome: TurnOutcome) =>
  outcome.action === HUMAN_OUTCOME
    ? [
      previous(ctx),
      `Recent messages (a person from the team, "Agent", is handling the conversation):\n${fenced(renderMessages([...ctx.history.slice(-3), ...ctx.burst.slice(-8)], 300))}`,
      `Stage now: ${outcome.stage}`
    ].join("\n")
    : [
      previous(ctx),
      ctx.burst.length === 0 ? "" : `New lead messages:\n${fenced(renderMessages(ctx.burst.slice(-8), 300))}`,
      outcome.replyText === null
        ? `Bot action: ${outcome.action}`
        : `Bot replied: ${neutralise(clip(outcome.replyText, 600))}`,
      `Stage now: ${outcome.stage}`
    ].filter((l) => l !== "").join("\n")

const previous = (ctx: TurnContext) =>
  ctx.rollingSummary.trim() === "" ? "Previous summary: (none)" : `Previous summary:\n${fenced(neutralise(clip(ctx.rollingSummary, 1_400)))}`
