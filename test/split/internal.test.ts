/**
 * The internal API: only the right X-Internal-Secret gets in, it is not in the public OpenAPI
 * document, and its procedures carry the engine's data across the wire intact.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { HttpClient, HttpClientRequest, HttpServer } from "effect/http"
import { SqlClient } from "effect/sql"
import { afterAll } from "vitest"
import type { MessageId } from "../../src/domain/ids.ts"
import { InternalClient } from "../../src/internal/client.ts"
import { configFor } from "../support/app.ts"
import { appWithServicesTest } from "../support/appServices.ts"
import { killAll, startService } from "../support/processes.ts"
import { seedConversation } from "../support/seed.ts"

const SECRET = "internal-test-secret-0123456789"

const rpc = (headers: Record<string, string>) =>
  HttpClientRequest.post("/internal/rpc").pipe(
    HttpClientRequest.bodyText("{}\n", "application/ndjson"),
    HttpClientRequest.setHeaders(headers),
    HttpClient.execute,
    Effect.flatMap((res) => Effect.map(res.text, (text) => ({ status: res.status, text }))),
    Effect.scoped
  )

/** The test server's origin, for clients that need an absolute URL (a worker). */
const origin = Effect.map(HttpServer.HttpServer, (server) =>
  "port" in server.address ? `http://127.0.0.1:${server.address.port}` : "")

const workerConfig = (url: string, secret: string) =>
  configFor({ ROLE: "worker", INTERNAL_API_URL: url, INTERNAL_SECRET: secret, SQS_QUEUE_URL: "http://127.0.0.1:1/000000000000/q.fifo" })

describe("the internal API", () => {
  afterAll(killAll)

  it.layer(appWithServicesTest({ INTERNAL_SECRET: SECRET }), { excludeTestServices: true, timeout: "60 seconds" })((it) => {
    it.effect("answers 401 without the right X-Internal-Secret and is not in the OpenAPI document", () =>
      Effect.gen(function*() {
        for (const headers of [{}, { "x-internal-secret": "wrong" }, { "x-internal-secret": `${SECRET}x` }]) {
          const reply = yield* rpc(headers)
          assert.strictEqual(reply.status, 401, JSON.stringify(headers))
          assert.include(reply.text, "unauthorized")
        }
        assert.notStrictEqual((yield* rpc({ "x-internal-secret": SECRET })).status, 401)
        const openapi = yield* HttpClient.get("/openapi.json").pipe(Effect.flatMap((r) => r.text))
        assert.notInclude(openapi, "/internal")
        assert.include(openapi, "/conversations")
      }))

    it.effect("a worker's client reads a snapshot and shares a lease through it, dates and brands intact", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const seeded = yield* seedConversation({ tag: "internal" })
        const key = { organizationId: seeded.organizationId, conversationId: seeded.conversationId }
        const [message] = yield* sql<{ id: MessageId }>`INSERT INTO messages (organization_id, conversation_id, lead_id, message_from, content, status)
          VALUES (${key.organizationId}, ${key.conversationId}, ${seeded.leadId}, 'LEAD', 'how much?', 'received') RETURNING id`
        const url = yield* origin
        yield* Effect.gen(function*() {
          const client = yield* InternalClient
          const snapshot = yield* client["store.snapshot"]({ key })
          assert.isNotNull(snapshot)
          assert.strictEqual(snapshot?.burst[0]?.id, message?.id)
          assert.instanceOf(snapshot?.burst[0]?.createdAt, Date)
          const a = { owner: "worker-a", ttlMs: 30_000 }
          const b = { owner: "worker-b", ttlMs: 30_000 }
          assert.strictEqual(yield* client["store.acquireLease"]({ key, lessee: a }), "acquired")
          assert.strictEqual(yield* client["store.acquireLease"]({ key, lessee: b }), "held") // and a is poked
          assert.deepStrictEqual(yield* client["store.renewLease"]({ key, lessee: a }), { held: true, poked: true })
          assert.strictEqual(yield* client["store.acquireLease"]({ key, lessee: b }), "held")
          assert.strictEqual(yield* client["store.releaseLease"]({ key, lessee: a }), "poked") // look again first
          assert.strictEqual(yield* client["store.releaseLease"]({ key, lessee: a }), "released")
          assert.strictEqual(yield* client["store.acquireLease"]({ key, lessee: b }), "acquired")
          // a bot draft from a process that does not hold the lease is never committed
          const commit = yield* client["store.commitOutbound"]({
            key,
            message: { from: "BOT", type: "text", content: "late draft", payload: null, replyToWamid: null, sentByUserId: null },
            answers: message?.id ?? null,
            owner: a.owner
          })
          assert.deepStrictEqual(commit, { _tag: "Stale", reason: "lease_lost" })
          // follow-ups through the API: scheduled, claimed once by a scheduler, completed
          // (due in an hour: the app's own scheduler leaves it; this "worker" claims as if it were later)
          const scheduled = yield* client["followUps.schedule"]({ key, dueAt: Date.now() + 3_600_000, context: { why: "test" } })
          const later = Date.now() + 7_200_000
          const claim = { now: new Date(later), claimer: "scheduler-w", staleBefore: new Date(later - 600_000), limit: 10 }
          const claimed = yield* client["store.claimDueFollowUps"]({ request: claim })
          assert.deepStrictEqual(claimed.map((c) => c.id), [scheduled.id])
          assert.deepStrictEqual(yield* client["store.claimDueFollowUps"]({ request: claim }), [])
          yield* client["followUps.complete"]({ key, id: scheduled.id, status: "EXECUTED", outcome: "sent" })
          const row = yield* client["store.followUpRow"]({ key, id: scheduled.id })
          assert.strictEqual(row?.status, "EXECUTED")
          assert.instanceOf(row?.createdAt, Date)
        }).pipe(Effect.provide(InternalClient.layer.pipe(Layer.provide(workerConfig(url, SECRET)))))
      }))

    it.effect("a worker with the wrong secret stops at start with one line; so does one without INTERNAL_SECRET", () =>
      Effect.gen(function*() {
        const url = yield* origin
        const base = { ROLE: "worker", INTERNAL_API_URL: url, SQS_QUEUE_URL: "http://127.0.0.1:1/000000000000/q.fifo", DATABASE_URL: undefined }
        const wrong = yield* Effect.promise(() => startService({ ...base, INTERNAL_SECRET: "not-the-right-secret-123" }))
        const exit = yield* Effect.promise(() => new Promise<number | null>((resolve) => wrong.child.once("exit", resolve)))
        assert.strictEqual(exit, 1)
        assert.include(wrong.output(), "the internal API refused this worker's INTERNAL_SECRET (401)")
        const missing = yield* Effect.promise(() => startService({ ...base, INTERNAL_SECRET: undefined }))
        const exit2 = yield* Effect.promise(() => new Promise<number | null>((resolve) => missing.child.once("exit", resolve)))
        assert.strictEqual(exit2, 1)
        assert.include(missing.output(), "INTERNAL_SECRET is required when ROLE is worker")
        assert.isTrue(Option.isNone(Option.fromNullishOr(/postgres/i.exec(missing.output()))))
      }), { timeout: 30_000 })
  })
})
