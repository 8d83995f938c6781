/**
 * The engine's writes. A bot message is committed as `pending` before it is sent, in the same
 * transaction that re-checks (under a row lock) that the conversation is still in bot mode and
 * that no lead message arrived after the burst the draft answers: a stale draft is dropped,
 * and a send is never repeated (at-most-once).
 */
import { Effect, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { IntentLevel, Sentiment, Stage } from "../domain/enums.ts"
import { type ConversationKey, MessageId, UserId } from "../domain/ids.ts"
import { pickAssignee } from "./assignment.ts"
import { enqueueHandoffWebhook } from "./handoffWebhookQueue.ts"
import { decodeRows } from "../db/rows.ts"
import { jsonDocument } from "../db/jsonDocument.ts"

export const StaleReason = Schema.Literals(["human_mode", "newer_lead_message", "gone", "lease_lost"])
export type StaleReason = typeof StaleReason.Type

export const Outbound = Schema.Struct({
  from: Schema.Literals(["BOT", "HUMAN"]),
  type: Schema.Literals(["text", "template"]),
  content: Schema.String,
  payload: Schema.NullOr(Schema.Record(Schema.String, Schema.Unknown)),
  replyToWamid: Schema.NullOr(Schema.String),
  sentByUserId: Schema.NullOr(UserId)
})
export type Outbound = typeof Outbound.Type

export const Commit = Schema.Union([
  Schema.TaggedStruct("Committed", { messageId: MessageId }),
  Schema.TaggedStruct("Stale", { reason: StaleReason })
])
export type Commit = typeof Commit.Type

export const BotTurnState = Schema.Struct({
  stage: Stage,
  intentLevel: IntentLevel,
  userSentiment: Sentiment,
  recommendedCta: Schema.NullOr(Schema.String),
  /** The lead's language when this turn detected it with confidence (kept otherwise). */
  language: Schema.NullOr(Schema.String),
  /** The bot wrote to the lead in this turn (not a wait or a handoff). */
  replied: Schema.Boolean
})
export type BotTurnState = typeof BotTurnState.Type

export const HandoffOutcome = Schema.Struct({ handedOff: Schema.Boolean, assignedTo: Schema.NullOr(UserId) })
export type HandoffOutcome = typeof HandoffOutcome.Type

/** A send that did not succeed: `failed` (Meta refused it, or it never left) or `unknown` (it may have reached Meta). */
export const NotSent = Schema.Struct({
  status: Schema.Literals(["failed", "unknown"]),
  code: Schema.NullOr(Schema.Int),
  title: Schema.String,
  details: Schema.String
})
export type NotSent = typeof NotSent.Type

export const FollowUpRow = Schema.Struct({ createdAt: Schema.Date, status: Schema.String })
export type FollowUpRow = typeof FollowUpRow.Type

const commitRows = decodeRows(Schema.Struct({
  outcome: Schema.Union([Schema.Literal("committed"), StaleReason]),
  messageId: Schema.NullOr(MessageId)
}))
const idRows = decodeRows(Schema.Struct({ id: Schema.String }))
const countRows = decodeRows(Schema.Struct({ n: Schema.Int }))
const followUpRows = decodeRows(FollowUpRow)

export const makeWrites = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  /** Commits a pending outbound message if the draft is still wanted; otherwise says why not. */
  const commitOutbound = Effect.fn("Engine.commitOutbound")(function*(
    key: ConversationKey,
    message: Outbound,
    /** the newest lead message the draft answers; null when it answers none (follow-up) */
    answers: MessageId | null,
    /** the engine process that drafted it: it must still hold the conversation's lease (bot messages) */
    owner: string | null
  ) {
    // one round trip: the lock, the checks, the row and the conversation's last message in the
    // database's own function (migrations/0013_commit_outbound.sql)
    const [result] = yield* sql`
      SELECT outcome, message_id FROM commit_outbound(
        ${key.organizationId}::uuid, ${key.conversationId}::uuid, ${message.from}, ${message.type}, ${message.content},
        ${message.payload === null ? null : jsonDocument(message.payload)}::jsonb, ${message.replyToWamid},
        ${message.sentByUserId}::uuid, ${answers}::uuid, ${owner})`.pipe(commitRows)
    if (result === undefined) return yield* Effect.die("commit_outbound gave no row")
    if (result.outcome !== "committed") return { _tag: "Stale", reason: result.outcome } as const
    if (result.messageId === null) return yield* Effect.die("commit_outbound committed no message")
    return { _tag: "Committed", messageId: result.messageId } as const
  })

  /** The outcome of a committed send; only a `pending` row of the key's organization changes. */
  const markSent = (key: ConversationKey, messageId: MessageId, wamid: string) =>
    sql`UPDATE messages SET status = 'sent', wamid = ${wamid}, updated_at = now()
        WHERE id = ${messageId} AND organization_id = ${key.organizationId} AND status = 'pending'`.pipe(Effect.asVoid)

  const markNotSent = (key: ConversationKey, messageId: MessageId, outcome: NotSent) =>
    sql`UPDATE messages SET status = ${outcome.status}, error_code = ${outcome.code}, error_title = ${outcome.title},
          error_details = ${outcome.details}, updated_at = now()
        WHERE id = ${messageId} AND organization_id = ${key.organizationId} AND status = 'pending'`.pipe(Effect.asVoid)

  /**
   * After every turn: the conversation's state as the turn found it (and when the bot last wrote),
   * on the conversation and its lead, in one call (migrations/0014_record_bot_turn.sql).
   */
  const recordBotTurn = (key: ConversationKey, state: BotTurnState) =>
    sql`SELECT record_bot_turn(${key.organizationId}::uuid, ${key.conversationId}::uuid, ${state.stage}, ${state.intentLevel},
        ${state.userSentiment}, ${state.recommendedCta}, ${state.language}, ${state.replied})`.pipe(Effect.asVoid)

  /**
   * Bot → human, in one transaction: the mode, the assignee (an online person, round robin) and the
   * staff webhook's delivery row. Not handed off when it already was in human mode.
   */
  const handoff = (key: ConversationKey, reason: string) =>
    sql.withTransaction(Effect.gen(function*() {
      const switched = yield* sql`UPDATE conversations SET mode = 'human', mode_reason = ${reason},
            mode_changed_by = NULL, mode_changed_at = now(), updated_at = now()
          WHERE id = ${key.conversationId} AND organization_id = ${key.organizationId} AND mode = 'bot'
          RETURNING id`.pipe(idRows)
      if (switched.length === 0) return { handedOff: false, assignedTo: null } satisfies HandoffOutcome
      const assignedTo = yield* pickAssignee(sql, key.organizationId)
      if (assignedTo !== null) {
        yield* sql`UPDATE conversations SET assigned_to = ${assignedTo}
          WHERE id = ${key.conversationId} AND organization_id = ${key.organizationId}`
      }
      yield* enqueueHandoffWebhook(sql, key, reason, assignedTo)
      return { handedOff: true, assignedTo } satisfies HandoffOutcome
    }))

  const saveSummary = (key: ConversationKey, summary: string) =>
    sql`UPDATE conversations SET rolling_summary = ${summary}, updated_at = now()
        WHERE id = ${key.conversationId} AND organization_id = ${key.organizationId}`.pipe(Effect.asVoid)

  /** Counts a sent follow-up: the 24 h counter restarts when its window is over. */
  const countNudge = (key: ConversationKey) =>
    sql`UPDATE conversations SET
          followup_count_24h = CASE WHEN followup_window_start IS NULL OR followup_window_start < now() - interval '24 hours'
                                    THEN 1 ELSE followup_count_24h + 1 END,
          followup_window_start = CASE WHEN followup_window_start IS NULL OR followup_window_start < now() - interval '24 hours'
                                       THEN now() ELSE followup_window_start END,
          total_nudges = total_nudges + 1, updated_at = now()
        WHERE id = ${key.conversationId} AND organization_id = ${key.organizationId}`.pipe(Effect.asVoid)

  /** The lead asked to stop. True the first time (acknowledge once). */
  const optOut = (key: ConversationKey) =>
    sql.withTransaction(Effect.gen(function*() {
      yield* sql`UPDATE leads SET opted_out_at = coalesce(opted_out_at, now())
        WHERE id = (SELECT lead_id FROM conversations WHERE id = ${key.conversationId}) AND organization_id = ${key.organizationId}`
      const rows = yield* sql`UPDATE conversations SET opted_out_at = now(), updated_at = now()
        WHERE id = ${key.conversationId} AND organization_id = ${key.organizationId} AND opted_out_at IS NULL
        RETURNING id`.pipe(idRows)
      return rows.length > 0
    }))

  /** Whether the lead wrote after `since` (a follow-up scheduled then is moot). */
  const leadWroteSince = (key: ConversationKey, since: Date) =>
    sql`SELECT count(*)::int AS n FROM messages
        WHERE conversation_id = ${key.conversationId} AND message_from = 'LEAD' AND created_at > ${since}`.pipe(
      countRows,
      Effect.map((rows) => (rows[0]?.n ?? 0) > 0)
    )

  /** A follow-up's status and when it was scheduled. */
  const followUpRow = (key: ConversationKey, id: string) =>
    sql`SELECT created_at, status FROM scheduled_actions
        WHERE id = ${id} AND organization_id = ${key.organizationId}`.pipe(followUpRows, Effect.map((rows) => Option.fromNullishOr(rows[0])))

  /** A turn decided on this lead message without answering it (it scheduled a follow-up). */
  const markDecided = (key: ConversationKey, messageId: MessageId) =>
    sql`UPDATE conversations SET decided_message_id = ${messageId}
        WHERE id = ${key.conversationId} AND organization_id = ${key.organizationId}`.pipe(Effect.asVoid)

  return { markDecided, commitOutbound, markSent, markNotSent, recordBotTurn, handoff, saveSummary, countNudge, optOut, leadWroteSince, followUpRow }
})
