/** SQL for durable follow-ups (`scheduled_actions`). Times come from the caller's Clock. */
import { Effect, Schema } from "effect"
import { SqlClient, SqlSchema } from "effect/sql"
import { ConversationId, OrganizationId, ScheduledActionId } from "../domain/ids.ts"

/** The scheduler's wake-up channel: the `scheduled_actions` trigger (migrations/0011) NOTIFYs it. */
export const FOLLOWUP_CHANNEL = "followups"

export const Claimed = Schema.Struct({
  id: ScheduledActionId,
  organizationId: OrganizationId,
  conversationId: ConversationId
})
export type Claimed = typeof Claimed.Type

export const ClaimRequest = Schema.Struct({ now: Schema.Date, claimer: Schema.String, staleBefore: Schema.Date, limit: Schema.Int })
export type ClaimRequest = typeof ClaimRequest.Type

/**
 * Why no follow-up was written: the lead opted out, a person has the conversation, it is gone,
 * the follow-up being rescheduled is no longer pending, or it was rescheduled too often in a row.
 */
export const Refusal = Schema.Literals(["opted_out", "human_mode", "gone", "not_pending", "reschedule_limit"])
export type Refusal = typeof Refusal.Type

export const ScheduleOutcome = Schema.Union([
  Schema.TaggedStruct("Scheduled", { id: ScheduledActionId, dueAt: Schema.Finite }),
  Schema.TaggedStruct("Refused", { reason: Refusal })
])
export type ScheduleOutcome = typeof ScheduleOutcome.Type

/** A follow-up's own wake-up signal on the wire (workers hear the database's NOTIFY through the API). */
export const FollowUpSignal = Schema.Literal("due")

export const makeFollowUpStore = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  /** Unclaimed rows that are due, earliest first. */
  const claimFresh = SqlSchema.findAll({
    Request: ClaimRequest,
    Result: Claimed,
    execute: ({ now, claimer, limit }) => sql`
      UPDATE scheduled_actions SET claimed_at = ${now}, claimed_by = ${claimer}
      WHERE id IN (
        SELECT id FROM scheduled_actions
        WHERE status = 'PENDING' AND claimed_at IS NULL AND scheduled_at <= ${now}
        ORDER BY scheduled_at LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
      RETURNING id, organization_id, conversation_id`
  })

  /** Rows whose claimer died before finishing them (the claim is older than the TTL). */
  const claimStale = SqlSchema.findAll({
    Request: ClaimRequest,
    Result: Claimed,
    execute: ({ now, claimer, staleBefore, limit }) => sql`
      UPDATE scheduled_actions SET claimed_at = ${now}, claimed_by = ${claimer}
      WHERE id IN (
        SELECT id FROM scheduled_actions
        WHERE status = 'PENDING' AND claimed_at IS NOT NULL AND claimed_at < ${staleBefore}
        ORDER BY claimed_at LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
      RETURNING id, organization_id, conversation_id`
  })

  const claimDue = (request: ClaimRequest) =>
    Effect.gen(function*() {
      const fresh = yield* claimFresh(request)
      const stale = fresh.length < request.limit ? yield* claimStale({ ...request, limit: request.limit - fresh.length }) : []
      return [...fresh, ...stale]
    })

  /** When the scheduler must look again: the earliest unclaimed due time, or the oldest claim's expiry. */
  const nextWake = (claimTtlMs: number) =>
    sql<{ next: Date | null }>`
      SELECT least(
        (SELECT min(scheduled_at) FROM scheduled_actions WHERE status = 'PENDING' AND claimed_at IS NULL),
        (SELECT min(claimed_at) FROM scheduled_actions WHERE status = 'PENDING' AND claimed_at IS NOT NULL)
          + make_interval(secs => ${claimTtlMs / 1000})) AS next`.pipe(Effect.map((rows) => rows[0]?.next ?? null))

  return { claimDue, nextWake }
})
