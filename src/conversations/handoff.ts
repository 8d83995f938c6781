/**
 * Handing a conversation to a person, visibly: the lead is told, once, in their language, while
 * the 24-hour window is open (the same at-most-once path as every bot message, stored as a BOT
 * message); the conversation switches to human mode, goes to an online person (round robin), its
 * follow-ups are cancelled, the staff webhook is queued, and dashboards see it live. A dashboard
 * takeover does not come here: the person is already there.
 */
import { Clock, DateTime, Effect, Option } from "effect"
import { ModeChanged } from "../domain/events.ts"
import { windowOpen } from "../domain/window.ts"
import { EventBus } from "../events/EventBus.ts"
import { FollowUps } from "../followups/FollowUps.ts"
import { Htl } from "../htl/Htl.ts"
import { Knowledge } from "../knowledge/Knowledge.ts"
import { buildTurnContext } from "./context.ts"
import { makeDeliver, recipientOf } from "./outbound.ts"
import { handoffNotice } from "./handoffNotice.ts"
import type { ConversationKey } from "../domain/ids.ts"
import { EngineStore } from "../records/EngineStore.ts"

export interface HandoffOptions {
  /** Tell the lead (not for follow-ups the lead never asked for, nor after a failed send). */
  readonly notify: boolean
}

export const makeHandoff = Effect.gen(function*() {
  const store = yield* EngineStore
  const knowledge = yield* Knowledge
  const htl = yield* Htl
  const followUps = yield* FollowUps
  const bus = yield* EventBus
  const deliver = yield* makeDeliver

  /** The lead's notice, before the mode switches (a bot message needs bot mode and the lease). */
  const notifyLead = Effect.fn("Engine.handoffNotice")(function*(key: ConversationKey) {
    const loaded = yield* store.snapshot(key)
    if (Option.isNone(loaded)) return
    const snapshot = loaded.value
    const c = snapshot.conversation
    const now = yield* Clock.currentTimeMillis
    if (c.mode !== "bot" || !windowOpen(c.lastUserMessageAt, now)) return
    const profile = yield* knowledge.profile(key.organizationId, snapshot.conversation.knowledgeRevision)
    const language = htl.language(buildTurnContext({ snapshot, profile, trigger: "lead_message", now }))
    const text = handoffNotice(language.code, profile.handoffMessages, profile.languages)
    const sent = yield* deliver({
      key,
      to: recipientOf(key, c),
      body: { _tag: "text", text, replyTo: null },
      from: "BOT",
      answers: yield* store.newestLeadMessage(key)
    })
    if (sent._tag !== "Sent") yield* Effect.logWarning("handoff notice not sent").pipe(Effect.annotateLogs({ outcome: sent._tag }))
  })

  return Effect.fn("Engine.handoff")(function*(key: ConversationKey, reason: string, options: HandoffOptions) {
    if (options.notify) {
      yield* notifyLead(key).pipe(Effect.catchCause((cause) => Effect.logWarning("handoff notice failed", cause)))
    }
    const outcome = yield* store.handoff(key, reason)
    if (!outcome.handedOff) return
    yield* Effect.logInfo("conversation handed to a person").pipe(
      Effect.annotateLogs({ conversationId: key.conversationId, reason, assignedTo: outcome.assignedTo ?? "nobody online" })
    )
    yield* followUps.cancelPending(key, "handed to a human")
    yield* bus.publish(new ModeChanged({
      ...key,
      at: yield* DateTime.now,
      mode: "human",
      kind: "handoff",
      reason,
      byUserId: null,
      assignedTo: outcome.assignedTo
    }))
  })
})
