/** Conversation and message rows as the dashboard lists them (`…ItemRow`: the engine reads its own, src/records/snapshot.ts), and their wire shapes. */
import { Schema } from "effect"
import type { ConversationItem, MessageItem } from "../../domain/dashboard/conversations.ts"
import { ConversationMode, IntentLevel, MessageFrom, MessageStatus, Sentiment, Stage } from "../../domain/enums.ts"
import { iso, isoOrNull } from "../paging.ts"

export const ConversationItemRow = Schema.Struct({
  id: Schema.String,
  cursorKey: Schema.String,
  leadId: Schema.String,
  leadName: Schema.NullOr(Schema.String),
  leadPhone: Schema.NullOr(Schema.String),
  mode: ConversationMode,
  stage: Stage,
  intentLevel: IntentLevel,
  userSentiment: Sentiment,
  lastMessage: Schema.NullOr(Schema.String),
  lastMessageAt: Schema.NullOr(Schema.Date),
  lastUserMessageAt: Schema.NullOr(Schema.Date),
  followupCount24h: Schema.Int,
  totalNudges: Schema.Int,
  modeChangedBy: Schema.NullOr(Schema.String),
  modeChangedAt: Schema.NullOr(Schema.Date),
  modeReason: Schema.NullOr(Schema.String),
  assignedTo: Schema.NullOr(Schema.String),
  overdue: Schema.Boolean,
  recommendedCta: Schema.NullOr(Schema.String)
})
export type ConversationItemRow = typeof ConversationItemRow.Type

export const toConversationItem = (row: ConversationItemRow): ConversationItem => ({
  id: row.id,
  lead: { id: row.leadId, name: row.leadName, phone: row.leadPhone },
  mode: row.mode,
  stage: row.stage,
  intent_level: row.intentLevel,
  user_sentiment: row.userSentiment,
  last_message: row.lastMessage,
  last_message_at: isoOrNull(row.lastMessageAt),
  followup_count_24h: row.followupCount24h,
  total_nudges: row.totalNudges,
  mode_changed_by: row.modeChangedBy,
  mode_changed_at: isoOrNull(row.modeChangedAt),
  mode_reason: row.modeReason,
  assigned_to: row.assignedTo,
  overdue: row.overdue,
  recommended_cta: row.recommendedCta
})

export const MessageItemRow = Schema.Struct({
  id: Schema.String,
  cursorKey: Schema.String,
  messageFrom: MessageFrom,
  content: Schema.String,
  type: Schema.String,
  status: MessageStatus,
  wamid: Schema.NullOr(Schema.String),
  createdAt: Schema.Date,
  errorCode: Schema.NullOr(Schema.Int),
  errorTitle: Schema.NullOr(Schema.String),
  sentByUserId: Schema.NullOr(Schema.String)
})
export type MessageItemRow = typeof MessageItemRow.Type

export const toMessageItem = (row: MessageItemRow): MessageItem => ({
  id: row.id,
  message_from: row.messageFrom,
  content: row.content,
  type: row.type,
  status: row.status,
  wamid: row.wamid,
  created_at: iso(row.createdAt),
  error_code: row.errorCode,
  error_title: row.errorTitle,
  sent_by_user_id: row.sentByUserId
})
