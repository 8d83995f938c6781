/**
 * A person of the team wrote to the lead from the dashboard: the rolling summary takes in what
 * they said (and the lead's messages around it), so the bot knows the conversation when it is
 * released. Off every critical path; a failure keeps the previous summary.
 */
import { Clock, Effect, Option } from "effect"
import { Htl } from "../htl/Htl.ts"
import { HtlAudit } from "../records/HtlAudit.ts"
import { Knowledge } from "../knowledge/Knowledge.ts"
import { buildTurnContext } from "./context.ts"
import type { ConversationKey } from "../domain/ids.ts"
import { EngineStore } from "../records/EngineStore.ts"

export const makeHumanTurn = Effect.gen(function*() {
  const store = yield* EngineStore
  const htl = yield* Htl
  const audit = yield* HtlAudit
  const knowledge = yield* Knowledge

  return Effect.fn("Engine.humanWrote", { root: true })(function*(key: ConversationKey) {
    const loaded = yield* store.snapshot(key)
    if (Option.isNone(loaded)) return
    const profile = yield* knowledge.profile(key.organizationId, loaded.value.conversation.knowledgeRevision)
    const context = buildTurnContext({ snapshot: loaded.value, profile, trigger: "lead_message", now: yield* Clock.currentTimeMillis })
    const summary = yield* htl.summarize(context, { human: true })
    yield* audit.record(key, [summary.step])
    if (summary.updated) yield* store.saveSummary(key, summary.summary)
  }, (effect, key) =>
    effect.pipe(
      Effect.catchCause((cause) => Effect.logWarning("summary after a person's message not written", cause)),
      Effect.annotateLogs({ organizationId: key.organizationId, conversationId: key.conversationId })
    ))
})
