/**
 * bench/startup.ts's baseline: the floor of any service on the embedded default — Node starts,
 * embedded PostgreSQL is initialised (cold) or started (warm) the way src/db/embedded.ts does it,
 * one query runs, and a bare node:http server answers /health with 200. Nothing else.
 */
import { createServer } from "node:http"
import { Effect, Exit, Scope } from "effect"
import { SqlClient } from "effect/sql"
import { pgClientLayer } from "../../src/db/Database.ts"
import { startEmbeddedPostgres } from "../../src/db/embedded.ts"

const dataDir = process.env.DATA_DIR ?? ""
const port = Number(process.env.PORT ?? 0)
const scope = Effect.runSync(Scope.make())
const url = await Effect.runPromise(Scope.provide(startEmbeddedPostgres({ dataDir, persistent: true }), scope))
await Effect.runPromise(Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`SELECT 1`
}).pipe(Effect.provide(pgClientLayer(url))))
const server = createServer((_, res) => {
  res.writeHead(200, { "content-type": "application/json" })
  res.end("{\"status\":\"ok\"}")
})
server.listen(port, "127.0.0.1")
process.on("SIGTERM", () =>
  server.close(() => void Effect.runPromise(Scope.close(scope, Exit.void)).then(() => process.exit(0))))
