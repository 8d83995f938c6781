/**
 * The staff webhook: a business points it at Slack, e-mail or its CRM and hears of every handoff.
 * Deliveries are rows of `webhook_deliveries` (queued in the handoff's own transaction); the
 * dispatcher claims due rows (SKIP LOCKED, so several API processes share the work), POSTs the JSON
 * signed with HMAC-SHA256 (`X-Signature-256: sha256=<hex>` over the exact body, the business's
 * secret), and retries with backoff (10 s, 1 min, 5 min, 30 min, 2 h, 6 h) before giving up. Every
 * attempt is logged on the row for the dashboard; a test call sends one signed delivery at once.
 */
import { createHmac, randomBytes } from "node:crypto"
import { Clock, Context, Duration, Effect, Layer, Option, Redacted, Schema, Stream } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import { SqlClient } from "effect/sql"
import { AppConfig } from "../config/AppConfig.ts"
import { SecretBox } from "../crypto/SecretBox.ts"
import { ValidationError } from "../domain/dashboard/errors.ts"
import type { OrganizationId } from "../domain/ids.ts"
import { EventBus } from "../events/EventBus.ts"
import { decodeRows } from "../db/rows.ts"

const secretRows = decodeRows(Schema.Struct({ sealed: Schema.NullOr(Schema.String) }))
const configRows = decodeRows(Schema.Struct({ url: Schema.NullOr(Schema.String), hasSecret: Schema.Boolean }))
const deliveryRows = decodeRows(Schema.Struct({ id: Schema.String, body: Schema.String }))

/** After attempt n fails, the next one waits BACKOFF[n - 1]; after the last, the delivery has failed. */
export const BACKOFF_SECONDS: ReadonlyArray<number> = [10, 60, 300, 1800, 7200, 21_600]
export const MAX_ATTEMPTS = BACKOFF_SECONDS.length + 1
const TIMEOUT = Duration.seconds(10)
/** A claim lapses after this (a process died mid-delivery): the row is offered again. */
const CLAIM_SECONDS = 60
/** The dispatcher looks at the queue at least this often (retries fall due without a signal). */
const SWEEP = Duration.seconds(5)
const BATCH = 20

export const signatureOf = (secret: Redacted.Redacted, body: string) =>
  `sha256=${createHmac("sha256", Redacted.value(secret)).update(body, "utf8").digest("hex")}`

export interface WebhookConfig {
  readonly url: string | null
  readonly hasSecret: boolean
}

export interface Attempt {
  readonly ok: boolean
  readonly status: number | null
  readonly error: string | null
}

export interface DeliveryLogItem {
  readonly id: string
  /** created_at as Postgres text: the keyset cursor */
  readonly cursorKey: string
  readonly event: string
  readonly conversationId: string | null
  readonly status: "pending" | "delivered" | "failed"
  readonly attempts: number
  readonly lastStatus: number | null
  readonly lastError: string | null
  readonly createdAt: Date
  readonly deliveredAt: Date | null
  readonly nextAttemptAt: Date | null
}

/** `body`: the exact JSON sent (as text: the client's snake→camel name transform must not touch it). */
const DeliveryRow = Schema.Struct({
  id: Schema.String,
  organizationId: Schema.String,
  event: Schema.String,
  url: Schema.String,
  body: Schema.String,
  attempts: Schema.Int
})
const LogRow = Schema.Struct({
  id: Schema.String,
  cursorKey: Schema.String,
  event: Schema.String,
  conversationId: Schema.NullOr(Schema.String),
  status: Schema.Literals(["pending", "delivered", "failed"]),
  attempts: Schema.Int,
  lastStatus: Schema.NullOr(Schema.Int),
  lastError: Schema.NullOr(Schema.String),
  createdAt: Schema.Date,
  deliveredAt: Schema.NullOr(Schema.Date),
  nextAttemptAt: Schema.Date
})
const decodeDeliveries = Schema.decodeUnknownEffect(Schema.Array(DeliveryRow))
const decodeLog = Schema.decodeUnknownEffect(Schema.Array(LogRow))

/** Private, loopback and link-local hosts: not a place a tenant may make the service call outside development. */
const INTERNAL_HOST = /^(?:localhost|.*\.local|.*\.internal|127\.\d+\.\d+\.\d+|10\.\d+\.\d+\.\d+|192\.168\.\d+\.\d+|172\.(?:1[6-9]|2\d|3[01])\.\d+\.\d+|169\.254\.\d+\.\d+|0\.0\.0\.0|\[?::1\]?|\[?f[cd][0-9a-f:]*\]?)$/i

export class Webhooks extends Context.Service<Webhooks, {
  readonly config: (organizationId: OrganizationId) => Effect.Effect<WebhookConfig>
  /** Sets the URL, and the secret (a new one when not given: returned once, never again). */
  readonly configure: (organizationId: OrganizationId, url: string, secret: string | null) => Effect.Effect<{ readonly url: string; readonly secret: string | null }, ValidationError>
  readonly remove: (organizationId: OrganizationId) => Effect.Effect<void>
  /** One signed delivery now (event "test"), logged like the others. */
  readonly test: (organizationId: OrganizationId) => Effect.Effect<Attempt & { readonly deliveryId: string }, ValidationError>
  /** Newest first; `after`: the keyset of the last row of the previous page. */
  readonly log: (organizationId: OrganizationId, limit: number, after: { readonly k: string; readonly id: string } | undefined) => Effect.Effect<ReadonlyArray<DeliveryLogItem>>
  /** Delivers what is due now (the dispatcher's step; tests call it directly). */
  readonly deliverDue: Effect.Effect<number>
}>()("wa/handoffs/Webhooks") {
  static readonly layer = Layer.effect(
    Webhooks,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const box = yield* SecretBox
      const config = yield* AppConfig
      const client = yield* HttpClient.HttpClient
      const allowInternal = config.environment !== "production"

      const validUrl = (raw: string): Effect.Effect<string, ValidationError> => {
        const invalid = (why: string) => Effect.fail(new ValidationError({ message: `url: ${why}` }))
        let url: URL
        try {
          url = new URL(raw.trim())
        } catch {
          return invalid("must be an absolute http(s) URL")
        }
        if (url.protocol !== "https:" && !(allowInternal && url.protocol === "http:")) return invalid("must use https")
        if (url.username !== "" || url.password !== "") return invalid("must not carry credentials")
        if (!allowInternal && INTERNAL_HOST.test(url.hostname)) return invalid("must be a public address")
        return Effect.succeed(url.toString())
      }

      const secretOf = (organizationId: string) =>
        sql`SELECT handoff_webhook_secret AS sealed FROM business_profiles
          WHERE organization_id = ${organizationId}`.pipe(
          secretRows,
          Effect.flatMap(([row]) =>
            row === undefined || row.sealed === null ? Effect.succeed(Option.none<Redacted.Redacted>()) : Effect.map(box.open(row.sealed), Option.some)
          )
        )

      /** One POST: the exact bytes signed; 2xx is delivered, anything else (or no answer in 10 s) is not. */
      const post = (url: string, event: string, deliveryId: string, body: string, secret: Redacted.Redacted) =>
        HttpClientRequest.post(url).pipe(
          HttpClientRequest.setHeaders({
            "content-type": "application/json",
            "user-agent": "wa-sales-agent-webhooks",
            "x-signature-256": signatureOf(secret, body),
            "x-webhook-event": event,
            "x-webhook-delivery": deliveryId
          }),
          HttpClientRequest.bodyText(body, "application/json"),
          client.execute,
          Effect.map((response): Attempt =>
            response.status >= 200 && response.status < 300
              ? { ok: true, status: response.status, error: null }
              : { ok: false, status: response.status, error: `HTTP ${response.status}` }
          ),
          Effect.timeoutOrElse({ duration: TIMEOUT, orElse: () => Effect.succeed<Attempt>({ ok: false, status: null, error: "no answer within 10 s" }) }),
          Effect.catch((e) => Effect.succeed<Attempt>({ ok: false, status: null, error: String(e.reason.cause ?? e.message).slice(0, 300) })),
          Effect.scoped
        )

      /** Records an attempt: delivered, retried later, or failed for good. */
      const record = (id: string, attempts: number, result: Attempt) => {
        if (result.ok) {
          return sql`UPDATE webhook_deliveries SET status = 'delivered', attempts = ${attempts}, last_status = ${result.status},
              last_error = NULL, delivered_at = now(), claimed_until = NULL WHERE id = ${id}`
        }
        const wait = BACKOFF_SECONDS[attempts - 1]
        return wait === undefined
          ? sql`UPDATE webhook_deliveries SET status = 'failed', attempts = ${attempts}, last_status = ${result.status},
                last_error = ${result.error}, claimed_until = NULL WHERE id = ${id}`
          : sql`UPDATE webhook_deliveries SET attempts = ${attempts}, last_status = ${result.status}, last_error = ${result.error},
                next_attempt_at = now() + make_interval(secs => ${wait}), claimed_until = NULL WHERE id = ${id}`
      }

      const attempt = (row: typeof DeliveryRow.Type) =>
        Effect.gen(function*() {
          const secret = yield* Effect.result(secretOf(row.organizationId))
          const result: Attempt = secret._tag === "Failure"
            ? { ok: false, status: null, error: "the webhook secret could not be read" }
            : Option.isNone(secret.success)
            ? { ok: false, status: null, error: "no webhook secret configured" }
            : yield* post(row.url, row.event, row.id, row.body, secret.success.value)
          yield* record(row.id, row.attempts + 1, result)
          return result
        })

      const deliverDue = Effect.gen(function*() {
        const rows = yield* sql`
          UPDATE webhook_deliveries SET claimed_until = now() + make_interval(secs => ${CLAIM_SECONDS})
          WHERE id IN (SELECT id FROM webhook_deliveries
                       WHERE status = 'pending' AND next_attempt_at <= now() AND (claimed_until IS NULL OR claimed_until < now())
                       ORDER BY next_attempt_at LIMIT ${BATCH} FOR UPDATE SKIP LOCKED)
          RETURNING id, organization_id, event, url, (jsonb_build_object('id', id) || payload)::text AS body, attempts`.pipe(
            Effect.flatMap(decodeDeliveries)
          )
        yield* Effect.forEach(rows, attempt, { concurrency: 4, discard: true })
        return rows.length
      }).pipe(Effect.catchCause((cause) => Effect.as(Effect.logWarning("webhook deliveries failed", cause), 0)), Effect.withSpan("Webhooks.deliverDue"))

      const get = Effect.fn("Webhooks.config")(function*(organizationId: OrganizationId) {
        const [row] = yield* sql`SELECT handoff_webhook_url AS url,
            handoff_webhook_secret IS NOT NULL AS has_secret FROM business_profiles WHERE organization_id = ${organizationId}`.pipe(configRows)
        return { url: row?.url ?? null, hasSecret: row?.hasSecret ?? false } satisfies WebhookConfig
      }, Effect.orDie)

      const configure = Effect.fn("Webhooks.configure")(function*(organizationId: OrganizationId, rawUrl: string, secret: string | null) {
        const url = yield* validUrl(rawUrl)
        const generated = secret === null ? randomBytes(32).toString("hex") : null
        const sealed = box.seal(Redacted.make(secret ?? generated ?? ""))
        yield* sql`INSERT INTO business_profiles (organization_id, handoff_webhook_url, handoff_webhook_secret)
            VALUES (${organizationId}, ${url}, ${sealed})
            ON CONFLICT (organization_id) DO UPDATE SET handoff_webhook_url = EXCLUDED.handoff_webhook_url,
              handoff_webhook_secret = EXCLUDED.handoff_webhook_secret, updated_at = now()`.pipe(Effect.orDie)
        return { url, secret: generated }
      })

      const remove = Effect.fn("Webhooks.remove")(function*(organizationId: OrganizationId) {
        yield* sql`UPDATE business_profiles SET handoff_webhook_url = NULL, handoff_webhook_secret = NULL, updated_at = now()
          WHERE organization_id = ${organizationId}`
        yield* sql`UPDATE webhook_deliveries SET status = 'failed', last_error = 'webhook removed'
          WHERE organization_id = ${organizationId} AND status = 'pending'`
      }, Effect.orDie)

      const test = Effect.fn("Webhooks.test")(function*(organizationId: OrganizationId) {
        const current = yield* get(organizationId)
        if (current.url === null) return yield* new ValidationError({ message: "url: no webhook is configured" })
        const at = new Date(yield* Clock.currentTimeMillis).toISOString()
        // claimed by this call: the dispatcher leaves it alone
        const [row] = yield* sql`INSERT INTO webhook_deliveries (organization_id, event, url, payload, claimed_until)
            VALUES (${organizationId}, 'test', ${current.url},
                    json_build_object('event', 'test', 'organization_id', ${organizationId}::uuid, 'at', ${at}::text)::jsonb,
                    now() + interval '1 hour')
            RETURNING id, (jsonb_build_object('id', id) || payload)::text AS body`.pipe(deliveryRows, Effect.orDie)
        if (row === undefined) return yield* Effect.die("INSERT … RETURNING gave no row")
        const result = yield* attempt({ id: row.id, organizationId, event: "test", url: current.url, body: row.body, attempts: 0 }).pipe(Effect.orDie)
        // a test is not retried: one attempt, logged
        if (!result.ok) yield* sql`UPDATE webhook_deliveries SET status = 'failed' WHERE id = ${row.id}`.pipe(Effect.orDie)
        return { ...result, deliveryId: row.id }
      })

      const log = Effect.fn("Webhooks.log")(function*(organizationId: OrganizationId, limit: number, after: { readonly k: string; readonly id: string } | undefined) {
        const rows = yield* sql`SELECT id, created_at::text AS cursor_key, event, conversation_id, status, attempts, last_status, last_error,
                   created_at, delivered_at, next_attempt_at
            FROM webhook_deliveries
            WHERE organization_id = ${organizationId}
              ${after === undefined ? sql`` : sql`AND (created_at, id) < (${after.k}::timestamptz, ${after.id}::uuid)`}
            ORDER BY created_at DESC, id DESC LIMIT ${limit}`.pipe(Effect.flatMap(decodeLog))
        return rows.map((r): DeliveryLogItem => ({ ...r, nextAttemptAt: r.status === "pending" ? r.nextAttemptAt : null }))
      }, Effect.orDie)

      return Webhooks.of({ config: get, configure, remove, test, log, deliverDue })
    })
  ).pipe(Layer.provide([FetchHttpClient.layer, SecretBox.layer]))

  /**
   * The dispatcher (processes with the database: `all`, `api`): delivers what is due, then waits for
   * a handoff on the bus or the next sweep, whichever comes first.
   */
  static readonly dispatcher = Layer.effectDiscard(Effect.gen(function*() {
    const webhooks = yield* Webhooks
    const bus = yield* EventBus
    const handoffs = bus.only(["ModeChanged"]).pipe(Stream.filter((e) => e.kind === "handoff"), Stream.as(undefined))
    const sweeps = Stream.tick(SWEEP)
    yield* Stream.merge(handoffs, sweeps).pipe(
      // a burst of handoffs is one pass over the queue, not one per event
      Stream.debounce(Duration.millis(50)),
      Stream.runForEach(() => Effect.asVoid(webhooks.deliverDue)),
      Effect.forkScoped
    )
  }))
}

