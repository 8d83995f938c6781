/** Builds the HTL's `TurnContext` from a conversation snapshot (pure). */
import { DateTime } from "effect"
import type { TurnContext, TurnMessage } from "../htl/types.ts"
import type { BusinessProfile } from "../knowledge/types.ts"
import { windowOpen, within24h } from "../domain/window.ts"
import type { MessageRow, Snapshot } from "../records/snapshot.ts"

/** Non-text messages still mean something to the model: "[image] caption", "[location]". */
const textOf = (m: MessageRow): string =>
  m.type === "text" ? m.content : `[${m.type}]${m.content.length > 0 ? ` ${m.content}` : ""}`

const toTurnMessage = (m: MessageRow): TurnMessage => ({
  from: m.messageFrom,
  text: textOf(m),
  at: DateTime.fromDateUnsafe(m.createdAt)
})

export const buildTurnContext = (options: {
  readonly snapshot: Snapshot
  readonly profile: BusinessProfile
  readonly trigger: TurnContext["trigger"]
  readonly now: number
}): TurnContext => {
  const c = options.snapshot.conversation
  return {
    organizationId: c.organizationId,
    conversationId: c.id,
    trigger: options.trigger,
    profile: options.profile,
    leadName: c.leadName,
    rollingSummary: c.rollingSummary,
    history: options.snapshot.recent.map(toTurnMessage),
    burst: options.snapshot.burst.map(toTurnMessage),
    stage: c.stage,
    intentLevel: c.intentLevel,
    sentiment: c.userSentiment,
    conversationLanguage: c.language,
    timing: { now: DateTime.makeUnsafe(options.now), windowOpen: windowOpen(c.lastUserMessageAt, options.now) },
    nudges: {
      followupCount24h: within24h(c.followupWindowStart, options.now) ? c.followupCount24h : 0,
      totalNudges: c.totalNudges
    }
  }
}
