/**
 * `GET /health` (the public summary, as before), `GET /health/live` (the process answers) and
 * `GET /health/ready` (the database and the inbox answer, and the process is not stopping).
 */
import { Effect, Option } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { SqlClient } from "effect/sql"
import { AppConfig } from "../config/AppConfig.ts"
import { Api } from "../domain/Api.ts"
import type { HealthReport } from "../domain/HealthApi.ts"
import { Inbox } from "../inbox/Inbox.ts"
import { Channels } from "../whatsapp/Channels.ts"
import { reachable, readiness } from "./readiness.ts"

export const HealthLive = HttpApiBuilder.group(Api, "health", Effect.fn(function*(handlers) {
  const config = yield* AppConfig
  const sql = yield* SqlClient.SqlClient
  const channels = yield* Channels
  const inbox = yield* Inbox
  // how many, never which: /health is public
  const unhealthyChannels = channels.unhealthy.pipe(
    Effect.map((list) => list.length),
    Effect.timeout("2 seconds"),
    Effect.catchCause(() => Effect.succeed(0))
  )
  const dbReachable = reachable(sql`SELECT 1`)
  return handlers
    .handle("health", () =>
      Effect.gen(function*() {
        const db = yield* dbReachable
        const unhealthy = db ? yield* unhealthyChannels : 0
        const report: HealthReport = {
          status: db && unhealthy === 0 ? "ok" : "degraded",
          db: db ? "ok" : "down",
          llm: Option.isSome(config.llm.apiKey) ? "configured" : "not_configured",
          inbox: Option.isSome(config.sqs) ? "sqs" : "postgres",
          ...(unhealthy > 0 ? { channels: { unhealthy } } : {})
        }
        return db ? report : yield* Effect.fail(report)
      }))
    .handle("live", () => Effect.succeed({ status: "ok" as const }))
    .handle("ready", () =>
      Effect.gen(function*() {
        const { ready, report } = yield* readiness({ database: dbReachable, inbox: reachable(inbox.stats) })
        return ready ? report : yield* Effect.fail(report)
      }))
}))
