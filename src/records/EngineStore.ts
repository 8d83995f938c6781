/**
 * Everything the engine reads and writes in the system of record, as one service with two
 * layers: `EngineStore.sql` (this process has the database) and the internal RPC client
 * (`src/internal/client.ts`: a worker without a database reaches the API's store). The shape is
 * flat on purpose: every operation is one RPC of the internal group.
 */
import { PgClient } from "@effect/sql-pg"
import { Context, Duration, Effect, Layer, type Option, Schema, Stream } from "effect"
import { SqlClient, SqlSchema } from "effect/sql"
import type { ConversationKey, MessageId, ScheduledActionId } from "../domain/ids.ts"
import { FOLLOWUP_CHANNEL, makeFollowUpStore, type Claimed, type ClaimRequest, type ReleaseRequest } from "./followUpStore.ts"
import { type Acquired, LeaseKey, type Lessee, makeLeaseSql, type Released, type Renewed } from "./leases.ts"
import { makeSnapshots, type Snapshot } from "./snapshot.ts"
import { StoreError } from "./StoreError.ts"
import { decodeRows } from "../db/rows.ts"
import { type BotTurnState, type Commit, type FollowUpRow, type HandoffOutcome, makeWrites, type NotSent, type Outbound } from "./writes.ts"
import { waitingOn } from "../observability/remoteWaits.ts"

const idRows = decodeRows(Schema.Struct({ id: Schema.String }))

export const Recovered = Schema.Struct({ unknownSends: Schema.Int, unanswered: Schema.Array(LeaseKey) })
export type Recovered = typeof Recovered.Type

type Op<A> = Effect.Effect<A, StoreError>

/** Unanswered conversations resumed per recovery pass (the next pass takes the next ones). */
export const RECOVER_BATCH = 500

export interface EngineStoreShape {
  readonly snapshot: (key: ConversationKey) => Op<Option.Option<Snapshot>>
  readonly newestLeadMessage: (key: ConversationKey) => Op<MessageId | null>
  readonly commitOutbound: (key: ConversationKey, message: Outbound, answers: MessageId | null, owner: string | null) => Op<Commit>
  /** A committed send's outcome: `sent` + wamid, else `failed`/`unknown` (only a pending row of the key's organization). */
  readonly markSent: (key: ConversationKey, messageId: MessageId, wamid: string) => Op<void>
  readonly markNotSent: (key: ConversationKey, messageId: MessageId, outcome: NotSent) => Op<void>
  readonly recordBotTurn: (key: ConversationKey, state: BotTurnState) => Op<void>
  readonly markDecided: (key: ConversationKey, messageId: MessageId) => Op<void>
  /** Bot → human, assigned to an online person if any, the staff webhook queued. Not when already human. */
  readonly handoff: (key: ConversationKey, reason: string) => Op<HandoffOutcome>
  readonly saveSummary: (key: ConversationKey, summary: string) => Op<void>
  readonly countNudge: (key: ConversationKey) => Op<void>
  /** True the first time the lead opts out. */
  readonly optOut: (key: ConversationKey) => Op<boolean>
  readonly leadWroteSince: (key: ConversationKey, since: Date) => Op<boolean>
  readonly followUpRow: (key: ConversationKey, id: ScheduledActionId) => Op<Option.Option<FollowUpRow>>
  readonly acquireLease: (key: ConversationKey, lessee: Lessee) => Op<Acquired>
  readonly renewLease: (key: ConversationKey, lessee: Lessee) => Op<Renewed>
  readonly releaseLease: (key: ConversationKey, lessee: Lessee) => Op<Released>
  /** Takes over expired leases (their owner died): its unfinished sends become `unknown`. */
  readonly takeExpiredLeases: (lessee: Lessee, limit: number) => Op<ReadonlyArray<ConversationKey>>
  readonly claimDueFollowUps: (request: ClaimRequest) => Op<ReadonlyArray<Claimed>>
  /** Claims a stopping scheduler held and did not deliver: due again for any scheduler at once. */
  readonly releaseFollowUpClaims: (request: ReleaseRequest) => Op<void>
  /** When the follow-up scheduler must look again (null: nothing pending). */
  readonly nextFollowUpWake: (claimTtlMs: number) => Op<Date | null>
  /** A follow-up was scheduled somewhere (this process or another): the scheduler looks again. */
  readonly followUpSignals: Stream.Stream<void, StoreError>
  /**
   * After a restart: bot messages left `pending` by a process that is gone become `unknown`
   * (never resent); unanswered conversations nobody holds are listed for a turn.
   */
  readonly recover: (pendingOlderThan: Duration.Duration) => Op<Recovered>
}

export class EngineStore extends Context.Service<EngineStore, EngineStoreShape>()("wa/EngineStore") {
  /** Direct SQL: the process has the database. */
  static readonly sql = Layer.effect(
    EngineStore,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const pg = yield* PgClient.PgClient
      const snapshots = yield* makeSnapshots
      const writes = yield* makeWrites
      const followUps = yield* makeFollowUpStore
      const leases = yield* makeLeaseSql
      // a turn's database time is the engine's own, reported apart (src/observability/remoteWaits.ts)
      const op = <A, E>(effect: Effect.Effect<A, E>): Op<A> => waitingOn("db")(Effect.mapError(effect, StoreError.from))

      const unanswered = SqlSchema.findAll({
        Request: Schema.Void,
        Result: LeaseKey,
        // only the conversations a stored lead message marked (migrations/0019): those found
        // answered are unmarked — skipping a row a batch is writing (it marks it again anyway), and
        // unless a newer lead message marked it again meanwhile (the mark's time differs then)
        execute: () => sql`
          WITH marked AS (
            SELECT c.id, c.organization_id, c.unchecked_lead_at, c.last_user_message_at,
              c.mode = 'bot' AND NOT EXISTS (SELECT 1 FROM conversation_leases l WHERE l.conversation_id = c.id AND l.expires_at >= now()) AS free,
              last.id IS NULL OR last.message_from <> 'LEAD' OR last.id IS NOT DISTINCT FROM c.decided_message_id OR c.opted_out_at IS NOT NULL AS answered
            FROM conversations c
            LEFT JOIN LATERAL (SELECT id, message_from FROM messages m WHERE m.conversation_id = c.id
                               ORDER BY m.created_at DESC, m.id DESC LIMIT 1) last ON true
            WHERE c.unchecked_lead_at IS NOT NULL),
          unmarked AS (
            UPDATE conversations c SET unchecked_lead_at = NULL
            WHERE c.id IN (SELECT c2.id FROM conversations c2 JOIN marked k ON k.id = c2.id
                           WHERE k.answered AND c2.unchecked_lead_at IS NOT DISTINCT FROM k.unchecked_lead_at
                           FOR NO KEY UPDATE OF c2 SKIP LOCKED))
          SELECT organization_id, id AS conversation_id FROM marked
          WHERE NOT answered AND free
          ORDER BY last_user_message_at NULLS LAST
          LIMIT ${RECOVER_BATCH}`
      })

      const recover = (pendingOlderThan: Duration.Duration) =>
        Effect.gen(function*() {
          const unknown = yield* sql`
            UPDATE messages m SET status = 'unknown', updated_at = now()
            WHERE m.status = 'pending' AND m.message_from = 'BOT'
              AND m.created_at <= now() - make_interval(secs => ${Duration.toSeconds(pendingOlderThan)})
              AND NOT EXISTS (SELECT 1 FROM conversation_leases l WHERE l.conversation_id = m.conversation_id AND l.expires_at >= now())
            RETURNING m.id`.pipe(idRows)
          return { unknownSends: unknown.length, unanswered: yield* unanswered(undefined) }
        })

      const takeExpiredLeases = (lessee: Lessee, limit: number) =>
        sql.withTransaction(Effect.gen(function*() {
          const taken = yield* leases.takeExpired(lessee, limit)
          if (taken.length > 0) {
            yield* sql`UPDATE messages SET status = 'unknown', updated_at = now()
              WHERE status = 'pending' AND message_from = 'BOT'
                AND conversation_id IN ${sql.in(taken.map((k) => k.conversationId))}`
          }
          return taken
        }))

      return EngineStore.of({
        snapshot: (key) => op(snapshots.load(key)),
        newestLeadMessage: (key) => op(snapshots.newestLeadMessage(key.conversationId)),
        commitOutbound: (key, message, answers, owner) => op(writes.commitOutbound(key, message, answers, owner)),
        markSent: (key, id, wamid) => op(writes.markSent(key, id, wamid)),
        markNotSent: (key, id, outcome) => op(writes.markNotSent(key, id, outcome)),
        recordBotTurn: (key, state) => op(writes.recordBotTurn(key, state)),
        markDecided: (key, id) => op(writes.markDecided(key, id)),
        handoff: (key, reason) => op(writes.handoff(key, reason)),
        saveSummary: (key, summary) => op(writes.saveSummary(key, summary)),
        countNudge: (key) => op(writes.countNudge(key)),
        optOut: (key) => op(writes.optOut(key)),
        leadWroteSince: (key, since) => op(writes.leadWroteSince(key, since)),
        followUpRow: (key, id) => op(writes.followUpRow(key, id)),
        acquireLease: (key, lessee) => op(leases.acquire(key, lessee)),
        renewLease: (key, lessee) => op(leases.renew(key, lessee)),
        releaseLease: (key, lessee) => op(leases.release(key, lessee)),
        takeExpiredLeases: (lessee, limit) => op(takeExpiredLeases(lessee, limit)),
        claimDueFollowUps: (request) => op(followUps.claimDue(request)),
        releaseFollowUpClaims: (request) => op(followUps.release(request)),
        nextFollowUpWake: (ttl) => op(followUps.nextWake(ttl)),
        followUpSignals: Stream.unwrap(Effect.map(pg.listen(FOLLOWUP_CHANNEL), Stream.fromQueue)).pipe(
          Stream.as(undefined),
          Stream.mapError(StoreError.from)
        ),
        recover: (pendingOlderThan) => op(recover(pendingOlderThan))
      })
    })
  )
}
