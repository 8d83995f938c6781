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

/** A fresh, migrated database on `server` (dropped when the scope closes). */
export const benchDatabaseOn = (server: Redacted.Redacted) =>
  Effect.gen(function*() {
    const name = `wa_bench_${randomBytes(4).toString("hex")}`
    yield* Effect.acquireRelease(ensureDatabase(server, name), () => dropDatabase(server, name).pipe(Effect.ignore))
    const url = withDatabase(server, name)
    yield* migrate.pipe(Effect.provide(pgClientLayer(url)))
    return url
  })

export const benchDatabase = Effect.flatMap(benchServer, benchDatabaseOn)

/** The default organization with the fixtures' products: the knowledge lookup and the price guardrail read them. */
export const seedBenchBusiness = (dbUrl: Redacted.Redacted) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const org = yield* ensureDefaultOrganization()
    for (const p of products) {
      yield* sql`INSERT INTO business_products (organization_id, name, description, price, currency)
        VALUES (${org}, ${p.name}, ${p.description}, ${p.price}, ${p.currency})`
    }
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
