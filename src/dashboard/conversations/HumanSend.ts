/**
 * A human agent's message to a lead (POST /messages/send): free text needs the 24-hour window
 * (from `last_user_message_at`), a template does not. Sending takes the conversation over when
 * the bot has it. The message goes the bot's way (src/conversations/outbound.ts): committed as
 * HUMAN `pending` and published, sent, then marked sent, failed or unknown; the answer carries
 * the resulting status.
 */
import { Clock, Context, Effect, Layer, Schema } from "effect"
import { SqlClient, SqlSchema } from "effect/sql"
import { makeDeliver } from "../../conversations/outbound.ts"
import type { OutboundBody } from "../../domain/outbound.ts"
import type { Caller } from "../../domain/dashboard/auth.ts"
import type { MessageItem, SendPayload } from "../../domain/dashboard/conversations.ts"
import { type NotFound, ValidationError, WindowClosed } from "../../domain/dashboard/errors.ts"
import { ChannelId, ConversationId, LeadId, MessageId, OrganizationId } from "../../domain/ids.ts"
import { windowOpen } from "../../domain/window.ts"
import { conversationNotFound, ConversationsView } from "./ConversationsView.ts"
import { MessageItemRow, toMessageItem } from "./rows.ts"

const TargetRow = Schema.Struct({
  leadId: LeadId,
  channelId: ChannelId,
  waId: Schema.NullOr(Schema.String),
  userId: Schema.NullOr(Schema.String),
  mode: Schema.Literals(["bot", "human"]),
  lastUserMessageAt: Schema.NullOr(Schema.Date)
})

const ConversationRef = Schema.Struct({ organizationId: OrganizationId, conversationId: Schema.String })
const MessageRef = Schema.Struct({ organizationId: OrganizationId, messageId: MessageId })

export class HumanSend extends Context.Service<HumanSend, {
  readonly send: (caller: Caller, input: SendPayload) => Effect.Effect<MessageItem, NotFound | WindowClosed | ValidationError>
}>()("wa/dashboard/HumanSend") {
  static readonly layer = Layer.effect(
    HumanSend,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const view = yield* ConversationsView
      const deliver = yield* makeDeliver

      const targetOf = SqlSchema.findOneOption({
        Request: ConversationRef,
        Result: TargetRow,
        execute: (r) => sql`
          SELECT c.lead_id, c.channel_id, l.wa_id, l.user_id, c.mode, c.last_user_message_at FROM conversations c
          JOIN leads l ON l.id = c.lead_id AND l.organization_id = c.organization_id
          WHERE c.id = ${r.conversationId} AND c.organization_id = ${r.organizationId} AND l.deleted_at IS NULL`
      })
      const messageOf = SqlSchema.findOne({
        Request: MessageRef,
        Result: MessageItemRow,
        execute: (r) => sql`
          SELECT id, created_at::text AS cursor_key, message_from, content, type, status, wamid, created_at,
                 error_code, error_title, sent_by_user_id
          FROM messages WHERE id = ${r.messageId} AND organization_id = ${r.organizationId}`
      })

      const send = Effect.fn("HumanSend.send")(function*(caller: Caller, input: SendPayload) {
        const body = bodyOf(input)
        if (body === undefined) {
          return yield* new ValidationError({ message: "text: give either text or template (exactly one)" })
        }
        const found = yield* Effect.orDie(targetOf({ organizationId: caller.organizationId, conversationId: input.conversation_id }))
        if (found._tag === "None") return yield* conversationNotFound
        const target = found.value
        const now = yield* Clock.currentTimeMillis
        if (body.message._tag === "text" && !windowOpen(target.lastUserMessageAt, now)) {
          return yield* new WindowClosed({
            message: "The 24-hour customer service window is closed: send an approved template instead of free text"
          })
        }
        if (target.mode === "bot") yield* view.setMode(caller, input.conversation_id, "human")
        const key = { organizationId: caller.organizationId, conversationId: ConversationId.make(input.conversation_id) }
        const delivery = yield* Effect.orDie(deliver({
          key,
          to: {
            target: { organizationId: caller.organizationId, channelId: target.channelId, waId: target.waId, userId: target.userId },
            leadId: target.leadId
          },
          body: body.message,
          content: body.content,
          from: "HUMAN",
          answers: null,
          sentByUserId: caller.id
        }))
        // a person's message is stale only when the conversation is gone
        if (delivery._tag === "Stale") return yield* conversationNotFound
        const row = yield* Effect.orDie(messageOf({ organizationId: caller.organizationId, messageId: delivery.messageId }))
        return toMessageItem(row)
      })

      return HumanSend.of({ send })
    })
  )
}

/** What a person sends and how it reads in the inbox; undefined unless exactly one of text and template. */
const bodyOf = (input: SendPayload): { readonly message: OutboundBody; readonly content: string } | undefined => {
  if (input.text !== undefined && input.template === undefined) {
    return { message: { _tag: "text", text: input.text, replyTo: null }, content: input.text }
  }
  if (input.template !== undefined && input.text === undefined) {
    const t = input.template
    const parameters = t.parameters ?? []
    return {
      message: { _tag: "template", name: t.name, language: t.language, parameters },
      content: `[template ${t.name} (${t.language})${parameters.length > 0 ? `: ${parameters.join(", ")}` : ""}]`
    }
  }
  return undefined
}
