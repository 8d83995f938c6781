/**
 * What a turn knows about its conversation, read in one statement: the conversation row, the lead,
 * the channel, the business's follow-up policy and knowledge revision, the current burst (the lead
 * messages since our last outbound one, the newest BURST_LIMIT of them) and the three messages
 * before it. Token use stays flat: no full history.
 */
import { Effect, Option, Schema } from "effect"
import { SqlClient, SqlSchema } from "effect/sql"
import { ConversationMode, IntentLevel, MessageFrom, Sentiment, Stage, Transport } from "../domain/enums.ts"
import { ChannelId, ConversationId, type ConversationKey, LeadId, MessageId, OrganizationId } from "../domain/ids.ts"
import { decodeRows } from "../db/rows.ts"
import { FollowUpLimitColumns, FollowUpTemplateColumns, ProfileTextColumns } from "../domain/businessProfile.ts"

const messageIdRows = decodeRows(Schema.Struct({ id: MessageId }))

const NullableDate = Schema.NullOr(Schema.Date)

export const ConversationRow = Schema.Struct({
  id: ConversationId,
  organizationId: OrganizationId,
  leadId: LeadId,
  channelId: ChannelId,
  mode: ConversationMode,
  stage: Stage,
  intentLevel: IntentLevel,
  userSentiment: Sentiment,
  rollingSummary: Schema.String,
  lastUserMessageAt: NullableDate,
  lastBotMessageAt: NullableDate,
  followupCount24h: Schema.Int,
  followupWindowStart: NullableDate,
  totalNudges: Schema.Int,
  optedOutAt: NullableDate,
  leadName: Schema.NullOr(Schema.String),
  leadWaId: Schema.NullOr(Schema.String),
  leadUserId: Schema.NullOr(Schema.String),
  phoneNumberId: Schema.String,
  transport: Transport,
  timezone: ProfileTextColumns.timezone,
  ...FollowUpLimitColumns,
  ...FollowUpTemplateColumns,
  /** the newest lead message a turn decided on without answering it (it scheduled a follow-up) */
  decidedMessageId: Schema.NullOr(MessageId),
  /** the lead's language as earlier turns detected it with confidence */
  language: Schema.NullOr(Schema.String),
  /** the organization's knowledge revision (migrations/0015): the profile read for it can be reused */
  knowledgeRevision: Schema.Int
})
export type ConversationRow = typeof ConversationRow.Type

export const MessageRow = Schema.Struct({
  id: MessageId,
  messageFrom: MessageFrom,
  type: Schema.String,
  content: Schema.String,
  wamid: Schema.NullOr(Schema.String),
  createdAt: Schema.Date
})
export type MessageRow = typeof MessageRow.Type

/** A message as the snapshot's statement aggregates it (JSON: the time as text). */
const MessagePart = Schema.Struct({ ...MessageRow.fields, createdAt: Schema.DateFromString, inBurst: Schema.Boolean })
const SnapshotRow = Schema.Struct({ ...ConversationRow.fields, messages: Schema.Array(MessagePart) })

/**
 * The newest lead messages of a burst a turn loads. The prompts show the newest 12; the rest is
 * for the request-for-a-person check. A lead who wrote thousands of messages unanswered (a flood,
 * a long human takeover released) costs a turn no more than this.
 */
export const BURST_LIMIT = 50

export const Snapshot = Schema.Struct({
  conversation: ConversationRow,
  /** lead messages since our last outbound message (the newest BURST_LIMIT), oldest first */
  burst: Schema.Array(MessageRow),
  /** up to three messages before the burst, oldest first */
  recent: Schema.Array(MessageRow)
})
export type Snapshot = typeof Snapshot.Type

/** The conversation's newest lead message (what a draft must answer to still be current). */
export const newestLeadMessage = (sql: SqlClient.SqlClient, conversationId: ConversationId) =>
  sql`SELECT id FROM messages WHERE conversation_id = ${conversationId} AND message_from = 'LEAD'
    ORDER BY created_at DESC, id DESC LIMIT 1`.pipe(messageIdRows, Effect.map((rows) => rows[0]?.id ?? null))

export const makeSnapshots = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  // One statement, so one round trip to one backend (two side by side woke two). The messages are
  // the burst (lead messages after our last outbound one, the newest BURST_LIMIT) and the three
  // messages before the whole burst; `inBurst` says which is which. The cut comes from the index of
  // the messages that are not the lead's (migrations/0017), and is a value in both parts' index
  // conditions (a scalar subquery): each reads its own rows from the newest back, not every
  // unanswered message (a join with `cut` filtered them all, then sorted).
  const snapshot = SqlSchema.findOneOption({
    Request: Schema.Struct({ organizationId: OrganizationId, conversationId: ConversationId }),
    Result: SnapshotRow,
    execute: ({ organizationId, conversationId }) => sql`
      SELECT c.id, c.organization_id, c.lead_id, c.channel_id, c.mode, c.stage, c.intent_level, c.user_sentiment,
             c.rolling_summary, c.last_user_message_at, c.last_bot_message_at, c.followup_count_24h,
             c.followup_window_start, c.total_nudges, coalesce(c.opted_out_at, l.opted_out_at) AS opted_out_at,
             l.name AS lead_name, l.wa_id AS lead_wa_id, l.user_id AS lead_user_id,
             ch.phone_number_id, ch.transport,
             coalesce(p.timezone, 'UTC') AS timezone,
             coalesce(p.followup_max_24h, 2) AS followup_max_24h,
             coalesce(p.followup_max_total, 5) AS followup_max_total,
             coalesce(p.followup_min_minutes, 30) AS followup_min_minutes,
             coalesce(p.followup_max_minutes, 2880) AS followup_max_minutes,
             p.followup_template_name, p.followup_template_language, c.decided_message_id, c.language,
             o.knowledge_revision,
             (SELECT coalesce(json_agg(json_build_object('id', x.id, 'messageFrom', x.message_from, 'type', x.type,
                        'content', x.content, 'wamid', x.wamid, 'createdAt', x.created_at, 'inBurst', x.in_burst)
                      ORDER BY x.in_burst, x.created_at, x.id), '[]')
              FROM (
                WITH cut AS (
                  SELECT coalesce(max(created_at), '-infinity') AS at FROM messages
                  WHERE conversation_id = c.id AND message_from <> 'LEAD'
                ), burst AS (
                  SELECT m.id, m.message_from, m.type, m.content, m.wamid, m.created_at FROM messages m
                  WHERE m.conversation_id = c.id AND m.message_from = 'LEAD' AND m.created_at > (SELECT at FROM cut)
                  ORDER BY m.created_at DESC, m.id DESC LIMIT ${BURST_LIMIT}
                ), recent AS (
                  -- every message after the cut is the lead's, so "before the whole burst" is "up to the cut"
                  SELECT m.id, m.message_from, m.type, m.content, m.wamid, m.created_at FROM messages m
                  WHERE m.conversation_id = c.id AND m.created_at <= (SELECT at FROM cut)
                  ORDER BY m.created_at DESC, m.id DESC LIMIT 3
                )
                SELECT true AS in_burst, * FROM burst UNION ALL SELECT false, * FROM recent
              ) x) AS messages
      FROM conversations c
      JOIN organizations o ON o.id = c.organization_id
      JOIN leads l ON l.id = c.lead_id AND l.organization_id = c.organization_id
      JOIN channels ch ON ch.id = c.channel_id AND ch.organization_id = c.organization_id
      LEFT JOIN business_profiles p ON p.organization_id = c.organization_id
      WHERE c.id = ${conversationId} AND c.organization_id = ${organizationId}`
  })

  const load = Effect.fn("Engine.snapshot")(function*(key: ConversationKey) {
    const row = yield* snapshot(key)
    if (Option.isNone(row)) return Option.none<Snapshot>()
    const { messages, ...conversation } = row.value
    const burst: Array<MessageRow> = []
    const recent: Array<MessageRow> = []
    for (const { inBurst, ...message } of messages) (inBurst ? burst : recent).push(message)
    return Option.some<Snapshot>({ conversation, burst, recent })
  })

  return { load, newestLeadMessage: (conversationId: ConversationId) => newestLeadMessage(sql, conversationId) }
})
