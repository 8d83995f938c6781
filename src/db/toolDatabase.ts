/**
 * The database a command-line tool works on (`npm run migrate`, `npm run admin`): DATABASE_URL;
 * else, in development, the embedded cluster of DATA_DIR — the running server's when one runs,
 * otherwise started for the tool and stopped after it. Production without DATABASE_URL is
 * refused, as the server refuses it. Needs no JWT_SECRET / SECRETS_KEY.
 */
import { Effect, Layer, Option } from "effect"
import { resolveEnvironment } from "../config/environment.ts"
import { optional, postgresUrl, required, text, withDefault } from "../config/read.ts"
import { ensureDatabase, withDatabase } from "./admin.ts"
import { DEFAULT_POOL, EMBEDDED_DATABASE, pgClientLayer } from "./Database.ts"
import { runningEmbeddedUrl, startEmbeddedPostgres } from "./embedded.ts"

export const toolDatabaseUrl = Effect.gen(function*() {
  const { environment, because } = yield* resolveEnvironment
  const configured = yield* optional("DATABASE_URL", postgresUrl)
  if (Option.isSome(configured)) return configured.value
  if (environment === "production") {
    return yield* required("DATABASE_URL", configured, `in production (${because}): the embedded database is for development only`)
  }
  const dataDir = yield* withDefault("DATA_DIR", text, ".data")
  const running = yield* runningEmbeddedUrl(dataDir)
  const adminUrl = Option.isSome(running) ? running.value : yield* startEmbeddedPostgres({ dataDir, persistent: true })
  yield* ensureDatabase(adminUrl, EMBEDDED_DATABASE)
  return withDatabase(adminUrl, EMBEDDED_DATABASE)
})

/** SqlClient/PgClient for a tool: two connections are plenty. */
export const ToolDatabaseLive = Layer.unwrap(Effect.map(toolDatabaseUrl, (url) => pgClientLayer(url, { ...DEFAULT_POOL, poolSize: 2 })))
