/**
 * Durable follow-ups. `schedule` writes a PENDING row (moved out of the business's quiet
 * hours) and wakes the scheduler here and in other processes (NOTIFY). `complete` records how
 * a fired follow-up ended; `cancelPending` ends every pending one of a conversation.
 */
import { PgClient } from "@effect/sql-pg"
import { Clock, Context, DateTime, Effect, Layer, Queue } from "effect"
import { SqlClient } from "effect/sql"
import { StoreError } from "../conversations/StoreError.ts"
import { FollowUpChanged } from "../domain/events.ts"
import type { ConversationId, OrganizationId, ScheduledActionId } from "../domain/ids.ts"
import { EventBus } from "../events/EventBus.ts"
import { outsideQuietHours } from "./quietHours.ts"
import { FOLLOWUP_CHANNEL } from "./store.ts"

export interface ScheduleRequest {
  readonly organizationId: OrganizationId
  readonly conversationId: ConversationId
  /** epoch ms, before quiet hours are applied */
  readonly dueAt: number
  readonly context: Record<string, unknown>
}

export class FollowUps extends Context.Service<FollowUps, {
  readonly schedule: (request: ScheduleRequest) => Effect.Effect<{ readonly id: ScheduledActionId; readonly dueAt: number }, StoreError>
  readonly complete: (
    key: { readonly organizationId: OrganizationId; readonly conversationId: ConversationId; readonly id: ScheduledActionId },
    status: "EXECUTED" | "CANCELLED",
    outcome: string
  ) => Effect.Effect<void, StoreError>
  readonly cancelPending: (
    key: { readonly organizationId: OrganizationId; readonly conversationId: ConversationId },
    reason: string
  ) => Effect.Effect<number, StoreError>
  /** in-process wake-ups of the scheduler (a sliding queue of one) */
  readonly wakeups: Queue.Dequeue<void>
}>()("wa/FollowUps") {
  static readonly layer = Layer.effect(
    FollowUps,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const pg = yield* PgClient.PgClient
      const bus = yield* EventBus
      const wake = yield* Queue.sliding<void>(1)

      const publish = (
        key: { readonly organizationId: OrganizationId; readonly conversationId: ConversationId },
        id: ScheduledActionId,
        change: FollowUpChanged["change"],
        dueAt: number,
        reason: string | null
      ) =>
        Effect.flatMap(DateTime.now, (at) =>
          bus.publish(new FollowUpChanged({ ...key, at, scheduledActionId: id, change, dueAt: DateTime.makeUnsafe(dueAt), reason })))

      const schedule = Effect.fn("FollowUps.schedule")(function*(request: ScheduleRequest) {
        const [profile] = yield* sql<{ timezone: string; quietHoursStart: string | null; quietHoursEnd: string | null }>`
          SELECT timezone, quiet_hours_start::text, quiet_hours_end::text FROM business_profiles
          WHERE organization_id = ${request.organizationId}`
        const dueAt = profile === undefined
          ? request.dueAt
          : outsideQuietHours(request.dueAt, { timezone: profile.timezone, start: profile.quietHoursStart, end: profile.quietHoursEnd })
        const [row] = yield* sql<{ id: ScheduledActionId }>`
          INSERT INTO scheduled_actions (organization_id, conversation_id, scheduled_at, action_type, action_context)
          VALUES (${request.organizationId}, ${request.conversationId}, ${new Date(dueAt)}, 'followup', ${JSON.stringify(request.context)}::jsonb)
          RETURNING id`
        yield* sql`UPDATE conversations SET scheduled_followup_at = ${new Date(dueAt)}, updated_at = now()
          WHERE id = ${request.conversationId} AND organization_id = ${request.organizationId}`
        const id = row?.id
        if (id === undefined) return yield* Effect.die("INSERT … RETURNING gave no row")
        yield* Queue.offer(wake, undefined)
        yield* pg.notify(FOLLOWUP_CHANNEL, "")
        yield* publish(request, id, "scheduled", dueAt, dueAt === request.dueAt ? null : "moved out of quiet hours")
        return { id, dueAt }
      }, Effect.mapError(StoreError.from))

      const complete = Effect.fn("FollowUps.complete")(function*(
        key: { readonly organizationId: OrganizationId; readonly conversationId: ConversationId; readonly id: ScheduledActionId },
        status: "EXECUTED" | "CANCELLED",
        outcome: string
      ) {
        const now = new Date(yield* Clock.currentTimeMillis)
        const rows = yield* sql<{ scheduledAt: Date }>`
          UPDATE scheduled_actions
          SET status = ${status}, outcome = ${outcome},
              executed_at = CASE WHEN ${status} = 'EXECUTED' THEN ${now} END,
              cancelled_at = CASE WHEN ${status} = 'CANCELLED' THEN ${now} END
          WHERE id = ${key.id} AND organization_id = ${key.organizationId} AND status = 'PENDING'
          RETURNING scheduled_at`
        yield* sql`UPDATE conversations SET scheduled_followup_at = NULL
          WHERE id = ${key.conversationId} AND organization_id = ${key.organizationId}
            AND NOT EXISTS (SELECT 1 FROM scheduled_actions WHERE conversation_id = ${key.conversationId} AND status = 'PENDING')`
        const row = rows[0]
        if (row !== undefined) {
          const change = status === "CANCELLED" ? "cancelled" : outcome.startsWith("skipped") ? "skipped" : "fired"
          yield* publish(key, key.id, change, row.scheduledAt.getTime(), outcome)
        }
      }, Effect.mapError(StoreError.from))

      const cancelPending = Effect.fn("FollowUps.cancelPending")(function*(
        key: { readonly organizationId: OrganizationId; readonly conversationId: ConversationId },
        reason: string
      ) {
        const now = new Date(yield* Clock.currentTimeMillis)
        const rows = yield* sql<{ id: ScheduledActionId; scheduledAt: Date }>`
          UPDATE scheduled_actions SET status = 'CANCELLED', cancelled_at = ${now}, outcome = ${reason}
          WHERE conversation_id = ${key.conversationId} AND organization_id = ${key.organizationId} AND status = 'PENDING'
          RETURNING id, scheduled_at`
        if (rows.length > 0) {
          yield* sql`UPDATE conversations SET scheduled_followup_at = NULL WHERE id = ${key.conversationId}`
        }
        yield* Effect.forEach(rows, (r) => publish(key, r.id, "cancelled", r.scheduledAt.getTime(), reason), { discard: true })
        return rows.length
      }, Effect.mapError(StoreError.from))

      return FollowUps.of({ schedule, complete, cancelPending, wakeups: wake })
    })
  )
}
