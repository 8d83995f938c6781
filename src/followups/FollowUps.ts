/**
 * Durable follow-ups. `schedule` writes a PENDING row (moved out of the business's quiet
 * hours) unless the lead opted out or a person has the conversation: the check and the insert
 * hold the conversation's row lock, so an opt-out or a takeover committing meanwhile is seen
 * (the database's trigger then wakes every scheduler: `migrations/0011_followup_notify.sql`).
 * `reschedule` replaces a fired follow-up by a later one in one transaction; `complete` records
 * how a fired follow-up ended and `amend` corrects that record after the fact (its send failed);
 * `cancelPending` ends every pending one of a conversation.
 */
import { Clock, Context, DateTime, Effect, Layer, Queue, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { StoreError } from "../records/StoreError.ts"
import { FollowUpChanged } from "../domain/events.ts"
import { type ConversationId, type OrganizationId, ScheduledActionId } from "../domain/ids.ts"
import { decodeRows } from "../db/rows.ts"
import { EventBus } from "../events/EventBus.ts"
import { outsideQuietHours } from "./quietHours.ts"
import type { Refusal, ScheduleOutcome } from "../records/followUpStore.ts"

const quietHoursRows = decodeRows(Schema.Struct({
  timezone: Schema.String,
  quietHoursStart: Schema.NullOr(Schema.String),
  quietHoursEnd: Schema.NullOr(Schema.String)
}))
const conversationRows = decodeRows(Schema.Struct({ mode: Schema.String, optedOut: Schema.Boolean }))
const scheduledIdRows = decodeRows(Schema.Struct({ id: ScheduledActionId }))
const rescheduleRows = decodeRows(Schema.Struct({ reschedules: Schema.Int, scheduledAt: Schema.Date }))
const scheduledAtRows = decodeRows(Schema.Struct({ scheduledAt: Schema.Date }))
const cancelledRows = decodeRows(Schema.Struct({ id: ScheduledActionId, scheduledAt: Schema.Date }))

export interface ScheduleRequest {
  readonly organizationId: OrganizationId
  readonly conversationId: ConversationId
  /** epoch ms, before quiet hours are applied */
  readonly dueAt: number
  readonly context: Record<string, unknown>
}

export interface RescheduleRequest {
  /** epoch ms, before quiet hours are applied */
  readonly dueAt: number
  readonly context: Record<string, unknown>
  /** what the fired follow-up's turn decided (its recorded outcome: `rescheduled: <why>`) */
  readonly why: string
  /** follow-ups rescheduled in a row at most (then `reschedule_limit`) */
  readonly limit: number
}

type ConversationRef = { readonly organizationId: OrganizationId; readonly conversationId: ConversationId }
type FollowUpRef = ConversationRef & { readonly id: ScheduledActionId }

export class FollowUps extends Context.Service<FollowUps, {
  readonly schedule: (request: ScheduleRequest) => Effect.Effect<ScheduleOutcome, StoreError>
  readonly reschedule: (from: FollowUpRef, request: RescheduleRequest) => Effect.Effect<ScheduleOutcome, StoreError>
  readonly complete: (key: FollowUpRef, status: "EXECUTED" | "CANCELLED", outcome: string) => Effect.Effect<void, StoreError>
  /** A fired (EXECUTED) follow-up's outcome, corrected: e.g. its send failed after it was marked. */
  readonly amend: (key: FollowUpRef, outcome: string) => Effect.Effect<void, StoreError>
  readonly cancelPending: (key: ConversationRef, reason: string) => Effect.Effect<number, StoreError>
  /** in-process wake-ups of the scheduler (a sliding queue of one) */
  readonly wakeups: Queue.Dequeue<void>
}>()("wa/FollowUps") {
  static readonly layer = Layer.effect(
    FollowUps,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const bus = yield* EventBus
      const wake = yield* Queue.sliding<void>(1)

      const publish = (key: ConversationRef, id: ScheduledActionId, change: FollowUpChanged["change"], dueAt: number, reason: string | null) =>
        Effect.flatMap(DateTime.now, (at) =>
          bus.publish(new FollowUpChanged({ ...key, at, scheduledActionId: id, change, dueAt: DateTime.makeUnsafe(dueAt), reason })))

      const refused = (reason: Refusal) => ({ _tag: "Refused", reason }) satisfies ScheduleOutcome

      /** The due time moved out of the business's quiet hours. */
      const quietAdjusted = Effect.fnUntraced(function*(organizationId: OrganizationId, due: number) {
        const [profile] = yield* sql`
          SELECT timezone, quiet_hours_start::text, quiet_hours_end::text FROM business_profiles
          WHERE organization_id = ${organizationId}`.pipe(quietHoursRows)
        return profile === undefined
          ? due
          : outsideQuietHours(due, { timezone: profile.timezone, start: profile.quietHoursStart, end: profile.quietHoursEnd })
      })

      /**
       * Locks the conversation's row (in the caller's transaction) and says why no follow-up may
       * be written, if so. An opt-out or a takeover that commits first is seen here; one that
       * commits later waits for this transaction and then cancels what it wrote.
       */
      const refusal = Effect.fnUntraced(function*(key: ConversationRef) {
        const [c] = yield* sql`
          SELECT c.mode, (c.opted_out_at IS NOT NULL OR l.opted_out_at IS NOT NULL) AS opted_out
          FROM conversations c JOIN leads l ON l.id = c.lead_id AND l.organization_id = c.organization_id
          WHERE c.id = ${key.conversationId} AND c.organization_id = ${key.organizationId}
          FOR UPDATE OF c`.pipe(conversationRows)
        if (c === undefined) return "gone" as const
        if (c.optedOut) return "opted_out" as const
        if (c.mode !== "bot") return "human_mode" as const
        return null
      })

      const insert = Effect.fnUntraced(function*(key: ConversationRef, dueAt: number, context: Record<string, unknown>) {
        const [row] = yield* sql`
          INSERT INTO scheduled_actions (organization_id, conversation_id, scheduled_at, action_type, action_context)
          VALUES (${key.organizationId}, ${key.conversationId}, ${new Date(dueAt)}, 'followup', ${JSON.stringify(context)}::jsonb)
          RETURNING id`.pipe(scheduledIdRows)
        if (row === undefined) return yield* Effect.die("INSERT … RETURNING gave no row")
        yield* sql`UPDATE conversations SET scheduled_followup_at = ${new Date(dueAt)}, updated_at = now()
          WHERE id = ${key.conversationId} AND organization_id = ${key.organizationId}`
        return row.id
      })

      const scheduled = (key: ConversationRef, id: ScheduledActionId, dueAt: number, requested: number) =>
        Effect.gen(function*() {
          yield* Queue.offer(wake, undefined)
          yield* publish(key, id, "scheduled", dueAt, dueAt === requested ? null : "moved out of quiet hours")
          return { _tag: "Scheduled", id, dueAt } satisfies ScheduleOutcome
        })

      const schedule = Effect.fn("FollowUps.schedule")(function*(request: ScheduleRequest) {
        const key = { organizationId: request.organizationId, conversationId: request.conversationId }
        const dueAt = yield* quietAdjusted(request.organizationId, request.dueAt)
        const written = yield* sql.withTransaction(Effect.gen(function*() {
          const no = yield* refusal(key)
          return no === null ? yield* insert(key, dueAt, request.context) : refused(no)
        }))
        if (typeof written !== "string") {
          yield* Effect.logInfo("follow-up not scheduled").pipe(Effect.annotateLogs({ reason: written.reason }))
          return written
        }
        return yield* scheduled(key, written, dueAt, request.dueAt)
      }, Effect.mapError(StoreError.from))

      const reschedule = Effect.fn("FollowUps.reschedule")(function*(from: FollowUpRef, request: RescheduleRequest) {
        const key = { organizationId: from.organizationId, conversationId: from.conversationId }
        const dueAt = yield* quietAdjusted(from.organizationId, request.dueAt)
        const now = new Date(yield* Clock.currentTimeMillis)
        const outcome = `rescheduled: ${request.why}`
        // conversation first, then its follow-ups: the order every writer of both takes (no deadlock)
        const written = yield* sql.withTransaction(Effect.gen(function*() {
          const no = yield* refusal(key)
          if (no !== null) return refused(no)
          const [old] = yield* sql`
            SELECT CASE WHEN jsonb_typeof(action_context->'reschedules') = 'number'
                        THEN (action_context->>'reschedules')::numeric::int ELSE 0 END AS reschedules, scheduled_at
            FROM scheduled_actions
            WHERE id = ${from.id} AND organization_id = ${from.organizationId} AND conversation_id = ${from.conversationId}
              AND status = 'PENDING'
            FOR UPDATE`.pipe(rescheduleRows)
          if (old === undefined) return refused("not_pending")
          if (old.reschedules >= request.limit) return refused("reschedule_limit")
          const id = yield* insert(key, dueAt, { ...request.context, reschedules: old.reschedules + 1, rescheduledFrom: from.id })
          yield* sql`UPDATE scheduled_actions SET status = 'EXECUTED', outcome = ${outcome}, executed_at = ${now}
            WHERE id = ${from.id} AND organization_id = ${from.organizationId}`
          return { id, firedDueAt: old.scheduledAt.getTime() }
        }))
        if ("_tag" in written) {
          yield* Effect.logInfo("follow-up not rescheduled").pipe(Effect.annotateLogs({ reason: written.reason }))
          return written
        }
        yield* publish(key, from.id, "fired", written.firedDueAt, outcome)
        return yield* scheduled(key, written.id, dueAt, request.dueAt)
      }, Effect.mapError(StoreError.from))

      const complete = Effect.fn("FollowUps.complete")(function*(key: FollowUpRef, status: "EXECUTED" | "CANCELLED", outcome: string) {
        const now = new Date(yield* Clock.currentTimeMillis)
        const rows = yield* sql`
          UPDATE scheduled_actions
          SET status = ${status}, outcome = ${outcome},
              executed_at = CASE WHEN ${status} = 'EXECUTED' THEN ${now} END,
              cancelled_at = CASE WHEN ${status} = 'CANCELLED' THEN ${now} END
          WHERE id = ${key.id} AND organization_id = ${key.organizationId} AND status = 'PENDING'
          RETURNING scheduled_at`.pipe(scheduledAtRows)
        yield* sql`UPDATE conversations SET scheduled_followup_at = NULL
          WHERE id = ${key.conversationId} AND organization_id = ${key.organizationId}
            AND NOT EXISTS (SELECT 1 FROM scheduled_actions WHERE conversation_id = ${key.conversationId} AND status = 'PENDING')`
        const row = rows[0]
        if (row !== undefined) {
          const change = status === "CANCELLED" ? "cancelled" : outcome.startsWith("skipped") ? "skipped" : "fired"
          yield* publish(key, key.id, change, row.scheduledAt.getTime(), outcome)
        }
      }, Effect.mapError(StoreError.from))

      const amend = Effect.fn("FollowUps.amend")(function*(key: FollowUpRef, outcome: string) {
        yield* sql`UPDATE scheduled_actions SET outcome = ${outcome}
          WHERE id = ${key.id} AND organization_id = ${key.organizationId} AND status = 'EXECUTED'`
      }, Effect.mapError(StoreError.from))

      const cancelPending = Effect.fn("FollowUps.cancelPending")(function*(key: ConversationRef, reason: string) {
        const now = new Date(yield* Clock.currentTimeMillis)
        const rows = yield* sql`
          UPDATE scheduled_actions SET status = 'CANCELLED', cancelled_at = ${now}, outcome = ${reason}
          WHERE conversation_id = ${key.conversationId} AND organization_id = ${key.organizationId} AND status = 'PENDING'
          RETURNING id, scheduled_at`.pipe(cancelledRows)
        if (rows.length > 0) {
          yield* sql`UPDATE conversations SET scheduled_followup_at = NULL WHERE id = ${key.conversationId}`
        }
        yield* Effect.forEach(rows, (r) => publish(key, r.id, "cancelled", r.scheduledAt.getTime(), reason), { discard: true })
        return rows.length
      }, Effect.mapError(StoreError.from))

      return FollowUps.of({ schedule, reschedule, complete, amend, cancelPending, wakeups: wake })
    })
  )
}
