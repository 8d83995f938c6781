/**
 * Probes for orchestrators: `/health/live` (the process answers), `/health/ready` (the database
 * and the inbox answer — the internal API and the queue in a worker — and the process is not
 * stopping), with `/health` as before.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Layer, Redacted } from "effect"
import { HttpClient } from "effect/http"
import { SqlClient } from "effect/sql"
import { afterAll } from "vitest"
import { pgClientLayer } from "../../src/db/Database.ts"
import { Drain, DrainLive } from "../../src/lifecycle/Drain.ts"
import { appTest } from "../support/app.ts"
import { fauxqsQueue, sqsEnv } from "../support/fauxqs.ts"
import { freePort, killAll, startService } from "../support/processes.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

const get = (path: string) =>
  HttpClient.get(path).pipe(
    Effect.flatMap((r) => Effect.map(r.json, (body) => ({ status: r.status, body }))),
    Effect.scoped
  )

const onAdmin = (...statements: Array<string>) =>
  Effect.flatMap(TestDatabase, (db) =>
    Effect.flatMap(SqlClient.SqlClient, (sql) => Effect.forEach(statements, (s) => sql.unsafe(s))).pipe(Effect.provide(pgClientLayer(db.adminUrl))))

const fetchJson = (port: number, path: string) =>
  Effect.promise(() => fetch(`http://127.0.0.1:${port}${path}`).then(async (r) => ({ status: r.status, body: await r.json() })))

describe("probes", () => {
  afterAll(killAll)

  it.layer(appTest().pipe(Layer.provideMerge(DrainLive)), { excludeTestServices: true })((it) => {
    it.effect("live answers while the process does; ready follows the database; /health is unchanged; ready is 503 once stopping", () =>
      Effect.gen(function*() {
        assert.deepStrictEqual(yield* get("/health/live"), { status: 200, body: { status: "ok" } })
        assert.deepStrictEqual(yield* get("/health/ready"), { status: 200, body: { status: "ready", checks: { database: "ok", inbox: "ok" } } })

        const db = yield* TestDatabase
        yield* onAdmin(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS false`, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${db.name}'`)
        assert.deepStrictEqual(yield* get("/health/ready"), { status: 503, body: { status: "not_ready", checks: { database: "down", inbox: "down" } } })
        assert.deepStrictEqual(yield* get("/health/live"), { status: 200, body: { status: "ok" } })
        assert.strictEqual((yield* get("/health")).status, 503)
        yield* onAdmin(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS true`)
        assert.strictEqual((yield* get("/health/ready")).status, 200)

        // SIGTERM begins the drain: the load balancer is told first
        yield* (yield* Drain).drain(Duration.zero)
        assert.deepStrictEqual(yield* get("/health/ready"), {
          status: 503,
          body: { status: "not_ready", checks: { database: "ok", inbox: "ok" }, stopping: true }
        })
        assert.strictEqual((yield* get("/health/live")).status, 200)
      }))
  })

  it.layer(TestDatabase.layer, { excludeTestServices: true, timeout: "90 seconds" })((it) => {
    it.effect("a worker is ready while the internal API and the queue answer; without the API it is not ready, still live", () =>
      Effect.gen(function*() {
        const db = yield* TestDatabase
        const sqs = yield* fauxqsQueue("probes", 5)
        const internalPort = yield* Effect.promise(freePort)
        const secret = "probes-internal-secret-0123456789abcdef"
        const api = yield* Effect.promise(() =>
          startService({ ...sqsEnv(sqs), DATABASE_URL: Redacted.value(db.url), INTERNAL_SECRET: secret, INTERNAL_PORT: String(internalPort) }, ["--role=api"]))
        yield* Effect.promise(() => api.waitHealthy())
        const worker = yield* Effect.promise(() =>
          startService({ ...sqsEnv(sqs), DATABASE_URL: undefined, INTERNAL_SECRET: secret, INTERNAL_API_URL: `http://127.0.0.1:${internalPort}` }, ["--role=worker"]))
        yield* Effect.promise(() => worker.waitHealthy())
        assert.deepStrictEqual(yield* fetchJson(worker.port, "/health/live"), { status: 200, body: { status: "ok" } })
        assert.deepStrictEqual(yield* fetchJson(worker.port, "/health/ready"), { status: 200, body: { status: "ready", checks: { api: "ok", inbox: "ok" } } })

        // the worker's event stream is still open on the internal API: cut after CLOSE_TIMEOUT (5 s), not 20 s
        const apiStop = yield* Effect.promise(() => api.stop("SIGTERM"))
        assert.strictEqual(apiStop.code, 0)
        assert.isBelow(apiStop.ms, 8_000)
        assert.deepStrictEqual(yield* fetchJson(worker.port, "/health/ready"), { status: 503, body: { status: "not_ready", checks: { api: "down", inbox: "ok" } } })
        assert.strictEqual((yield* fetchJson(worker.port, "/health/live")).status, 200)
        assert.strictEqual((yield* Effect.promise(() => worker.stop("SIGTERM"))).code, 0)
      }).pipe(Effect.scoped))
  })
})
