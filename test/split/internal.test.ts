/**
 * The internal API: it listens on its own port only (the public one answers 404), only the right
 * X-Internal-Secret gets in, it is not in the public OpenAPI document, its procedures carry the
 * engine's data across the wire intact — and a worker can name only what holds together: another
 * organization's channel or conversation is refused, and a forwarded delivery is verified again.
 */
import { spawnSync } from "node:child_process"
import { assert, describe, it } from "@effect/vitest"
import { DateTime, Effect, Exit, Fiber, Layer, Option, Stream } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { SqlClient } from "effect/sql"
import { afterAll } from "vitest"
import { AppConfig } from "../../src/config/AppConfig.ts"
import { TurnDecided } from "../../src/domain/events.ts"
import type { MessageId } from "../../src/domain/ids.ts"
import { EventBus } from "../../src/events/EventBus.ts"
import { InternalClient } from "../../src/internal/client.ts"
import { InternalServerLive } from "../../src/internal/server.ts"
import { configFor } from "../support/app.ts"
import { appWithServicesTest } from "../support/appServices.ts"
import { freePort, killAll, startService } from "../support/processes.ts"
import { seedConversation } from "../support/seed.ts"
import { change, entry, envelope, signed, text, wamid } from "../support/webhooks.ts"

const SECRET = "internal-test-secret-0123456789abcdef"
const PN = "109000000000777"
const APP_SECRET = "internal-test-app-secret"

/** The app's services and public routes on a test server, and the internal API on a free INTERNAL_PORT. */
const TestApp = Layer.unwrap(Effect.map(Effect.promise(freePort), (internalPort) =>
  InternalServerLive.pipe(Layer.provideMerge(appWithServicesTest({
    INTERNAL_SECRET: SECRET,
    INTERNAL_PORT: String(internalPort),
    WHATSAPP_PHONE_NUMBER_ID: PN,
    WHATSAPP_APP_SECRET: APP_SECRET
  })))))

/** The internal API's origin (what a worker's INTERNAL_API_URL names). */
const internalOrigin = Effect.map(AppConfig, (config) => `http://127.0.0.1:${config.internalPort}`)

const rpcRequest = (headers: Record<string, string>) =>
  HttpClientRequest.post("/internal/rpc").pipe(
    HttpClientRequest.bodyText("{}\n", "application/ndjson"),
    HttpClientRequest.setHeaders(headers)
  )

/** On the public port (the test server the HttpClient targets). */
const publicRpc = (headers: Record<string, string>) =>
  HttpClient.execute(rpcRequest(headers)).pipe(
    Effect.flatMap((res) => Effect.map(res.text, (text) => ({ status: res.status, text }))),
    Effect.scoped
  )

/** On the internal port. */
const internalRpc = (headers: Record<string, string>) =>
  Effect.flatMap(internalOrigin, (origin) =>
    Effect.promise(() =>
      fetch(`${origin}/internal/rpc`, { method: "POST", headers: { "content-type": "application/ndjson", ...headers }, body: "{}\n" })
        .then(async (r) => ({ status: r.status, text: await r.text() }))
    ))

const workerConfig = (url: string, secret: string) =>
  configFor({ ROLE: "worker", INTERNAL_API_URL: url, INTERNAL_SECRET: secret, SQS_QUEUE_URL: "http://127.0.0.1:1/000000000000/q.fifo" })

/** A worker's client of the internal API (what src/internal/client.ts builds for a worker). */
const asWorker = <A, E>(use: Effect.Effect<A, E, InternalClient>) =>
  Effect.flatMap(internalOrigin, (url) => use.pipe(Effect.provide(InternalClient.layer.pipe(Layer.provide(workerConfig(url, SECRET))))))

const botText = (content: string) =>
  ({ from: "BOT", type: "text", content, payload: null, replyToWamid: null, sentByUserId: null }) as const

describe("the internal API", () => {
  afterAll(killAll)

  it.layer(TestApp, { excludeTestServices: true, timeout: "60 seconds" })((it) => {
    it.effect("listens only on INTERNAL_PORT: the public port answers 404; the internal one 401 without the right X-Internal-Secret; not in the OpenAPI document", () =>
      Effect.gen(function*() {
        for (const headers of [{}, { "x-internal-secret": SECRET }]) {
          assert.strictEqual((yield* publicRpc(headers)).status, 404, JSON.stringify(headers))
        }
        for (const headers of [{}, { "x-internal-secret": "wrong" }, { "x-internal-secret": `${SECRET}x` }]) {
          const reply = yield* internalRpc(headers)
          assert.strictEqual(reply.status, 401, JSON.stringify(headers))
          assert.include(reply.text, "unauthorized")
        }
        assert.strictEqual((yield* internalRpc({ "x-internal-secret": SECRET })).status, 200)
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
        yield* asWorker(Effect.gen(function*() {
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
          const commit = yield* client["store.commitOutbound"]({ key, message: botText("late draft"), answers: message?.id ?? null, owner: a.owner })
          assert.deepStrictEqual(commit, { _tag: "Stale", reason: "lease_lost" })
          // follow-ups through the API: scheduled, claimed once by a scheduler, completed
          // (due in an hour: the app's own scheduler leaves it; this "worker" claims as if it were later)
          const scheduled = yield* client["followUps.schedule"]({ key, dueAt: Date.now() + 3_600_000, context: { why: "test" } })
          if (scheduled._tag !== "Scheduled") return assert.fail(`not scheduled: ${scheduled.reason}`)
          const later = Date.now() + 7_200_000
          const claim = { now: new Date(later), claimer: "scheduler-w", staleBefore: new Date(later - 600_000), limit: 10 }
          const claimed = yield* client["store.claimDueFollowUps"]({ request: claim })
          assert.deepStrictEqual(claimed.map((c) => c.id), [scheduled.id])
          assert.deepStrictEqual(yield* client["store.claimDueFollowUps"]({ request: claim }), [])
          yield* client["followUps.complete"]({ key, id: scheduled.id, status: "EXECUTED", outcome: "sent" })
          const row = yield* client["store.followUpRow"]({ key, id: scheduled.id })
          assert.strictEqual(row?.status, "EXECUTED")
          assert.instanceOf(row?.createdAt, Date)
        }))
      }))

    it.effect("a worker's follow-up signals carry the database's NOTIFY: a due time moved by plain SQL wakes it", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const seeded = yield* seedConversation({ tag: "signals", waId: "15550005555" })
        yield* asWorker(Effect.gen(function*() {
          const client = yield* InternalClient
          const heard = yield* client["store.followUpSignals"]().pipe(Stream.take(1), Stream.runCollect, Effect.forkChild)
          yield* Effect.sleep("500 millis") // the stream is open on the API
          yield* sql`INSERT INTO scheduled_actions (organization_id, conversation_id, scheduled_at)
            VALUES (${seeded.organizationId}, ${seeded.conversationId}, now())`
          const signals = yield* Fiber.join(heard).pipe(Effect.timeout("3 seconds"))
          assert.deepStrictEqual(signals, ["due"])
        }))
      }))

    it.effect("a worker names only what holds together: another organization's channel, lead, conversation or message is refused; a send needs a pending reply under a live lease", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const bus = yield* EventBus
        const a = yield* seedConversation({ tag: "tenant-a", waId: "15550003333" })
        const b = yield* seedConversation({ tag: "tenant-b", waId: "15550004444" })
        const keyA = { organizationId: a.organizationId, conversationId: a.conversationId }
        const forged = { organizationId: a.organizationId, conversationId: b.conversationId }
        const [pendingOfB] = yield* sql<{ id: MessageId }>`INSERT INTO messages (organization_id, conversation_id, lead_id, message_from, content, status)
          VALUES (${b.organizationId}, ${b.conversationId}, ${b.leadId}, 'BOT', 'b''s reply', 'pending') RETURNING id`
        const bMessage = pendingOfB?.id ?? (yield* Effect.die("no message"))
        const leadOf = (seeded: typeof a, id: string) =>
          sql<{ id: MessageId }>`INSERT INTO messages (organization_id, conversation_id, lead_id, message_from, content, status, wamid)
            VALUES (${seeded.organizationId}, ${seeded.conversationId}, ${seeded.leadId}, 'LEAD', 'hi', 'received', ${id}) RETURNING id`.pipe(
            Effect.map((rows) => rows[0]?.id ?? null)
          )
        const leadMessageOfA = yield* leadOf(a, "wamid.lead-of-a")
        yield* leadOf(b, "wamid.lead-of-b")
        const body = { _tag: "text", text: "hello", replyTo: null } as const
        const lessee = { owner: "worker-a", ttlMs: 30_000 }
        const refusal = <A, E extends { readonly _tag: string; readonly message: string }>(call: Effect.Effect<A, E>) =>
          Effect.flatMap(Effect.exit(call), (exit) =>
            Exit.isFailure(exit) && Option.isSome(Exit.findErrorOption(exit))
              ? Effect.succeed(Option.getOrThrow(Exit.findErrorOption(exit)))
              : Effect.die(`not refused: ${JSON.stringify(exit)}`))

        const events = yield* bus.all.pipe(Stream.filter((e) => e._tag === "TurnDecided"), Stream.take(1), Stream.runCollect, Effect.forkScoped)
        yield* Effect.sleep("50 millis") // subscribed

        yield* asWorker(Effect.gen(function*() {
          const client = yield* InternalClient
          // sends: tenant A's organization with tenant B's channel; A's channel to B's lead; no pending reply
          const otherChannel = yield* refusal(client["sender.send"]({
            target: { organizationId: a.organizationId, channelId: b.channelId, waId: "15550003333", userId: null },
            body
          }))
          assert.strictEqual(otherChannel._tag, "Refused")
          assert.include(otherChannel.message, `channel ${b.channelId} is not a channel of organization ${a.organizationId}`)
          const otherLead = yield* refusal(client["sender.send"]({
            target: { organizationId: a.organizationId, channelId: a.channelId, waId: "15550004444", userId: null },
            body
          }))
          assert.include(otherLead.message, "is not the lead of a conversation")
          const targetA = { organizationId: a.organizationId, channelId: a.channelId, waId: "15550003333", userId: null }
          const nothingPending = yield* refusal(client["sender.send"]({ target: targetA, body }))
          assert.include(nothingPending.message, "no pending bot reply under a live lease")
          // read receipts: only for a message of the target's conversation
          yield* client["sender.markRead"]({ target: targetA, wamid: "wamid.lead-of-a" })
          const otherRead = yield* refusal(client["sender.markRead"]({ target: targetA, wamid: "wamid.lead-of-b" }))
          assert.include(otherRead.message, "not in the target's conversation")

          // store writes naming B's conversation (or message) under A's organization
          assert.strictEqual((yield* refusal(client["store.saveSummary"]({ key: forged, summary: "forged" })))._tag, "Refused")
          assert.strictEqual((yield* refusal(client["store.acquireLease"]({ key: forged, lessee })))._tag, "Refused")
          assert.strictEqual((yield* refusal(client["store.commitOutbound"]({ key: forged, message: botText("x"), answers: null, owner: "w" })))._tag, "Refused")
          assert.strictEqual((yield* refusal(client["store.markSent"]({ key: keyA, messageId: bMessage, wamid: "wamid.forged" })))._tag, "Refused")
          // a worker commits bot replies under a lease only: never a person's message, never without an owner
          assert.strictEqual((yield* refusal(client["store.commitOutbound"]({ key: keyA, message: { ...botText("x"), from: "HUMAN" }, answers: null, owner: "w" })))._tag, "Refused")
          assert.strictEqual((yield* refusal(client["store.commitOutbound"]({ key: keyA, message: botText("x"), answers: null, owner: null })))._tag, "Refused")

          // an event naming B's conversation under A's organization is dropped; the genuine one goes on
          const at = DateTime.nowUnsafe()
          yield* client["events.publish"]({
            events: [
              new TurnDecided({ ...forged, at, action: "SEND_NOW", why: "forged" }),
              new TurnDecided({ ...keyA, at, action: "SEND_NOW", why: "genuine" })
            ]
          })

          // the genuine path: the lease, the pending reply, the send (sandbox channel), its outcome
          assert.strictEqual(yield* client["store.acquireLease"]({ key: keyA, lessee }), "acquired")
          const commit = yield* client["store.commitOutbound"]({ key: keyA, message: botText("hello"), answers: leadMessageOfA, owner: lessee.owner })
          if (commit._tag !== "Committed") return assert.fail(`not committed: ${commit.reason}`)
          const sent = yield* client["sender.send"]({ target: targetA, body })
          assert.match(sent.wamid, /^wamid\.sandbox\./)
          yield* client["store.markSent"]({ key: keyA, messageId: commit.messageId, wamid: sent.wamid })
          yield* client["store.releaseLease"]({ key: keyA, lessee })
        }))

        const decided = yield* Fiber.join(events)
        assert.deepStrictEqual(decided.map((e) => e._tag === "TurnDecided" ? e.why : ""), ["genuine"])
        const rows = yield* sql<{ conversationId: string; summary: string | null; status: string | null }>`
          SELECT c.id AS conversation_id, c.rolling_summary AS summary,
                 (SELECT string_agg(m.status, ',' ORDER BY m.created_at) FROM messages m WHERE m.conversation_id = c.id AND m.message_from = 'BOT') AS status
          FROM conversations c WHERE c.id IN (${a.conversationId}, ${b.conversationId})`
        const byId = new Map(rows.map((r) => [r.conversationId, r]))
        assert.deepStrictEqual(byId.get(b.conversationId), { conversationId: b.conversationId, summary: "", status: "pending" })
        assert.deepStrictEqual(byId.get(a.conversationId), { conversationId: a.conversationId, summary: "", status: "sent" })
        const leases = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM conversation_leases WHERE conversation_id = ${b.conversationId}`
        assert.strictEqual(leases[0]?.n, 0)
      }))

    it.effect("a forwarded delivery is verified again on the API: a bad or missing signature is refused even with the right internal secret", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const stored = (id: string) =>
          sql<{ n: number }>`SELECT count(*)::int AS n FROM messages WHERE wamid = ${id}`.pipe(Effect.map((rows) => rows[0]?.n ?? 0))
        const delivery = (id: string, secret: string) =>
          signed(secret, envelope(entry("waba", change({ phoneNumberId: PN, contacts: [{ waId: "15550005555", name: "Lia" }], messages: [text("15550005555", "hi", { id })] }))))
        const forward = (id: string, bytes: Uint8Array, signature: string) =>
          asWorker(Effect.flatMap(InternalClient, (client) =>
            client["inbox.ingest"]({ id: `sqs-${id}`, body: bytes, signature, channelId: null, attempts: 1, lessee: null })))

        const bad = wamid()
        const forgedDelivery = delivery(bad, "not-the-app-secret")
        const refused = yield* Effect.flip(forward(bad, forgedDelivery.body, forgedDelivery.signature))
        assert.strictEqual(refused._tag, "Refused")
        assert.include(refused.message, "X-Hub-Signature-256 does not verify")
        // the right signature of other bytes, and no signature at all
        const genuine = delivery(wamid(), APP_SECRET)
        const tampered = yield* Effect.flip(forward(bad, delivery(bad, APP_SECRET).body, genuine.signature))
        assert.strictEqual(tampered._tag, "Refused")
        const unsigned = yield* Effect.flip(forward(bad, delivery(bad, APP_SECRET).body, ""))
        assert.strictEqual(unsigned._tag, "Refused")
        assert.strictEqual(yield* stored(bad), 0)

        const good = wamid()
        const accepted = delivery(good, APP_SECRET)
        const processed = yield* forward(good, accepted.body, accepted.signature)
        assert.deepStrictEqual(processed.outcome, { _tag: "Processed" })
        assert.strictEqual(yield* stored(good), 1)
      }))

    it.effect("a worker with the wrong secret, or pointed at the public port, stops at start with one line; so does one without INTERNAL_SECRET", () =>
      Effect.gen(function*() {
        const url = yield* internalOrigin
        const base = { ROLE: "worker", INTERNAL_API_URL: url, SQS_QUEUE_URL: "http://127.0.0.1:1/000000000000/q.fifo", DATABASE_URL: undefined }
        const exited = (service: { readonly child: { once: (e: "exit", f: (code: number | null) => void) => unknown } }) =>
          Effect.promise(() => new Promise<number | null>((resolve) => void service.child.once("exit", resolve)))
        const wrong = yield* Effect.promise(() => startService({ ...base, INTERNAL_SECRET: "not-the-right-secret-0123456789abcdef" }))
        assert.strictEqual(yield* exited(wrong), 1)
        assert.include(wrong.output(), "the internal API refused this worker's INTERNAL_SECRET (401)")
        // the public port has no internal API
        const server = yield* HttpClient.get("/health").pipe(Effect.map((r) => new URL(r.request.url).origin))
        const publicPort = yield* Effect.promise(() => startService({ ...base, INTERNAL_API_URL: server, INTERNAL_SECRET: SECRET }))
        assert.strictEqual(yield* exited(publicPort), 1)
        assert.include(publicPort.output(), "the internal API answered 404: is INTERNAL_API_URL the api's INTERNAL_PORT (not its public PORT)")
        const missing = yield* Effect.promise(() => startService({ ...base, INTERNAL_SECRET: undefined }))
        assert.strictEqual(yield* exited(missing), 1)
        assert.include(missing.output(), "INTERNAL_SECRET is required when ROLE is worker")
        assert.isTrue(Option.isNone(Option.fromNullishOr(/postgres/i.exec(missing.output()))))
      }), { timeout: 60_000 })
  })

  it("a 20-character INTERNAL_SECRET stops start-up with one line", () => {
    const run = spawnSync(process.execPath, ["src/main.ts"], {
      env: { ...process.env, INTERNAL_SECRET: "0123456789abcdef0123", DATABASE_URL: "" },
      encoding: "utf8",
      timeout: 20_000
    })
    assert.strictEqual(run.status, 1)
    const lines = run.stderr.trim().split("\n")
    assert.lengthOf(lines, 1, run.stderr)
    assert.strictEqual(lines[0], "Invalid configuration: INTERNAL_SECRET must be at least 32 characters long")
  })
})
