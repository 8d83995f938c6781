/**
 * The web inbox's reads beyond lists, and cancelling a follow-up. Every query is scoped by the
 * caller's organization; a conversation of a deleted lead, or of another organization, is "not
 * found" (through ConversationsView.get, which every call here starts with).
 */
import { Clock, Context, Effect, Layer, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { Caller } from "../../domain/dashboard/auth.ts"
import { Conflict, NotFound, ValidationError } from "../../domain/dashboard/errors.ts"
import type { ActivityPage, ActivityQuery, ConversationDetail, FollowUpItem, FollowUpList, TemplateList } from "../../domain/dashboard/inbox.ts"
import { Transport } from "../../domain/enums.ts"
import { ConversationId, ScheduledActionId } from "../../domain/ids.ts"
import { DAY_MS, windowOpen } from "../../domain/window.ts"
import { FollowUps } from "../../followups/FollowUps.ts"
import { ConversationsView } from "../conversations/ConversationsView.ts"
import { Leads } from "../leads/Leads.ts"
import { decodeRows } from "../../db/rows.ts"
import { DEFAULT_LIMIT, decodeCursor, encodeCursor, isoOrNull } from "../paging.ts"
import { assembleActivity } from "./activity.ts"

const DetailRow = Schema.Struct({
  rollingSummary: Schema.String,
  lastUserMessageAt: Schema.NullOr(Schema.Date),
  optedOut: Schema.Boolean,
  language: Schema.NullOr(Schema.String),
  channelId: Schema.String,
  displayPhoneNumber: Schema.String,
  transport: Transport,
  health: Schema.String
})

const AnchorRow = Schema.Struct({
  id: Schema.String,
  cursorKey: Schema.String,
  eventType: Schema.Literals(["turn", "handoff", "takeover", "release"]),
  createdAt: Schema.Date,
  outcome: Schema.NullOr(Schema.String),
  why: Schema.NullOr(Schema.String),
  reason: Schema.NullOr(Schema.String),
  byUserId: Schema.NullOr(Schema.String)
})

const StepRow = Schema.Struct({
  id: Schema.String,
  createdAt: Schema.Date,
  pipelineStep: Schema.NullOr(Schema.String),
  outcome: Schema.NullOr(Schema.String),
  latencyMs: Schema.NullOr(Schema.Int),
  tokensIn: Schema.NullOr(Schema.Int),
  tokensOut: Schema.NullOr(Schema.Int),
  model: Schema.NullOr(Schema.String),
  inputSummary: Schema.NullOr(Schema.String),
  outputSummary: Schema.NullOr(Schema.String),
  finalAction: Schema.NullOr(Schema.String),
  violations: Schema.Unknown
})

const FollowUpRow = Schema.Struct({
  id: Schema.String,
  status: Schema.Literals(["PENDING", "EXECUTED", "CANCELLED"]),
  scheduledAt: Schema.Date,
  createdAt: Schema.Date,
  why: Schema.NullOr(Schema.String),
  templateRequired: Schema.NullOr(Schema.Boolean),
  outcome: Schema.NullOr(Schema.String)
})
type FollowUpRow = typeof FollowUpRow.Type

const TemplateRow = Schema.Struct({ name: Schema.String, language: Schema.String, parameters: Schema.Int })

const toFollowUpItem = (r: FollowUpRow): FollowUpItem => ({
  id: r.id,
  status: r.status,
  due_at: r.scheduledAt.toISOString(),
  created_at: r.createdAt.toISOString(),
  why: r.why,
  template_required: r.templateRequired ?? false,
  outcome: r.outcome
})

const followUpNotFound = new NotFound({ message: "Follow-up not found" })
const badCursor = new ValidationError({ message: "cursor: is not a cursor returned by this list" })
/** Finished follow-ups listed after the pending ones. */
const FINISHED_SHOWN = 10

export class InboxView extends Context.Service<InboxView, {
  readonly detail: (caller: Caller, id: string) => Effect.Effect<ConversationDetail, NotFound>
  readonly activity: (caller: Caller, id: string, query: ActivityQuery) => Effect.Effect<ActivityPage, NotFound | ValidationError>
  readonly followUps: (caller: Caller, id: string) => Effect.Effect<FollowUpList, NotFound>
  readonly cancelFollowUp: (caller: Caller, id: string, followUpId: string) => Effect.Effect<FollowUpItem, NotFound | Conflict>
  readonly templates: (caller: Caller) => Effect.Effect<TemplateList>
}>()("wa/dashboard/InboxView") {
  static readonly layer = Layer.effect(
    InboxView,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const view = yield* ConversationsView
      const leads = yield* Leads
      const followUpService = yield* FollowUps

      const detail = Effect.fn("InboxView.detail")(function*(caller: Caller, id: string) {
        const conversation = yield* view.get(caller, id)
        const lead = yield* leads.get(caller, conversation.lead.id)
        const [row] = yield* sql`
          SELECT c.rolling_summary, c.last_user_message_at, c.language,
                 (c.opted_out_at IS NOT NULL OR l.opted_out_at IS NOT NULL) AS opted_out,
                 ch.id AS channel_id, ch.display_phone_number, ch.transport, ch.health
          FROM conversations c
          JOIN leads l ON l.id = c.lead_id AND l.organization_id = c.organization_id
          JOIN channels ch ON ch.id = c.channel_id AND ch.organization_id = c.organization_id
          WHERE c.id = ${id} AND c.organization_id = ${caller.organizationId}`.pipe(decodeRows(DetailRow), Effect.orDie)
        if (row === undefined) return yield* new NotFound({ message: "Conversation not found" })
        const now = yield* Clock.currentTimeMillis
        const result: ConversationDetail = {
          conversation,
          lead,
          rolling_summary: row.rollingSummary,
          last_user_message_at: isoOrNull(row.lastUserMessageAt),
          window_open: windowOpen(row.lastUserMessageAt, now),
          window_closes_at: row.lastUserMessageAt === null ? null : new Date(row.lastUserMessageAt.getTime() + DAY_MS).toISOString(),
          opted_out: row.optedOut,
          language: row.language,
          channel: { id: row.channelId, display_phone_number: row.displayPhoneNumber, transport: row.transport, health: row.health }
        }
        return result
      })

      /**
       * Newest first; `limit` counts decisions, handoffs, takeovers and releases. The HTL steps of
       * the same period come with them (see activity.ts), so a page may hold a few more entries.
       */
      const activity = Effect.fn("InboxView.activity")(function*(caller: Caller, id: string, query: ActivityQuery) {
        yield* view.get(caller, id)
        const limit = query.limit ?? DEFAULT_LIMIT
        const cursor = decodeCursor(query.cursor)
        if (cursor === null) return yield* badCursor
        const scope = [sql`e.organization_id = ${caller.organizationId}`, sql`e.conversation_id = ${id}`]
        const anchors = yield* sql`
          SELECT e.id, e.created_at::text AS cursor_key, e.event_type, e.created_at, e.outcome,
                 e.details->>'why' AS why, e.details->>'reason' AS reason, e.details->>'by_user_id' AS by_user_id
          FROM conversation_events e
          WHERE ${sql.and([
            ...scope,
            sql`e.event_type IN ('turn', 'handoff', 'takeover', 'release')`,
            ...(cursor === undefined ? [] : [sql`(e.created_at, e.id) < (${cursor.k}::timestamptz, ${cursor.id}::uuid)`])
          ])}
          ORDER BY e.created_at DESC, e.id DESC
          LIMIT ${limit + 1}`.pipe(decodeRows(AnchorRow), Effect.orDie)
        const shown = anchors.slice(0, limit)
        const last = shown.at(-1)
        const oldest = anchors.length > limit ? last : undefined
        // the steps of this page's period: before the cursor, and after the oldest entry shown when older ones exist
        const steps = yield* sql`
          SELECT e.id, e.created_at, e.pipeline_step, e.outcome, e.latency_ms, e.tokens_in, e.tokens_out, e.model,
                 e.input_summary, e.output_summary, e.details->>'finalAction' AS final_action, e.details->'violations' AS violations
          FROM conversation_events e
          WHERE ${sql.and([
            ...scope,
            sql`e.event_type = 'htl_step'`,
            ...(oldest === undefined ? [] : [sql`e.created_at >= ${oldest.createdAt}`]),
            ...(cursor === undefined ? [] : [sql`e.created_at < ${cursor.k}::timestamptz`])
          ])}
          -- a turn's steps share one created_at (one INSERT); ctid keeps the order they were written in
          ORDER BY e.created_at, e.ctid
          LIMIT 2000`.pipe(decodeRows(StepRow), Effect.orDie)
        const page: ActivityPage = {
          items: assembleActivity(shown, steps),
          next_cursor: oldest === undefined ? null : encodeCursor(oldest.cursorKey, oldest.id)
        }
        return page
      })

      const followUpColumns = sql`s.id, s.status, s.scheduled_at, s.created_at, s.action_context->>'why' AS why,
        (s.action_context->>'templateRequired')::boolean AS template_required, s.outcome`

      const followUps = Effect.fn("InboxView.followUps")(function*(caller: Caller, id: string) {
        yield* view.get(caller, id)
        const rows = yield* sql`
          (SELECT ${followUpColumns} FROM scheduled_actions s
           WHERE s.organization_id = ${caller.organizationId} AND s.conversation_id = ${id} AND s.status = 'PENDING'
           ORDER BY s.scheduled_at LIMIT 100)
          UNION ALL
          (SELECT ${followUpColumns} FROM scheduled_actions s
           WHERE s.organization_id = ${caller.organizationId} AND s.conversation_id = ${id} AND s.status <> 'PENDING'
           ORDER BY coalesce(s.executed_at, s.cancelled_at, s.scheduled_at) DESC LIMIT ${FINISHED_SHOWN})`
          .pipe(decodeRows(FollowUpRow), Effect.orDie)
        const list: FollowUpList = { items: rows.map(toFollowUpItem) }
        return list
      })

      const readFollowUp = (caller: Caller, id: string, followUpId: string) =>
        sql`SELECT ${followUpColumns} FROM scheduled_actions s
            WHERE s.id = ${followUpId} AND s.conversation_id = ${id} AND s.organization_id = ${caller.organizationId}`.pipe(
          decodeRows(FollowUpRow),
          Effect.orDie,
          Effect.map((rows) => rows[0])
        )

      /** Through FollowUps, like every other cancellation: the row, the conversation and the live event. */
      const cancelFollowUp = Effect.fn("InboxView.cancelFollowUp")(function*(caller: Caller, id: string, followUpId: string) {
        yield* view.get(caller, id)
        const before = yield* readFollowUp(caller, id, followUpId)
        if (before === undefined) return yield* followUpNotFound
        if (before.status !== "PENDING") return yield* new Conflict({ message: `This follow-up is no longer pending (${before.status.toLowerCase()})` })
        yield* followUpService.complete({
          organizationId: caller.organizationId,
          conversationId: ConversationId.make(id),
          id: ScheduledActionId.make(followUpId)
        }, "CANCELLED", "cancelled: by a person").pipe(Effect.orDie)
        const after = yield* readFollowUp(caller, id, followUpId)
        if (after === undefined) return yield* followUpNotFound
        if (after.status !== "CANCELLED") return yield* new Conflict({ message: `This follow-up is no longer pending (${after.status.toLowerCase()})` })
        return toFollowUpItem(after)
      })

      /** The profile's follow-up template, then those sent before (newest first). */
      const templates = Effect.fn("InboxView.templates")(function*(caller: Caller) {
        const configured = yield* sql`
          SELECT followup_template_name AS name, coalesce(followup_template_language, 'en') AS language, 0 AS parameters
          FROM business_profiles WHERE organization_id = ${caller.organizationId} AND followup_template_name IS NOT NULL
            AND btrim(followup_template_name) <> ''`.pipe(decodeRows(TemplateRow), Effect.orDie)
        const sent = yield* sql`
          SELECT name, language, parameters FROM (
            SELECT DISTINCT ON (t.name, t.language) t.name, t.language, t.parameters, t.created_at
            FROM (SELECT coalesce(m.payload->'template', m.payload)->>'name' AS name,
                         coalesce(coalesce(m.payload->'template', m.payload)->>'language', 'en') AS language,
                         coalesce(jsonb_array_length(CASE WHEN jsonb_typeof(coalesce(m.payload->'template', m.payload)->'parameters') = 'array'
                           THEN coalesce(m.payload->'template', m.payload)->'parameters' END), 0) AS parameters,
                         m.created_at
                  FROM messages m
                  WHERE m.organization_id = ${caller.organizationId} AND m.type = 'template' AND m.payload IS NOT NULL
                  ORDER BY m.created_at DESC LIMIT 1000) t
            WHERE t.name IS NOT NULL
            ORDER BY t.name, t.language, t.created_at DESC) latest
          ORDER BY created_at DESC LIMIT 50`.pipe(decodeRows(TemplateRow), Effect.orDie)
        const seen = new Set(configured.map((t) => `${t.name}\u0000${t.language}`))
        const list: TemplateList = {
          items: [
            ...configured.map((t) => ({ ...t, parameters: sent.find((s) => s.name === t.name && s.language === t.language)?.parameters ?? 0, source: "followup" as const })),
            ...sent.filter((t) => !seen.has(`${t.name}\u0000${t.language}`)).map((t) => ({ ...t, source: "sent" as const }))
          ]
        }
        return list
      })

      return InboxView.of({ detail, activity, followUps, cancelFollowUp, templates })
    })
  )
}
