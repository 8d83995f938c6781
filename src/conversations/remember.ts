/**
 * What every turn leaves behind — a lead turn or a follow-up, whatever it decided: the state the
 * HTL found (stage, intent, sentiment, CTA, language) and the rolling summary (the seed's
 * Summarize "always runs"). Off the reply's critical path: after the send, or instead of one.
 */
import { Effect } from "effect"
import { Htl } from "../htl/Htl.ts"
import { HtlAudit } from "../records/HtlAudit.ts"
import type { TurnContext, TurnResult } from "../htl/types.ts"
import type { ConversationKey } from "../domain/ids.ts"
import { EngineStore } from "../records/EngineStore.ts"

export const makeRemember = Effect.gen(function*() {
  const store = yield* EngineStore
  const htl = yield* Htl
  const audit = yield* HtlAudit
  /** `replied`: the bot wrote to the lead in this turn (not a wait, a handoff or a refused send). */
  return Effect.fn("Engine.remember")(function*(key: ConversationKey, context: TurnContext, result: TurnResult, replied: boolean) {
    yield* store.recordBotTurn(key, {
      stage: result.nextStage,
      intentLevel: result.statePatch.intentLevel,
      userSentiment: result.statePatch.sentiment,
      recommendedCta: result.recommendedCta,
      language: result.language?.source === "lead" ? result.language.code : null,
      replied
    })
    const summary = yield* htl.summarize(context, result)
    yield* audit.record(key, [summary.step])
    if (summary.updated) yield* store.saveSummary(key, summary.summary)
  })
})
