/**
 * The database: `DATABASE_URL` when set, else the embedded cluster. Creates the application
 * database when missing, runs `migrations/*.sql` (idempotent, locked), and provides
 * `SqlClient`/`PgClient` with camelCase ↔ snake_case name transforms.
 */
import { fileURLToPath } from "node:url"
import { NodeServices } from "@effect/platform-node"
import { PgClient, PgMigrator } from "@effect/sql-pg"
import { Duration, Effect, Layer, Option, type Redacted, String } from "effect"
import { AppConfig } from "../config/AppConfig.ts"
import { ensureDatabase, withDatabase } from "./admin.ts"
import { startEmbeddedPostgres } from "./embedded.ts"
import { fromSqlDirectory } from "./sqlFiles.ts"

export const MIGRATIONS_DIR = fileURLToPath(new URL("../../migrations", import.meta.url))
export const EMBEDDED_DATABASE = "wa_sales"

export interface PoolSettings {
  readonly poolSize: number
  readonly connectTimeout: Duration.Duration
  /** The server cancels a statement running longer (`statement_timeout`); an idle open transaction too. */
  readonly statementTimeout: Duration.Duration
}

export const DEFAULT_POOL: PoolSettings = { poolSize: 20, connectTimeout: Duration.seconds(5), statementTimeout: Duration.seconds(30) }

export const pgClientLayer = (url: Redacted.Redacted, pool: PoolSettings = DEFAULT_POOL) =>
  PgClient.layer({
    url,
    transformQueryNames: String.camelToSnake,
    transformResultNames: String.snakeToCamel,
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

export const migrate = PgMigrator.run({ loader: fromSqlDirectory(MIGRATIONS_DIR), table: "schema_migrations" }).pipe(
  Effect.provide(NodeServices.layer),
  Effect.tap((ran) =>
    ran.length > 0
      ? Effect.logInfo("migrations applied").pipe(Effect.annotateLogs({ migrations: ran.map(([id, name]) => `${id}_${name}`) }))
      : Effect.void
  )
)

/** Where the database is: the configured URL, or a freshly started embedded cluster. */
const databaseUrl = Effect.gen(function*() {
  const config = yield* AppConfig
  if (Option.isSome(config.databaseUrl)) return config.databaseUrl.value
  const adminUrl = yield* startEmbeddedPostgres({ dataDir: config.dataDir, persistent: true })
  yield* ensureDatabase(adminUrl, EMBEDDED_DATABASE)
  return withDatabase(adminUrl, EMBEDDED_DATABASE)
})

/** PgClient + SqlClient on a migrated database. */
export const DatabaseLive = Layer.unwrap(Effect.gen(function*() {
  const url = yield* databaseUrl
  const config = yield* AppConfig
  return Layer.effectDiscard(migrate).pipe(Layer.provideMerge(pgClientLayer(url, config.db)))
}))
