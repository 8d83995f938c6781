/**
 * The dashboard's view of conversations: list (keyset pagination by last activity), messages
 * (oldest → newest), takeover/release. Every query is scoped by the caller's organization and
 * skips soft-deleted leads, so a foreign or deleted id is simply "not found".
 */
import { Clock, Context, DateTime, Effect, Layer, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { Caller } from "../../domain/dashboard/auth.ts"
import type { ConversationItem, ConversationPage, ConversationQuery, MessagePage, PageQuery } from "../../domain/dashboard/conversations.ts"
import { type Forbidden, NotFound, ValidationError } from "../../domain/dashboard/errors.ts"
import { AssignmentChanged, ModeChanged } from "../../domain/events.ts"
import { ConversationId, UserId } from "../../domain/ids.ts"
import { requireAdmin } from "../../auth/Authentication.ts"
import { overdueCondition } from "../../handoffs/overdue.ts"
import { EventBus } from "../../events/EventBus.ts"
import { FollowUps } from "../../followups/FollowUps.ts"
import { decodeRows } from "../../db/rows.ts"
import { DEFAULT_LIMIT, decodeCursor, page } from "../paging.ts"
import { ConversationItemRow, MessageItemRow, toConversationItem, toMessageItem } from "./rows.ts"
import { jsonDocument } from "../../db/jsonDocument.ts"

const idRows = decodeRows(Schema.Struct({ id: Schema.String }))

export const conversationNotFound = new NotFound({ message: "Conversation not found" })
const badCursor = new ValidationError({ message: "cursor: is not a cursor returned by this list" })

export class ConversationsView extends Context.Service<ConversationsView, {
  readonly list: (caller: Caller, query: ConversationQuery) => Effect.Effect<ConversationPage, ValidationError>
  readonly get: (caller: Caller, id: string) => Effect.Effect<ConversationItem, NotFound>
  readonly messages: (caller: Caller, id: string, query: PageQuery) => Effect.Effect<MessagePage, NotFound | ValidationError>
  readonly setMode: (caller: Caller, id: string, mode: "human" | "bot") => Effect.Effect<ConversationItem, NotFound>
  readonly assign: (caller: Caller, id: string, userId: string | null) => Effect.Effect<ConversationItem, NotFound | Forbidden | ValidationError>
}>()("wa/dashboard/ConversationsView") {
  static readonly layer = Layer.effect(
    ConversationsView,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const bus = yield* EventBus
      const followUps = yield* FollowUps

      const select = (where: ReturnType<typeof sql.and>, limit: number) =>
        sql`SELECT c.id, coalesce(c.last_message_at, c.created_at)::text AS cursor_key,
                   l.id AS lead_id, l.name AS lead_name, l.phone AS lead_phone,
                   c.mode, c.stage, c.intent_level, c.user_sentiment, c.last_message, c.last_message_at,
                   c.last_user_message_at, c.followup_count_24h, c.total_nudges,
                   c.mode_changed_by, c.mode_changed_at, c.mode_reason, c.assigned_to, ${overdueCondition(sql)} AS overdue,
                   c.recommended_cta
            FROM conversations c
            JOIN leads l ON l.id = c.lead_id AND l.organization_id = c.organization_id
            LEFT JOIN business_profiles p ON p.organization_id = c.organization_id
            WHERE ${where} AND l.deleted_at IS NULL
            ORDER BY coalesce(c.last_message_at, c.created_at) DESC, c.id DESC
            LIMIT ${limit}`.pipe(decodeRows(ConversationItemRow), Effect.orDie)

      const list = Effect.fn("ConversationsView.list")(function*(caller: Caller, query: ConversationQuery) {
        const limit = query.limit ?? DEFAULT_LIMIT
        const cursor = decodeCursor(query.cursor)
        if (cursor === null) return yield* badCursor
        const search = query.search?.trim()
        const pattern = search === undefined || search === "" ? undefined : `%${search.replace(/[\\%_]/g, "\\$&")}%`
        const rows = yield* select(sql.and([
          sql`c.organization_id = ${caller.organizationId}`,
          ...(query.mode === undefined ? [] : [sql`c.mode = ${query.mode}`]),
          ...(query.stage === undefined ? [] : [sql`c.stage = ${query.stage}`]),
          ...(query.intent === undefined ? [] : [sql`c.intent_level = ${query.intent}`]),
          ...(pattern === undefined ? [] : [sql`(l.name ILIKE ${pattern} OR l.phone LIKE ${pattern} OR l.wa_id LIKE ${pattern})`]),
          ...(query.assigned_to === undefined
            ? []
            : query.assigned_to === "none"
            ? [sql`c.assigned_to IS NULL`]
            : [sql`c.assigned_to = ${query.assigned_to === "me" ? caller.id : query.assigned_to}`]),
          ...(query.overdue === undefined ? [] : [query.overdue === "true" ? overdueCondition(sql) : sql`NOT ${overdueCondition(sql)}`]),
          ...(cursor === undefined
            ? []
            : [sql`(coalesce(c.last_message_at, c.created_at), c.id) < (${cursor.k}::timestamptz, ${cursor.id}::uuid)`])
        ]), limit + 1)
        return page(rows, limit, toConversationItem)
      })

      const get = Effect.fn("ConversationsView.get")(function*(caller: Caller, id: string) {
        const [row] = yield* select(sql.and([sql`c.organization_id = ${caller.organizationId}`, sql`c.id = ${id}`]), 1)
        return row === undefined ? yield* conversationNotFound : toConversationItem(row)
      })

      const messages = Effect.fn("ConversationsView.messages")(function*(caller: Caller, id: string, query: PageQuery) {
        yield* get(caller, id)
        const limit = query.limit ?? DEFAULT_LIMIT
        const cursor = decodeCursor(query.cursor)
        if (cursor === null) return yield* badCursor
        const after = cursor === undefined ? sql`true` : sql`(m.created_at, m.id) > (${cursor.k}::timestamptz, ${cursor.id}::uuid)`
        const rows = yield* sql`
          SELECT m.id, m.created_at::text AS cursor_key, m.message_from, m.content, m.type, m.status, m.wamid,
                 m.created_at, m.error_code, m.error_title, m.sent_by_user_id
          FROM messages m
          WHERE m.organization_id = ${caller.organizationId} AND m.conversation_id = ${id} AND ${after}
          ORDER BY m.created_at, m.id
          LIMIT ${limit + 1}`.pipe(decodeRows(MessageItemRow), Effect.orDie)
        return page(rows, limit, toMessageItem)
      })

      /**
       * Takeover or release. A takeover cancels the pending follow-ups in the same transaction
       * (scheduling waits for the conversation's row lock and then refuses: none slips in after);
       * a release re-arms the engine (the `ModeChanged` event): a lead message left unanswered
       * while a person had the conversation gets its turn, and so does one the bot had decided to
       * wait on (its follow-up was cancelled by the takeover or the handoff).
       */
      const setMode = Effect.fn("ConversationsView.setMode")(function*(caller: Caller, id: string, mode: "human" | "bot") {
        const kind = mode === "human" ? "takeover" : "release"
        const changed = yield* sql.withTransaction(Effect.gen(function*() {
          const updated = yield* sql`
            UPDATE conversations c SET mode = ${mode}, mode_reason = ${kind}, mode_changed_by = ${caller.id},
                   mode_changed_at = now(), updated_at = now(), assigned_to = ${mode === "human" ? caller.id : null},
                   decided_message_id = ${mode === "human" ? sql`c.decided_message_id` : null}
            FROM leads l
            WHERE c.id = ${id} AND c.organization_id = ${caller.organizationId}
              AND l.id = c.lead_id AND l.organization_id = c.organization_id AND l.deleted_at IS NULL
            RETURNING c.id`.pipe(idRows)
          if (updated.length === 0) return false
          yield* sql`INSERT INTO conversation_events ${sql.insert({
            organizationId: caller.organizationId,
            conversationId: id,
            eventType: kind,
            outcome: mode,
            details: jsonDocument({ by_user_id: caller.id })
          })}`
          if (mode === "human") {
            yield* followUps.cancelPending({ organizationId: caller.organizationId, conversationId: ConversationId.make(id) }, "taken over")
          }
          return true
        })).pipe(Effect.orDie)
        if (!changed) return yield* conversationNotFound
        const at = DateTime.makeUnsafe(yield* Clock.currentTimeMillis)
        yield* bus.publish(new ModeChanged({
          organizationId: caller.organizationId,
          conversationId: ConversationId.make(id),
          at,
          mode,
          kind,
          reason: null,
          byUserId: caller.id,
          assignedTo: mode === "human" ? caller.id : null
        }))
        return yield* get(caller, id)
      })

      /** An admin gives the conversation to a person of the organization (or to nobody). */
      const assign = Effect.fn("ConversationsView.assign")(function*(caller: Caller, id: string, userId: string | null) {
        yield* requireAdmin(caller)
        if (userId !== null) {
          const [user] = yield* sql`SELECT id FROM users
            WHERE id = ${userId} AND organization_id = ${caller.organizationId} AND is_active`.pipe(idRows, Effect.orDie)
          if (user === undefined) return yield* new ValidationError({ message: "user_id: is not an active user of this organization" })
        }
        const updated = yield* sql`
          UPDATE conversations c SET assigned_to = ${userId}, updated_at = now()
          FROM leads l
          WHERE c.id = ${id} AND c.organization_id = ${caller.organizationId}
            AND l.id = c.lead_id AND l.organization_id = c.organization_id AND l.deleted_at IS NULL
          RETURNING c.id`.pipe(idRows, Effect.orDie)
        if (updated.length === 0) return yield* conversationNotFound
        yield* bus.publish(new AssignmentChanged({
          organizationId: caller.organizationId,
          conversationId: ConversationId.make(id),
          at: DateTime.makeUnsafe(yield* Clock.currentTimeMillis),
          assignedTo: userId === null ? null : UserId.make(userId),
          byUserId: caller.id
        }))
        return yield* get(caller, id)
      })

      return ConversationsView.of({ list, get, messages, setMode, assign })
    })
  )
}
