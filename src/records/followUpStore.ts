/** SQL for durable follow-ups (`scheduled_actions`). Times come from the caller's Clock. */
import { Array as Arr, Effect, Schema } from "effect"
import { SqlClient, SqlSchema } from "effect/sql"
import { ConversationId, OrganizationId, ScheduledActionId } from "../domain/ids.ts"
import { decodeRows } from "../db/rows.ts"

const nextWakeRows = decodeRows(Schema.Struct({ next: Schema.NullOr(Schema.Date) }))

/** The scheduler's wake-up channel: the `scheduled_actions` trigger (migrations/0011) NOTIFYs it. */
export const FOLLOWUP_CHANNEL = "followups"

export const Claimed = Schema.Struct({
  id: ScheduledActionId,
  organizationId: OrganizationId,
  conversationId: ConversationId,
  /** its due time: a row claimed ahead is delivered then */
  scheduledAt: Schema.Date
})
export type Claimed = typeof Claimed.Type

/**
 * Claim rows due by `until` (default `now`: only what is due), and rows whose claim is older than
 * `staleBefore` (their claimer died), at most `limit`, earliest first; `now` is the claim's time.
 */
export const ClaimRequest = Schema.Struct({
  now: Schema.Date,
  until: Schema.optional(Schema.Date),
  claimer: Schema.String,
  staleBefore: Schema.Date,
  limit: Schema.Int
})
export type ClaimRequest = typeof ClaimRequest.Type

export const ReleaseRequest = Schema.Struct({ ids: Schema.Array(ScheduledActionId), claimer: Schema.String })
export type ReleaseRequest = typeof ReleaseRequest.Type

/** Claims released per statement. */
const RELEASE_CHUNK = 1000

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

  // `id = ANY(ARRAY(…))`, not `id IN (…)`: the planner hash-joined `IN` against a sequential scan of
  // the whole table (every row ever scheduled) for a batch of 1000; the array is looked up by key.

  /** Unclaimed rows due by `until`, earliest first. */
  const claimFresh = SqlSchema.findAll({
    Request: ClaimRequest,
    Result: Claimed,
    execute: ({ now, until, claimer, limit }) => sql`
      UPDATE scheduled_actions SET claimed_at = ${now}, claimed_by = ${claimer}
      WHERE id = ANY(ARRAY(
        SELECT id FROM scheduled_actions
        WHERE status = 'PENDING' AND claimed_at IS NULL AND scheduled_at <= ${until ?? now}
        ORDER BY scheduled_at LIMIT ${limit}
        FOR UPDATE SKIP LOCKED))
      RETURNING id, organization_id, conversation_id, scheduled_at`
  })

  /** Rows whose claimer died before finishing them (the claim is older than the TTL). */
  const claimStale = SqlSchema.findAll({
    Request: ClaimRequest,
    Result: Claimed,
    execute: ({ now, claimer, staleBefore, limit }) => sql`
      UPDATE scheduled_actions SET claimed_at = ${now}, claimed_by = ${claimer}
      WHERE id = ANY(ARRAY(
        SELECT id FROM scheduled_actions
        WHERE status = 'PENDING' AND claimed_at IS NOT NULL AND claimed_at < ${staleBefore}
        ORDER BY claimed_at LIMIT ${limit}
        FOR UPDATE SKIP LOCKED))
      RETURNING id, organization_id, conversation_id, scheduled_at`
  })

  const claimDue = (request: ClaimRequest) =>
    Effect.gen(function*() {
      const fresh = yield* claimFresh(request)
      const stale = fresh.length < request.limit ? yield* claimStale({ ...request, limit: request.limit - fresh.length }) : []
      return [...fresh, ...stale]
    })

  /** When the scheduler must look again: the earliest unclaimed due time, or the oldest claim's expiry. */
  const nextWake = (claimTtlMs: number) =>
    sql`
      SELECT least(
        (SELECT min(scheduled_at) FROM scheduled_actions WHERE status = 'PENDING' AND claimed_at IS NULL),
        (SELECT min(claimed_at) FROM scheduled_actions WHERE status = 'PENDING' AND claimed_at IS NOT NULL)
          + make_interval(secs => ${claimTtlMs / 1000})) AS next`.pipe(nextWakeRows, Effect.map((rows) => rows[0]?.next ?? null))

  /**
   * Gives back claims this claimer holds and has not delivered (it stops): the rows are due again
   * for any scheduler at once, not after the claim TTL (the trigger wakes them: migrations/0011).
   */
  const release = ({ claimer, ids }: ReleaseRequest) =>
    Effect.forEach(Arr.chunksOf(ids, RELEASE_CHUNK), (chunk) =>
      sql`UPDATE scheduled_actions SET claimed_at = NULL, claimed_by = NULL
        WHERE id IN ${sql.in(chunk)} AND claimed_by = ${claimer} AND status = 'PENDING'`, { discard: true })

  return { claimDue, nextWake, release }
})
