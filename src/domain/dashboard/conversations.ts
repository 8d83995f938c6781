/** Conversations, their messages, takeover/release and human sends (SPEC §8.1). */
import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema } from "effect/http-api"
import { ConversationMode, IntentLevel, MessageFrom, MessageStatus, Sentiment, Stage } from "../enums.ts"
import { Authorization } from "./auth.ts"
import { ForbiddenWire, NotFoundWire, ValidationErrorWire, WindowClosedWire } from "./errors.ts"
import { Chars, Cursor, Limit, ListOf, Page, Search, Text, Uuid } from "./fields.ts"
import { RequestValidation } from "./validation.ts"

export const ConversationItem = Schema.Struct({
  id: Schema.String,
  lead: Schema.Struct({ id: Schema.String, name: Schema.NullOr(Schema.String), phone: Schema.NullOr(Schema.String) }),
  mode: ConversationMode,
  stage: Stage,
  intent_level: IntentLevel,
  user_sentiment: Sentiment,
  last_message: Schema.NullOr(Schema.String),
  last_message_at: Schema.NullOr(Schema.String),
  followup_count_24h: Schema.Int,
  total_nudges: Schema.Int,
  /** Who changed the mode last (a user id, null for the bot's own handoff), when and why. */
  mode_changed_by: Schema.NullOr(Schema.String),
  mode_changed_at: Schema.NullOr(Schema.String),
  mode_reason: Schema.NullOr(Schema.String),
  /** The person it is assigned to: a handoff's online agent, whoever took it over; null when released. */
  assigned_to: Schema.NullOr(Schema.String),
  /** Handed off by the bot and no person has written since, for longer than the business allows. */
  overdue: Schema.Boolean,
  /** The call to action the conversation was last offered: a key of the business's CTAs (or Decide's words). */
  recommended_cta: Schema.NullOr(Schema.String)
})
export type ConversationItem = typeof ConversationItem.Type

export const ConversationPage = Page(ConversationItem)
export type ConversationPage = typeof ConversationPage.Type

export const ConversationQuery = Schema.Struct({
  limit: Limit,
  cursor: Cursor,
  mode: Schema.optional(ConversationMode),
  stage: Schema.optional(Stage),
  intent: Schema.optional(IntentLevel),
  search: Search,
  /** "me", "none", or a user id */
  assigned_to: Schema.optional(Schema.Union([Schema.Literals(["me", "none"]), Uuid])),
  /** "true": only handoffs waiting too long for a person; "false": none of those */
  overdue: Schema.optional(Schema.Literals(["true", "false"]))
})
export type ConversationQuery = typeof ConversationQuery.Type

export const MessageItem = Schema.Struct({
  id: Schema.String,
  message_from: MessageFrom,
  content: Schema.String,
  type: Schema.String,
  status: MessageStatus,
  wamid: Schema.NullOr(Schema.String),
  created_at: Schema.String,
  error_code: Schema.NullOr(Schema.Int),
  error_title: Schema.NullOr(Schema.String),
  sent_by_user_id: Schema.NullOr(Schema.String)
})
export type MessageItem = typeof MessageItem.Type

export const MessagePage = Page(MessageItem)
export type MessagePage = typeof MessagePage.Type

export const PageQuery = Schema.Struct({ limit: Limit, cursor: Cursor })
export type PageQuery = typeof PageQuery.Type

export const AssignPayload = Schema.Struct({ user_id: Schema.NullOr(Uuid) })
export type AssignPayload = typeof AssignPayload.Type

export const TemplatePayload = Schema.Struct({
  name: Text(512),
  language: Text(16),
  parameters: Schema.optional(ListOf(Chars(1000), 20))
})

export const SendPayload = Schema.Struct({
  conversation_id: Uuid,
  text: Schema.optional(Text(4096)),
  template: Schema.optional(TemplatePayload)
})
export type SendPayload = typeof SendPayload.Type

const idParams = { id: Uuid }

export class ConversationsApi extends HttpApiGroup.make("conversations")
  .add(
    HttpApiEndpoint.get("list", "/conversations/", { query: ConversationQuery, success: ConversationPage }),
    HttpApiEndpoint.get("messages", "/conversations/:id/messages", {
      params: idParams,
      query: PageQuery,
      success: MessagePage,
      error: NotFoundWire
    }),
    HttpApiEndpoint.post("takeover", "/conversations/:id/takeover", {
      params: idParams,
      success: ConversationItem,
      error: NotFoundWire
    }),
    HttpApiEndpoint.post("release", "/conversations/:id/release", {
      params: idParams,
      success: ConversationItem,
      error: NotFoundWire
    }),
    HttpApiEndpoint.post("assign", "/conversations/:id/assign", {
      params: idParams,
      payload: AssignPayload,
      success: ConversationItem,
      error: [NotFoundWire, ForbiddenWire, ValidationErrorWire]
    }),
    HttpApiEndpoint.post("send", "/messages/send", {
      payload: SendPayload,
      success: MessageItem.pipe(HttpApiSchema.status(201)),
      error: [NotFoundWire, WindowClosedWire, ValidationErrorWire]
    })
  )
  .middleware(RequestValidation)
  .middleware(Authorization)
{}
