import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import { HttpClient, HttpClientResponse } from "effect/http"
import { SqlClient } from "effect/sql"
import { pgClientLayer } from "../src/db/Database.ts"
import { appTest } from "./support/app.ts"
import { fauxqsQueue, sqsEnv } from "./support/fauxqs.ts"
import { TestDatabase } from "./support/TestDatabase.ts"

const OpenApiPaths = Schema.Struct({ paths: Schema.Record(Schema.String, Schema.Unknown) })

const getHealth = Effect.gen(function*() {
  const response = yield* HttpClient.get("/health")
  return { status: response.status, body: yield* response.json }
}).pipe(Effect.scoped)

/** Runs `f` on the test server's own database. */
const onTestDb = <A, E>(f: (sql: SqlClient.SqlClient) => Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const db = yield* TestDatabase
    return yield* Effect.flatMap(SqlClient.SqlClient, f).pipe(Effect.provide(pgClientLayer(db.url)))
  })

/** Runs `statement`s on the maintenance database of the test server. */
const admin = (...statements: Array<string>) =>
  Effect.gen(function*() {
    const db = yield* TestDatabase
    yield* Effect.flatMap(SqlClient.SqlClient, (sql) => Effect.forEach(statements, (s) => sql.unsafe(s))).pipe(
      Effect.provide(pgClientLayer(db.adminUrl))
    )
  })

describe("GET /health", () => {
  it.layer(appTest(), { excludeTestServices: true })((it) => {
    it.effect("answers ok with the database up and no LLM key", () =>
      Effect.gen(function*() {
        const { status, body } = yield* getHealth
        assert.strictEqual(status, 200)
        assert.deepStrictEqual(body, { status: "ok", db: "ok", llm: "not_configured", inbox: "postgres" })
      }))

    it.effect("an unhealthy channel degrades it, but the public body names no number and no Graph API error", () =>
      Effect.gen(function*() {
        const phoneNumberId = "109555000111222"
        const reason = "access token rejected (190): Error validating access token: Session has expired"
        yield* onTestDb((sql) =>
          sql`WITH org AS (INSERT INTO organizations (name, invite_code) VALUES ('Tenant', 'health-tenant') RETURNING id)
            INSERT INTO channels (organization_id, phone_number_id, display_phone_number, transport, health, health_reason, health_changed_at)
            SELECT id, ${phoneNumberId}, '+1 555 0100', 'cloud', 'unhealthy', ${reason}, now() FROM org`
        )
        const { status, body } = yield* getHealth
        assert.strictEqual(status, 200)
        assert.deepStrictEqual(body, { status: "degraded", db: "ok", llm: "not_configured", inbox: "postgres", channels: { unhealthy: 1 } })
        const text = JSON.stringify(body)
        for (const secret of [phoneNumberId, "+1 555 0100", "190", "access token", "Session"]) assert.notInclude(text, secret)
        yield* onTestDb((sql) => sql`UPDATE channels SET health = 'ok', health_reason = NULL WHERE phone_number_id = ${phoneNumberId}`)
        assert.deepStrictEqual((yield* getHealth).body, { status: "ok", db: "ok", llm: "not_configured", inbox: "postgres" })
      }))

    it.effect("answers 503 while the database is unreachable, and recovers", () =>
      Effect.gen(function*() {
        const db = yield* TestDatabase
        yield* admin(
          `ALTER DATABASE ${db.name} ALLOW_CONNECTIONS false`,
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${db.name}'`
        )
        const down = yield* getHealth
        assert.strictEqual(down.status, 503)
        assert.deepStrictEqual(down.body, { status: "degraded", db: "down", llm: "not_configured", inbox: "postgres" })
        yield* admin(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS true`)
        const up = yield* getHealth
        assert.strictEqual(up.status, 200)
      }))

    it.effect("serves the OpenAPI document", () =>
      Effect.gen(function*() {
        const spec = yield* HttpClient.get("/openapi.json").pipe(
          Effect.flatMap(HttpClientResponse.filterStatusOk),
          Effect.flatMap(HttpClientResponse.schemaBodyJson(OpenApiPaths)),
          Effect.scoped
        )
        assert.property(spec.paths, "/health")
      }))
  })

  const OnSqs = Layer.unwrap(Effect.map(fauxqsQueue("health", 5), (sqs) => appTest({ LLM_API_KEY: "k", ...sqsEnv(sqs) })))

  it.layer(OnSqs, { excludeTestServices: true })((it) => {
    it.effect("reports the configured LLM and inbox", () =>
      Effect.gen(function*() {
        const { body } = yield* getHealth
        assert.deepStrictEqual(body, { status: "ok", db: "ok", llm: "configured", inbox: "sqs" })
      }))
  })
})
