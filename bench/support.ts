/**
 * Benchmarks' database: a fresh, migrated database on DATABASE_URL's server when set, else on a
 * throwaway embedded cluster. Dropped (or deleted) when the scope closes.
 */
import { randomBytes } from "node:crypto"
import { readdirSync, readFileSync } from "node:fs"
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { dropDatabase, ensureDatabase, withDatabase } from "../src/db/admin.ts"
import { migrate, pgClientLayer } from "../src/db/Database.ts"
import { startEmbeddedPostgres } from "../src/db/embedded.ts"
import { ensureDefaultOrganization } from "../src/whatsapp/QuickSetup.ts"
import { products } from "../test/support/htlFixtures.ts"
import { change, entry, envelope, signature, signed, text, wamid } from "../test/support/webhooks.ts"

/** The server benches make their databases on: DATABASE_URL's when set, else a throwaway embedded cluster. */
export const benchServer = Effect.gen(function*() {
  const configured = process.env.DATABASE_URL
  if (configured !== undefined && configured !== "") return Redacted.make(configured)
  const dataDir = yield* Effect.acquireRelease(
    Effect.promise(() => mkdtemp(join(tmpdir(), "wa-bench-pg-"))),
    (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true }))
  )
  return yield* startEmbeddedPostgres({ dataDir, persistent: false })
})

/** A fresh, empty database on `server` (dropped when the scope closes). */
export const emptyBenchDatabaseOn = (server: Redacted.Redacted) =>
  Effect.gen(function*() {
    const name = `wa_bench_${randomBytes(4).toString("hex")}`
    yield* Effect.acquireRelease(ensureDatabase(server, name), () => dropDatabase(server, name).pipe(Effect.ignore))
    return withDatabase(server, name)
  })

/** A fresh database on `server` with this checkout's migrations (dropped when the scope closes). */
export const benchDatabaseOn = (server: Redacted.Redacted) =>
  Effect.tap(emptyBenchDatabaseOn(server), (url) => migrate.pipe(Effect.provide(pgClientLayer(url))))

export const benchDatabase = Effect.flatMap(benchServer, benchDatabaseOn)

/**
 * Conversations the organization already had (`BENCH_HISTORY`, default none): a fresh database
 * hides every cost that grows with the tables — a statement that reads every lead or every
 * conversation is as fast as an indexed one on a hundred rows (README finding (21)).
 */
export const benchHistory = (() => {
  const n = Number(process.env.BENCH_HISTORY ?? 0)
  if (!(Number.isInteger(n) && n >= 0)) throw new Error(`BENCH_HISTORY must be a whole number of conversations, not ${process.env.BENCH_HISTORY}`)
  return n
})()

/**
 * Where leads the bench saw unanswered stand, from the service's database, grouped: each one's
 * conversation (mode and reason) and its newest bot message (status and error). A lead handed to
 * a person after a send of unknown outcome reads "human (send_failed: …), unknown — SendOutcomeUnknown …";
 * one that is not there at all was never stored (its delivery still in the inbox, or parked).
 */
export const whyUnanswered = (dbUrl: Redacted.Redacted, waIds: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ mode: string | null; reason: string | null; status: string | null; error: string | null; n: number }>`
      SELECT c.mode, c.mode_reason AS reason, m.status, nullif(concat_ws(' ', m.error_title, m.error_details), '') AS error, count(*)::int AS n
      FROM leads l
      LEFT JOIN conversations c ON c.lead_id = l.id
      LEFT JOIN LATERAL (SELECT status, error_title, error_details FROM messages
                         WHERE conversation_id = c.id AND message_from = 'BOT' ORDER BY created_at DESC, id DESC LIMIT 1) m ON true
      WHERE l.wa_id IN ${sql.in(waIds)}
      GROUP BY 1, 2, 3, 4 ORDER BY n DESC`
    const found = rows.reduce((sum, r) => sum + r.n, 0)
    return [
      ...rows.map((r) =>
        `${r.n}: conversation ${r.mode ?? "none"}${r.reason === null ? "" : ` (${r.reason})`}, newest bot message ${r.status ?? "none"}${r.error === null ? "" : ` — ${r.error}`}`
      ),
      ...(found < waIds.length ? [`${waIds.length - found}: no lead stored (its delivery still in the inbox, or parked)`] : [])
    ]
  }).pipe(Effect.provide(pgClientLayer(dbUrl)))

/**
 * The default organization with the fixtures' products (the knowledge lookup and the price
 * guardrail read them) and `history` earlier conversations of its own: a lead each, on a number
 * of the organization's that the bench does not write to, ten messages each (the lead's and the
 * bot's in turn, sent and read, days ago) and a follow-up done.
 */
export const seedBenchBusiness = (dbUrl: Redacted.Redacted, history = benchHistory) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const org = yield* ensureDefaultOrganization()
    for (const p of products) {
      yield* sql`INSERT INTO business_products (organization_id, name, description, price, currency)
        VALUES (${org}, ${p.name}, ${p.description}, ${p.price}, ${p.currency})`
    }
    if (history === 0) return
    const [channel] = yield* sql<{ id: string }>`INSERT INTO channels (organization_id, phone_number_id, display_phone_number, transport)
      VALUES (${org}, 'bench-history', '+1 555 0100', 'sandbox') RETURNING id`
    yield* sql`INSERT INTO leads (organization_id, wa_id, phone, name, created_at)
      SELECT ${org}, (19990000000 + g)::text, '+' || (19990000000 + g)::text, 'Earlier lead ' || g, now() - interval '30 days'
      FROM generate_series(1, ${history}) g`
    yield* sql`INSERT INTO conversations (organization_id, lead_id, channel_id, last_message, last_message_at, last_user_message_at,
        last_bot_message_at, rolling_summary, created_at)
      SELECT organization_id, id, ${channel?.id ?? ""}, 'thanks!', now() - interval '3 days', now() - interval '3 days',
        now() - interval '3 days', 'Asked about prices; answered.', created_at
      FROM leads WHERE organization_id = ${org} AND wa_id LIKE '1999%'`
    yield* sql`INSERT INTO messages (organization_id, conversation_id, lead_id, message_from, content, wamid, status, created_at)
      SELECT c.organization_id, c.id, c.lead_id, CASE WHEN k % 2 = 1 THEN 'LEAD' ELSE 'BOT' END,
        CASE WHEN k % 2 = 1 THEN 'a question about the plans, number ' || k ELSE 'an answer about the plans, number ' || k END,
        'wamid.history.' || c.id || '.' || k, CASE WHEN k % 2 = 1 THEN 'received' ELSE 'read' END,
        now() - interval '4 days' + make_interval(mins => k)
      FROM conversations c CROSS JOIN generate_series(1, 10) k WHERE c.channel_id = ${channel?.id ?? ""}`
    yield* sql`INSERT INTO scheduled_actions (organization_id, conversation_id, scheduled_at, status, executed_at, outcome, created_at)
      SELECT organization_id, id, now() - interval '3 days', 'EXECUTED', now() - interval '3 days', 'sent', now() - interval '4 days'
      FROM conversations WHERE channel_id = ${channel?.id ?? ""}`
    yield* sql`ANALYZE`
  }).pipe(Effect.provide(pgClientLayer(dbUrl)))

export const writeResult = (name: string, result: unknown) =>
  Effect.promise(async () => {
    await mkdir("bench/results", { recursive: true })
    await writeFile(`bench/results/${name}.json`, `${JSON.stringify(result, null, 2)}\n`)
  })

export const percentile = (values: ReadonlyArray<number>, p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0
}

/**
 * CPU time used so far (user + system, ms) by each process `select` picks, from /proc (Linux;
 * elsewhere empty). Two snapshots give what the processes used in between: a process that
 * started in between counts whole, one that ended loses its share (short-lived backends).
 */
export type CpuSnapshot = ReadonlyMap<number, number>
const TICK_MS = 10 // USER_HZ is 100 on Linux
export const cpuSnapshot = (select: (pid: number, comm: string) => boolean): CpuSnapshot => {
  const taken = new Map<number, number>()
  let pids: Array<string> = []
  try {
    pids = readdirSync("/proc").filter((p) => /^\d+$/.test(p))
  } catch {
    return taken
  }
  for (const p of pids) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8")
      const close = stat.lastIndexOf(")")
      const comm = stat.slice(stat.indexOf("(") + 1, close)
      if (!select(Number(p), comm)) continue
      const fields = stat.slice(close + 2).split(" ") // from the state field on: utime is the 12th, stime the 13th
      taken.set(Number(p), (Number(fields[11]) + Number(fields[12])) * TICK_MS)
    } catch {
      // ended while read
    }
  }
  return taken
}
export const cpuMsBetween = (before: CpuSnapshot, after: CpuSnapshot): number => {
  let ms = 0
  for (const [pid, used] of after) ms += used - (before.get(pid) ?? 0)
  return ms
}

/** The benches' business number and app secret (the service under test is configured with them). */
export const BENCH_PNID = "109000000000001"
export const BENCH_SECRET = "bench-secret"

/**
 * The i-th signed delivery of 1–2 KB (two to four messages, non-ASCII included) from one of 97
 * leads asking about the business's products (`seedBenchBusiness`): the engine answers them, so
 * their conversations stay the bot's. `tag` makes the wamids new (a redelivery is a cheaper path).
 */
export const leadDelivery = (i: number, tag: string) => {
  const from = `1555${String(1_000_000 + (i % 97)).padStart(7, "0")}`
  const words = "Hi 🙏 how much is the Premium plan for our café team of four — does it include the WhatsApp inbox? "
  const messages = Array.from({ length: 2 + (i % 3) }, (_, k) => text(from, words.repeat(2 + ((i + k) % 4)), { id: wamid(`${tag}${i}.${k}`) }))
  const { body } = signed(BENCH_SECRET, envelope(entry("waba", change({ phoneNumberId: BENCH_PNID, contacts: [{ waId: from, name: `Lead ${i % 97}` }], messages }))))
  return { json: new TextDecoder().decode(body), body: Buffer.from(body), signature: signature(BENCH_SECRET, body) }
}

/**
 * The service under a lead-traffic bench: its database and data directory, the fakes' URLs, and
 * the leads' pace — they write without pause, so each gets a turn at least every 3 s.
 */
export const benchServiceEnv = (options: { readonly dbUrl: Redacted.Redacted; readonly dataDir: string; readonly graphUrl: string; readonly llmUrl: string }) => ({
  DATABASE_URL: Redacted.value(options.dbUrl),
  DATA_DIR: options.dataDir,
  APP_ENV: "development", // keys generated in DATA_DIR (a bench is not a deployment)
  LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "error",
  WHATSAPP_PHONE_NUMBER_ID: BENCH_PNID,
  WHATSAPP_APP_SECRET: BENCH_SECRET,
  WHATSAPP_ACCESS_TOKEN: "bench-token",
  WHATSAPP_API_BASE_URL: options.graphUrl,
  LLM_API_KEY: "sk-fake",
  LLM_BASE_URL: options.llmUrl,
  DEBOUNCE_QUIET: "1 s",
  DEBOUNCE_MAX_WAIT: "3 s"
})
