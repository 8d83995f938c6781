/**
 * The Postgres inbox: `webhook_inbox` rows. Puts are group-committed (one INSERT per batch of
 * concurrent deliveries, acked after it commits); consumers claim with FOR UPDATE SKIP LOCKED
 * and sleep on LISTEN/NOTIFY (a statement trigger), waking at the latest when the next
 * invisible item becomes visible again.
 */
import { hostname } from "node:os"
import { randomBytes } from "node:crypto"
import { PgClient } from "@effect/sql-pg"
import { Array as Arr, Duration, Effect, Exit, Layer, PubSub, Queue, Schedule, Schema } from "effect"
import { makeGroupCommit } from "../db/groupCommit.ts"
import { jsonDocument } from "../db/jsonDocument.ts"
import { type Delivery, Inbox, InboxError, type InboxItem, type InboxOptions, defaultInboxOptions } from "./Inbox.ts"

const CHANNEL = "webhook_inbox"
const MAX_WAIT = Duration.seconds(30)
/** Deliveries waiting for the next group commit, at most. */
const MAX_PENDING_PUTS = 4_096

const ItemRow = Schema.Struct({
  id: Schema.String,
  body: Schema.Uint8Array,
  signedBy: Schema.NullOr(Schema.String),
  attempts: Schema.Int,
  traceparent: Schema.optionalKey(Schema.NullOr(Schema.String))
})
const ParkedRow = Schema.Struct({ ...ItemRow.fields, lastError: Schema.NullOr(Schema.String), decodeError: Schema.NullOr(Schema.String) })
/** A poll's rows: the claimed deliveries, or (none claimed) one row with how soon the next is visible. */
const decodeClaim = Schema.decodeUnknownEffect(Schema.Array(Schema.Union([
  ItemRow,
  Schema.Struct({ id: Schema.Null, nextInMs: Schema.NullOr(Schema.Number) })
])))
const decodeParked = Schema.decodeUnknownEffect(Schema.Array(ParkedRow))
const decodeStats = Schema.decodeUnknownEffect(Schema.Array(Schema.Struct({ depth: Schema.Number, ageMs: Schema.NullOr(Schema.Number) })))

const inboxError = (e: { readonly message: string }) => new InboxError({ reason: e.message })

export const makePostgresInbox = (options: InboxOptions = defaultInboxOptions) =>
  Effect.gen(function*() {
    const pg = yield* PgClient.PgClient
    const consumer = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`
    const vtMs = Duration.toMillis(options.visibilityTimeout)
    const retryMs = Duration.toMillis(options.retryDelay)

    // group commit (src/db/groupCommit.ts): every put waiting while a batch commits goes into the
    // next one; a full queue makes further puts wait (the webhook's answer waits too). One writer:
    // while it commits, the next batch forms (bigger batches measured faster than 4 writers)
    const put = yield* makeGroupCommit({
      maxBatch: 512,
      writers: 1,
      capacity: MAX_PENDING_PUTS,
      write: (batch: Arr.NonEmptyReadonlyArray<Delivery>) =>
        pg`INSERT INTO webhook_inbox ${
          pg.insert(Arr.map(batch, (d) => ({
            body: d.body,
            signedBy: d.signedBy,
            traceContext: d.traceparent === undefined ? null : jsonDocument({ traceparent: d.traceparent })
          })))
        }`.pipe(
          Effect.mapError(inboxError),
          Effect.exit,
          Effect.map((exit) => batch.map(() => Exit.asVoid(exit)))
        )
    })
    // completions too: one UPDATE for the items done at the same time
    const complete = yield* makeGroupCommit({
      maxBatch: 512,
      writers: 1,
      capacity: MAX_PENDING_PUTS,
      write: (batch: Arr.NonEmptyReadonlyArray<InboxItem>) =>
        pg`UPDATE webhook_inbox w SET status = 'done', processed_at = now(), claimed_by = NULL
          FROM jsonb_to_recordset(${jsonDocument(batch.map((item) => ({ id: item.id, attempts: item.attempts })))}::jsonb) AS i(id bigint, attempts int)
          WHERE w.id = i.id AND w.status = 'pending' AND w.attempts = i.attempts`.pipe(
          Effect.mapError(inboxError),
          Effect.exit,
          Effect.map((exit) => batch.map(() => Exit.asVoid(exit)))
        )
    })

    // wake-ups: one LISTEN connection fans out to every waiting consumer
    const wakeups = yield* PubSub.sliding<void>(16)
    const listen = Effect.scoped(Effect.gen(function*() {
      const notifications = yield* pg.listen(CHANNEL)
      yield* PubSub.publish(wakeups, undefined) // re-check after (re)connecting
      return yield* Effect.forever(Effect.flatMap(Queue.take(notifications), () => PubSub.publish(wakeups, undefined)))
    }))
    yield* Effect.forkScoped(listen.pipe(
      Effect.tapError((e) => Effect.logWarning("inbox LISTEN lost; reconnecting").pipe(Effect.annotateLogs({ error: e.message }))),
      Effect.retry(Schedule.min([Schedule.exponential("100 millis"), Schedule.spaced("5 seconds")]))
    ))

    /**
     * One round trip a poll: the next visible deliveries are taken (at most `max`, oldest first,
     * found through the claimable index), those whose attempts are used up are parked and the
     * rest claimed, and when none was claimed the row says how soon the next becomes visible. The
     * parts see one snapshot: a row parked by this poll still counts for the next wake (the next
     * poll then comes at once and finds it parked); a last attempt in flight counts too, so a
     * consumer that died with it is parked when its visibility ends. (The exhausted were once
     * parked by a search of every visible pending row, or of the whole table with its 7 days of
     * done rows: a poll's cost grew with the backlog — 20–30 ms at 50,000 — just when consumers
     * must be fastest; now it is `max` rows, 4–5 ms at the same backlog.)
     */
    const claim = (max: number) =>
      pg`WITH c AS (
          SELECT id, attempts >= ${options.maxAttempts} AS exhausted FROM webhook_inbox
          WHERE status = 'pending' AND visible_at <= now()
          ORDER BY visible_at, id LIMIT ${max} FOR UPDATE SKIP LOCKED),
        parked AS (
          UPDATE webhook_inbox w SET status = 'parked', claimed_by = NULL,
            last_error = coalesce(last_error, 'visibility timeout expired') || ' (attempts used up)'
          FROM c WHERE w.id = c.id AND c.exhausted),
        claimed AS (
          UPDATE webhook_inbox w SET attempts = w.attempts + 1, claimed_by = ${consumer},
            visible_at = now() + make_interval(secs => ${vtMs / 1000})
          FROM c WHERE w.id = c.id AND NOT c.exhausted
          RETURNING w.id::text AS id, w.body, w.signed_by, w.attempts, w.trace_context->>'traceparent' AS traceparent)
        SELECT id, body, signed_by, attempts, traceparent, NULL::float8 AS next_in_ms FROM claimed
        UNION ALL
        SELECT NULL::text, NULL::bytea, NULL::text, NULL::int, NULL::text, (extract(epoch FROM min(visible_at) - now()) * 1000)::float8
          FROM webhook_inbox WHERE status = 'pending'
          HAVING NOT EXISTS (SELECT 1 FROM claimed)`.pipe(Effect.flatMap(decodeClaim))

    const take = Effect.fn("Inbox.take")(function*(max: number) {
      const sub = yield* PubSub.subscribe(wakeups)
      while (true) {
        const rows = yield* claim(max)
        const items: Array<InboxItem> = []
        let nextInMs: number | null = null
        for (const r of rows) {
          if (r.id === null) nextInMs = r.nextInMs
          else {
            items.push({
              id: r.id,
              body: r.body,
              signedBy: r.signedBy ?? "",
              attempts: r.attempts,
              receipt: String(r.attempts),
              traceparent: r.traceparent ?? undefined
            })
          }
        }
        if (items.length > 0) return items
        const wait = nextInMs === null ? MAX_WAIT : Duration.min(MAX_WAIT, Duration.millis(Math.max(nextInMs, 5)))
        yield* PubSub.take(sub).pipe(Effect.timeoutOption(wait))
      }
    }, Effect.scoped, Effect.mapError(inboxError))

    const owned = (item: InboxItem) =>
      pg`id = ${item.id} AND status = 'pending' AND attempts = ${item.attempts}`

    return Inbox.of({
      kind: "postgres",
      // untraced: the webhook's hot path already has the request span
      put,
      take,
      complete,
      retry: (item, error) => {
        const parked = item.attempts >= options.maxAttempts
        return pg`UPDATE webhook_inbox SET status = ${parked ? "parked" : "pending"}, claimed_by = NULL,
            last_error = ${error}, visible_at = now() + make_interval(secs => ${(retryMs * item.attempts) / 1000})
          WHERE ${owned(item)}`.pipe(
          Effect.as(parked ? "parked" as const : "retrying" as const),
          Effect.mapError(inboxError)
        )
      },
      park: (item, reason) =>
        pg`UPDATE webhook_inbox SET status = 'parked', claimed_by = NULL, decode_error = ${reason}, processed_at = now()
          WHERE ${owned(item)}`.pipe(Effect.asVoid, Effect.mapError(inboxError)),
      stats: pg`SELECT count(*)::int AS depth, (extract(epoch FROM now() - min(received_at)) * 1000)::float8 AS age_ms
          FROM webhook_inbox WHERE status = 'pending'`.pipe(
        Effect.flatMap(decodeStats),
        Effect.map((rows) => ({ depth: rows[0]?.depth ?? 0, oldestAgeMs: rows[0]?.ageMs ?? 0 })), // nothing waiting: age 0
        Effect.mapError(inboxError)
      ),
      parked: (limit) =>
        pg`SELECT id::text AS id, body, signed_by, attempts, last_error, decode_error FROM webhook_inbox
          WHERE status = 'parked' ORDER BY received_at DESC, id DESC LIMIT ${limit}`.pipe(
          Effect.flatMap(decodeParked),
          Effect.map((rows) => rows.map((r) => ({
            id: r.id,
            body: r.body,
            signedBy: r.signedBy ?? "",
            attempts: r.attempts,
            reason: r.decodeError ?? r.lastError ?? "parked"
          }))),
          Effect.mapError(inboxError)
        )
    })
  })

export const PostgresInboxLayer = (options?: InboxOptions) => Layer.effect(Inbox, makePostgresInbox(options))
