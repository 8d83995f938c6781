/**
 * The one outbound path. Every message to a lead goes through `deliver`: the bot's replies,
 * follow-ups and handoff notices, and a person's messages from the dashboard (src/dashboard/
 * conversations/HumanSend.ts). At most once:
 *
 * 1. commit the message as `pending` (src/records/writes.ts; for the bot, under a row lock: still
 *    in bot mode, still this process's lease, no newer lead message, else `Stale` and nothing is
 *    sent), then publish `MessageStored`;
 * 2. run `beforeSend` (a follow-up is marked executed), then send through the OutboundSender;
 * 3. record the outcome, only on a pending row of the conversation's organization: `sent` + wamid
 *    (then `MessageStatusChanged`), `failed` + the Graph error, or `unknown` when the request may
 *    have reached Meta (never resent). A crash between 1 and 3 leaves `pending`, which recovery
 *    turns into `unknown` (src/conversations/recovery.ts).
 */
import { Clock, DateTime, Effect, Result } from "effect"
import { MessageStatusChanged, MessageStored } from "../domain/events.ts"
import { type ConversationKey, type LeadId, type MessageId, type UserId, Wamid } from "../domain/ids.ts"
import { EventBus } from "../events/EventBus.ts"
import { count, record, sendDuration, sendErrors } from "../observability/metrics.ts"
import { EngineInstance } from "../records/EngineInstance.ts"
import { EngineStore } from "../records/EngineStore.ts"
import type { ConversationRow } from "../records/snapshot.ts"
import type { Outbound, StaleReason } from "../records/writes.ts"
import type { OutboundBody } from "../domain/outbound.ts"
import { OutboundSender, SendFailed, type SendTarget } from "./sender.ts"

/** What a `deliver` came to (the inbox's `Delivery` is a webhook delivery: src/inbox/Inbox.ts). */
export type OutboundOutcome =
  | { readonly _tag: "Sent"; readonly messageId: MessageId; readonly wamid: string; readonly sendMs: number }
  | { readonly _tag: "Stale"; readonly reason: StaleReason }
  /** `error.unknown`: the message is recorded `unknown`, else `failed` */
  | { readonly _tag: "Failed"; readonly messageId: MessageId; readonly error: SendFailed }

/** Who a message goes to: where it is sent and the lead it is stored for. */
export interface Recipient {
  readonly target: SendTarget
  readonly leadId: LeadId
}

/** Where a conversation's messages go: its channel, the lead's number (or business-scoped id). */
export const sendTargetOf = (key: ConversationKey, conversation: ConversationRow): SendTarget => ({
  organizationId: key.organizationId,
  channelId: conversation.channelId,
  waId: conversation.leadWaId,
  userId: conversation.leadUserId
})

export const recipientOf = (key: ConversationKey, conversation: ConversationRow): Recipient => ({
  target: sendTargetOf(key, conversation),
  leadId: conversation.leadId
})

/** How a message reads in the inbox unless its sender says otherwise. */
export const contentOf = (body: OutboundBody) =>
  body._tag === "text" ? body.text : `[template ${body.name}] ${body.parameters.join(" | ")}`

const noRecipient = new SendFailed({
  code: null,
  title: "NoRecipient",
  details: "the lead has neither a phone number nor a business-scoped user id",
  windowClosed: false,
  unknown: false
})

export interface OutboundRequest {
  readonly key: ConversationKey
  readonly to: Recipient
  readonly body: OutboundBody
  readonly from: Outbound["from"]
  /** the newest lead message this answers (a newer one makes a bot draft stale); null: none */
  readonly answers: MessageId | null
  /** the person of the team who wrote it (HUMAN) */
  readonly sentByUserId?: UserId | undefined
  /** how it reads in the inbox (default: `contentOf(body)`) */
  readonly content?: string | undefined
  /** runs after the pending row is committed and before the send (e.g. mark a follow-up executed) */
  readonly beforeSend?: Effect.Effect<void, unknown> | undefined
  /** runs as soon as the Graph API accepted the message, before its row is marked sent (the lead has it) */
  readonly accepted?: Effect.Effect<void> | undefined
}

export const makeDeliver = Effect.gen(function*() {
  const store = yield* EngineStore
  const instance = yield* EngineInstance
  const sender = yield* OutboundSender
  const bus = yield* EventBus

  const send = (target: SendTarget, body: OutboundBody, reference: MessageId) =>
    target.waId === null && target.userId === null
      ? Effect.succeed(Result.fail(noRecipient))
      : Effect.result(sender.send(target, body, reference))

  return Effect.fn("Engine.deliver")(function*(request: OutboundRequest) {
    const { body, from, key } = request
    const content = request.content ?? contentOf(body)
    const committed = yield* store.commitOutbound(key, {
      from,
      type: body._tag,
      content,
      payload: body._tag === "template" ? { name: body.name, language: body.language, parameters: body.parameters } : null,
      replyToWamid: body._tag === "text" ? body.replyTo : null,
      sentByUserId: request.sentByUserId ?? null
    }, request.answers, from === "BOT" ? instance.lessee.owner : null)
    if (committed._tag === "Stale") return committed satisfies OutboundOutcome
    const messageId = committed.messageId
    const event = { organizationId: key.organizationId, conversationId: key.conversationId, messageId }
    yield* bus.publish(new MessageStored({ ...event, at: yield* DateTime.now, leadId: request.to.leadId, from, type: body._tag, content }))
    if (request.beforeSend !== undefined) yield* Effect.orDie(request.beforeSend)
    const sendStarted = yield* Clock.currentTimeMillis
    const sent = yield* send(request.to.target, body, messageId)
    const sendMs = (yield* Clock.currentTimeMillis) - sendStarted
    const status = Result.isSuccess(sent) ? "sent" : sent.failure.unknown ? "unknown" : "failed"
    yield* record(sendDuration, sendMs, { outcome: status === "sent" ? "sent" : "failed", type: body._tag })
    if (Result.isFailure(sent)) {
      const { code, details, title } = sent.failure
      yield* count(sendErrors, { code: String(code ?? "network") })
      yield* Effect.logWarning(status === "unknown" ? "message not confirmed: it may have reached Meta, so it is not resent" : "message not sent").pipe(
        Effect.annotateLogs({ conversationId: key.conversationId, messageId, from, code: code ?? "network", title, details })
      )
      yield* store.markNotSent(key, messageId, { status: status === "unknown" ? "unknown" : "failed", code, title, details })
      return { _tag: "Failed", messageId, error: sent.failure } satisfies OutboundOutcome
    }
    if (request.accepted !== undefined) yield* request.accepted
    const wamid = sent.success.wamid
    yield* store.markSent(key, messageId, wamid)
    yield* bus.publish(new MessageStatusChanged({ ...event, at: yield* DateTime.now, wamid: Wamid.make(wamid), status: "sent", errorCode: null }))
    return { _tag: "Sent", messageId, wamid, sendMs } satisfies OutboundOutcome
  })
})
