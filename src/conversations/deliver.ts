/**
 * Sending one outbound message the at-most-once way: commit it as `pending` (re-checking bot
 * mode and staleness under a row lock), then send, then record `sent` + wamid or `failed`.
 */
import { Clock, DateTime, Effect } from "effect"
import { MessageStored } from "../domain/events.ts"
import type { MessageId } from "../domain/ids.ts"
import { EventBus } from "../events/EventBus.ts"
import { count, record, sendDuration, sendErrors } from "../observability/metrics.ts"
import type { ConversationKey } from "../domain/ids.ts"
import { type OutboundBody, OutboundSender, type SendFailed, type SendTarget } from "./sender.ts"
import type { ConversationRow } from "../records/snapshot.ts"
import { EngineInstance } from "../records/EngineInstance.ts"
import { EngineStore } from "../records/EngineStore.ts"
import type { Outbound, StaleReason } from "../records/writes.ts"

export type Delivery =
  | { readonly _tag: "Sent"; readonly messageId: MessageId; readonly wamid: string; readonly sendMs: number }
  | { readonly _tag: "Stale"; readonly reason: StaleReason }
  | { readonly _tag: "Failed"; readonly messageId: MessageId; readonly error: SendFailed }

/** Where a conversation's messages go: its channel, the lead's number (or business-scoped id). */
export const sendTargetOf = (key: ConversationKey, conversation: ConversationRow): SendTarget => ({
  organizationId: key.organizationId,
  channelId: conversation.channelId,
  waId: conversation.leadWaId,
  userId: conversation.leadUserId
})

export const makeDeliver = Effect.gen(function*() {
    const writes = yield* EngineStore
    const instance = yield* EngineInstance
    const sender = yield* OutboundSender
    const bus = yield* EventBus

    return Effect.fn("Engine.deliver")(function*(options: {
      readonly key: ConversationKey
      readonly conversation: ConversationRow
      readonly body: OutboundBody
      readonly from: Outbound["from"]
      /** the newest lead message this answers (a newer one makes the draft stale) */
      readonly answers: MessageId | null
      /** runs after the pending row is committed and before the send (e.g. mark a follow-up executed) */
      readonly beforeSend?: Effect.Effect<void, unknown>
    }) {
      const { key, conversation, body } = options
      const content = body._tag === "text" ? body.text : `[template ${body.name}] ${body.parameters.join(" | ")}`
      const committed = yield* writes.commitOutbound(key, {
        from: options.from,
        type: body._tag,
        content,
        payload: body._tag === "template" ? { name: body.name, language: body.language, parameters: body.parameters } : null,
        replyToWamid: body._tag === "text" ? body.replyTo : null,
        sentByUserId: null
      }, options.answers, options.from === "BOT" ? instance.lessee.owner : null)
      if (committed._tag === "Stale") return committed satisfies Delivery
      const messageId = committed.messageId
      if (options.beforeSend !== undefined) yield* Effect.orDie(options.beforeSend)
      const target = sendTargetOf(key, conversation)
      const sendStarted = yield* Clock.currentTimeMillis
      const sent = yield* Effect.result(sender.send(target, body))
      const sendMs = (yield* Clock.currentTimeMillis) - sendStarted
      yield* record(sendDuration, sendMs, { outcome: sent._tag === "Success" ? "sent" : "failed", type: body._tag })
      const at = yield* DateTime.now
      if (sent._tag === "Failure") {
        yield* count(sendErrors, { code: String(sent.failure.code ?? "network") })
        yield* writes.markFailed(messageId, sent.failure)
        return { _tag: "Failed", messageId, error: sent.failure } satisfies Delivery
      }
      yield* writes.markSent(messageId, sent.success.wamid)
      yield* bus.publish(new MessageStored({
        organizationId: key.organizationId,
        conversationId: key.conversationId,
        at,
        messageId,
        leadId: conversation.leadId,
        from: options.from,
        type: body._tag,
        content
      }))
      return { _tag: "Sent", messageId, wamid: sent.success.wamid, sendMs } satisfies Delivery
    })
  })
