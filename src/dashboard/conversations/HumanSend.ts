/**
 * A human agent's message to a lead (POST /messages/send): free text needs the 24-hour window
 * (from `last_user_message_at`), a template does not. Sending takes the conversation over when
 * the bot has it. The message is stored as HUMAN with status `pending` and published, then sent
 * through the WhatsApp service (see deliver.ts); the answer carries the resulting status.
 */
import { Clock, Context, DateTime, Effect, Layer, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { Caller } from "../../domain/dashboard/auth.ts"
import type { MessageItem, SendPayload } from "../../domain/dashboard/conversations.ts"
import { type NotFound, ValidationError, WindowClosed } from "../../domain/dashboard/errors.ts"
import { MessageStored } from "../../domain/events.ts"
import { windowOpen } from "../../domain/window.ts"
import { ConversationId, LeadId, MessageId } from "../../domain/ids.ts"
import { EventBus } from "../../events/EventBus.ts"
import { WhatsApp } from "../../whatsapp/WhatsApp.ts"
import { deliver } from "./deliver.ts"
import { decodeRows } from "../../records/sql.ts"
import { conversationNotFound, ConversationsView } from "./ConversationsView.ts"
import { MessageRow, toMessageItem } from "./rows.ts"

const Target = Schema.Struct({
  leadId: Schema.String,
  channelId: Schema.String,
  waId: Schema.NullOr(Schema.String),
  userId: Schema.NullOr(Schema.String),
  mode: Schema.Literals(["bot", "human"]),
  lastUserMessageAt: Schema.NullOr(Schema.Date)
})

export class HumanSend extends Context.Service<HumanSend, {
  readonly send: (caller: Caller, input: SendPayload) => Effect.Effect<MessageItem, NotFound | WindowClosed | ValidationError>
}>()("wa/dashboard/HumanSend") {
  static readonly layer = Layer.effect(
    HumanSend,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const bus = yield* EventBus
      const view = yield* ConversationsView
      const whatsApp = yield* WhatsApp

      const send = Effect.fn("HumanSend.send")(function*(caller: Caller, input: SendPayload) {
        const body = bodyOf(input)
        if (body === undefined) {
          return yield* new ValidationError({ message: "text: give either text or template (exactly one)" })
        }
        const [target] = yield* sql`
          SELECT c.lead_id, c.channel_id, l.wa_id, l.user_id, c.mode, c.last_user_message_at FROM conversations c
          JOIN leads l ON l.id = c.lead_id AND l.organization_id = c.organization_id
          WHERE c.id = ${input.conversation_id} AND c.organization_id = ${caller.organizationId}
            AND l.deleted_at IS NULL`.pipe(decodeRows(Target), Effect.orDie)
        if (target === undefined) return yield* conversationNotFound
        const now = yield* Clock.currentTimeMillis
        if (body.type === "text" && !windowOpen(target.lastUserMessageAt, now)) {
          return yield* new WindowClosed({
            message: "The 24-hour customer service window is closed: send an approved template instead of free text"
          })
        }
        if (target.mode === "bot") yield* view.setMode(caller, input.conversation_id, "human")
        const [row] = yield* Effect.gen(function*() {
          const stored = yield* sql`
            INSERT INTO messages ${sql.insert({
              organizationId: caller.organizationId,
              conversationId: input.conversation_id,
              leadId: target.leadId,
              messageFrom: "HUMAN",
              type: body.type,
              content: body.content,
              payload: body.payload === null ? null : JSON.stringify(body.payload),
              status: "pending",
              sentByUserId: caller.id
            })}
            RETURNING id, created_at::text AS cursor_key, message_from, content, type, status, wamid, created_at,
                      error_code, error_title, sent_by_user_id`.pipe(decodeRows(MessageRow))
          yield* sql`
            UPDATE conversations SET last_message = ${body.content}, last_message_at = now(), updated_at = now()
            WHERE id = ${input.conversation_id} AND organization_id = ${caller.organizationId}`
          return stored
        }).pipe(sql.withTransaction, Effect.orDie)
        if (row === undefined) return yield* Effect.die("message insert returned nothing")
        yield* bus.publish(new MessageStored({
          organizationId: caller.organizationId,
          conversationId: ConversationId.make(input.conversation_id),
          at: DateTime.makeUnsafe(row.createdAt),
          messageId: MessageId.make(row.id),
          leadId: LeadId.make(target.leadId),
          from: "HUMAN",
          type: body.type,
          content: body.content
        }))
        const to = target.waId ?? target.userId
        if (to === null) return toMessageItem(row)
        yield* deliver(sql, bus, whatsApp, {
          organizationId: caller.organizationId,
          conversationId: input.conversation_id,
          messageId: row.id,
          channelId: target.channelId,
          to,
          body: body.type === "text"
            ? { type: "text", text: body.content }
            : { type: "template", name: body.payload?.template.name ?? "", language: body.payload?.template.language ?? "", parameters: body.payload?.template.parameters ?? [] }
        })
        const [final] = yield* sql`
          SELECT id, created_at::text AS cursor_key, message_from, content, type, status, wamid, created_at,
                 error_code, error_title, sent_by_user_id
          FROM messages WHERE id = ${row.id} AND organization_id = ${caller.organizationId}`.pipe(decodeRows(MessageRow), Effect.orDie)
        return toMessageItem(final ?? row)
      })

      return HumanSend.of({ send })
    })
  )
}

const bodyOf = (input: SendPayload) => {
  if (input.text !== undefined && input.template === undefined) {
    return { type: "text", content: input.text, payload: null }
  }
  if (input.template !== undefined && input.text === undefined) {
    const t = input.template
    const parameters = t.parameters ?? []
    return {
      type: "template",
      content: `[template ${t.name} (${t.language})${parameters.length > 0 ? `: ${parameters.join(", ")}` : ""}]`,
      payload: { template: { name: t.name, language: t.language, parameters } }
    }
  }
  return undefined
}
