/**
 * The database: `DATABASE_URL` when set, else the embedded cluster. Creates the application
 * database when missing, runs `migrations/*.sql` (idempotent, locked; src/db/migrations.ts) unless
 * MIGRATE_ON_START=false, and provides `SqlClient`/`PgClient` with camelCase ↔ snake_case name
 * transforms.
 */
import { readFileSync } from "node:fs"
import { PgClient } from "@effect/sql-pg"
import { Context, Duration, Effect, Layer, Option, Redacted, String } from "effect"
import { SqlClient } from "effect/sql"
import { AppConfig } from "../config/AppConfig.ts"
import { InvalidConfig } from "../config/read.ts"
import { ensureDatabase, withDatabase } from "./admin.ts"
import { startEmbeddedPostgres } from "./embedded.ts"
import { migrate, requireMigrated } from "./migrations.ts"

export { migrate, MIGRATIONS_DIR } from "./migrations.ts"
export const EMBEDDED_DATABASE = "wa_sales"

export interface PoolSettings {
  readonly poolSize: number
  readonly connectTimeout: Duration.Duration
  /** The server cancels a statement running longer (`statement_timeout`); an idle open transaction too. */
  readonly statementTimeout: Duration.Duration
}

export const DEFAULT_POOL: PoolSettings = { poolSize: 20, connectTimeout: Duration.seconds(5), statementTimeout: Duration.seconds(30) }

/**
 * The CA a TLS connection must chain to, named like libpq does it: `sslrootcert=/path/ca.pem` in
 * the URL (e.g. Amazon RDS's global-bundle.pem with `sslmode=require`). The certificate and the
 * host name are always verified (against Node's CAs and NODE_EXTRA_CA_CERTS otherwise).
 */
const rootCertOf = (url: Redacted.Redacted) =>
  Effect.gen(function*() {
    const file = new URL(Redacted.value(url)).searchParams.get("sslrootcert")
    if (file === null || file === "" || file === "system") return Option.none<string>()
    return Option.some(yield* Effect.try({
      try: () => readFileSync(file, "utf8"),
      catch: (e) => new InvalidConfig({ variable: "DATABASE_URL", reason: `names sslrootcert ${file}, which cannot be read (${e instanceof Error ? e.message : "unknown error"})` })
    }))
  })

export const pgClientLayer = (url: Redacted.Redacted, pool: PoolSettings = DEFAULT_POOL) =>
  Layer.unwrap(Effect.map(rootCertOf(url), (ca) => pgClientLayerWith(url, pool, ca)))

/**
 * A name transform that remembers its answers: column names are few, and the transforms ran for
 * every column of every row and every insert (1–2 % of the service's CPU under load, README
 * "Benchmarks"). Bounded all the same: past 10,000 names it starts over.
 */
const remembered = (transform: (name: string) => string) => {
  const known = new Map<string, string>()
  return (name: string): string => {
    const hit = known.get(name)
    if (hit !== undefined) return hit
    if (known.size >= 10_000) known.clear()
    const result = transform(name)
    known.set(name, result)
    return result
  }
}
const toSnake = remembered(String.camelToSnake)
const toCamel = remembered(String.snakeToCamel)

const pgClientLayerWith = (url: Redacted.Redacted, pool: PoolSettings, ca: Option.Option<string>) =>
  PgClient.layer({
    url,
    ...Option.match(ca, { onNone: () => ({}), onSome: (pem) => ({ ssl: { ca: pem } }) }),
    transformQueryNames: toSnake,
    transformResultNames: toCamel,
    applicationName: "wa-sales-agent",
    maxConnections: pool.poolSize,
    connectTimeout: pool.connectTimeout,
    // dead peers (a failover, a dropped NAT entry) are noticed instead of waited on forever
    keepAlive: Duration.seconds(30),
    startupParameters: {
      statement_timeout: `${Duration.toMillis(pool.statementTimeout)}`,
      idle_in_transaction_session_timeout: `${Duration.toMillis(pool.statementTimeout) * 2}`
    }
  })

/** Where the database is: the configured URL, or a freshly started embedded cluster. */
const databaseUrl = Effect.gen(function*() {
  const config = yield* AppConfig
  if (Option.isSome(config.databaseUrl)) return config.databaseUrl.value
  const adminUrl = yield* startEmbeddedPostgres({ dataDir: config.dataDir, persistent: true })
  yield* ensureDatabase(adminUrl, EMBEDDED_DATABASE)
  return withDatabase(adminUrl, EMBEDDED_DATABASE)
})

/** Where this process's database is (the embedded cluster's URL once it runs): for the engine's thread. */
export class DatabaseUrl extends Context.Service<DatabaseUrl, Redacted.Redacted>()("wa/db/DatabaseUrl") {}

/**
 * PgClient + SqlClient on a migrated database: migrated now, or (MIGRATE_ON_START=false) checked to
 * be; and its DatabaseUrl.
 */
export const DatabaseLive = Layer.unwrap(Effect.gen(function*() {
  const url = yield* databaseUrl
  const config = yield* AppConfig
  const ready: Effect.Effect<unknown, Effect.Error<typeof migrate> | Effect.Error<typeof requireMigrated>, PgClient.PgClient | SqlClient.SqlClient> =
    config.migrateOnStart ? migrate : requireMigrated
  return Layer.effectDiscard(ready).pipe(Layer.provideMerge(pgClientLayer(url, config.db)), Layer.merge(Layer.succeed(DatabaseUrl, url)))
}))
