/**
 * Raw webhook deliveries are personal data (names, numbers, message text): once processed, a
 * `webhook_inbox` row is kept for INBOX_RETENTION (default 7 days, for inspection and replays)
 * and then deleted, a bounded batch at a time so no long lock is held, each batch found by its
 * index (`webhook_inbox_done`, migrations/0021: not a scan of the table). Pending and parked rows
 * are never touched (parked ones wait for a person).
 */
import { Duration, Effect, Layer, Schedule, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { AppConfig } from "../config/AppConfig.ts"
import { decodeRows } from "../db/rows.ts"

const deletedRows = decodeRows(Schema.Struct({ n: Schema.Int }))

const BATCH = 5_000

/** Deletes processed deliveries older than `retention`; returns how many. */
export const pruneInbox = (retention: Duration.Duration) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    let total = 0
    while (true) {
      const rows = yield* sql`WITH old AS (
          SELECT id FROM webhook_inbox
          WHERE status = 'done' AND processed_at < now() - make_interval(secs => ${Duration.toSeconds(retention)})
          LIMIT ${BATCH})
        DELETE FROM webhook_inbox w USING old WHERE w.id = old.id RETURNING 1 AS n`.pipe(deletedRows)
      total += rows.length
      if (rows.length < BATCH) return total
    }
  }).pipe(Effect.withSpan("Inbox.prune"))

/** Prunes at start and every hour, in the processes that hold the database. */
export const InboxRetentionLive = Layer.effectDiscard(Effect.gen(function*() {
  const config = yield* AppConfig
  yield* pruneInbox(config.inboxRetention).pipe(
    Effect.tap((n) => (n > 0 ? Effect.logInfo("inbox pruned").pipe(Effect.annotateLogs({ deleted: n })) : Effect.void)),
    Effect.catchCause((cause) => Effect.logWarning("inbox pruning failed", cause)),
    Effect.repeat(Schedule.spaced("1 hour")),
    Effect.forkScoped
  )
}))
