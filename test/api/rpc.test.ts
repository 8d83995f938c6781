/**
 * The RPC group over WebSocket at /rpc: auth on connect, typed calls, and the live event stream
 * delivering each organization's events to its own subscribers only.
 */
import { request } from "node:http"
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Ref, Schedule, Stream } from "effect"
import { FetchHttpClient, HttpServer } from "effect/http"
import { DashboardRpcClient, makeDashboardHttpClient, rpcUrl } from "../../src/client/DashboardClient.ts"
import type { DomainEvent } from "../../src/domain/events.ts"
import { appTest } from "../support/app.ts"
import { change, entry, envelope, postWebhook, signed, text } from "../support/webhooks.ts"
import { type Account, call, createOrg, env, seedConversation, unique } from "./support.ts"

const baseUrl = Effect.map(HttpServer.HttpServer, (server) =>
  server.address._tag === "UnixPathAddress" ? "http://127.0.0.1" : `http://127.0.0.1:${server.address.port}`)

/** A raw WebSocket upgrade request: the status (101 when accepted) and any body. */
const upgrade = (base: string, path: string, headers: Record<string, string>) =>
  Effect.callback<{ status: number; body: string }>((resume) => {
    const req = request(new URL(path, base), {
      headers: { connection: "Upgrade", upgrade: "websocket", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", ...headers }
    })
    req.on("upgrade", (res, socket) => {
      socket.destroy()
      resume(Effect.succeed({ status: res.statusCode ?? 0, body: "" }))
    })
    req.on("response", (res) => {
      let body = ""
      res.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")))
      res.on("end", () => resume(Effect.succeed({ status: res.statusCode ?? 0, body })))
    })
    req.on("error", (e) => resume(Effect.die(e)))
    req.end()
  })

const clientFor = (account: Account) =>
  Effect.map(baseUrl, (url) => DashboardRpcClient.layer({ baseUrl: url, token: account.token }))

/** Subscribes and collects every event into a Ref; resolves `first` on the first one. */
const subscribe = (account: Account) =>
  Effect.gen(function*() {
    const layer = yield* clientFor(account)
    const seen = yield* Ref.make<Array<DomainEvent>>([])
    const first = yield* Deferred.make<void>()
    const fiber = yield* Effect.gen(function*() {
      const rpc = yield* DashboardRpcClient
      yield* rpc["events.subscribe"]().pipe(
        Stream.runForEach((event) => Ref.update(seen, (all) => [...all, event]).pipe(Effect.andThen(Deferred.succeed(first, undefined))))
      )
    }).pipe(Effect.provide(layer), Effect.forkScoped)
    return { seen, first, fiber }
  })

describe("RPC over WebSocket", () => {
  it.layer(appTest(env), { excludeTestServices: true })((it) => {
    it.effect("typed calls with the caller's organization", () =>
      Effect.gen(function*() {
        const a = yield* createOrg()
        const conv = yield* seedConversation(a.orgId, { name: "Rpc Lead" })
        const layer = yield* clientFor(a)
        yield* Effect.gen(function*() {
          const rpc = yield* DashboardRpcClient
          const me = yield* rpc["auth.me"]()
          assert.strictEqual(me.user.id, a.userId)
          const page = yield* rpc["conversations.list"]({})
          assert.deepStrictEqual(page.items.map((c) => c.id), [conv.conversationId])
          const taken = yield* rpc["conversations.takeover"]({ id: conv.conversationId })
          assert.strictEqual(taken.mode, "human")
          const lead = yield* rpc["leads.create"]({ phone: "+14155550123", name: "Via RPC" })
          assert.strictEqual(lead.name, "Via RPC")
          const duplicate = yield* rpc["leads.create"]({ phone: "+14155550123" }).pipe(Effect.flip)
          assert.strictEqual(duplicate._tag, "Conflict")
          const missing = yield* rpc["conversations.release"]({ id: "00000000-0000-0000-0000-000000000000" }).pipe(Effect.flip)
          assert.strictEqual(missing._tag, "NotFound")
        }).pipe(Effect.provide(layer), Effect.scoped)
      }))

    it.effect("the typed HTTP client speaks the same API", () =>
      Effect.gen(function*() {
        const a = yield* createOrg()
        const client = yield* makeDashboardHttpClient({ baseUrl: yield* baseUrl, token: a.token }).pipe(
          Effect.provide(FetchHttpClient.layer)
        )
        const lead = yield* client.leads.create({ payload: { phone: "+14155550999", name: "Typed" } })
        assert.strictEqual(lead.name, "Typed")
        const page = yield* client.leads.list({ query: {} })
        assert.deepStrictEqual(page.items.map((l) => l.id), [lead.id])
        const conflict = yield* client.leads.create({ payload: { phone: "+14155550999" } }).pipe(Effect.flip)
        assert.strictEqual(conflict._tag, "Conflict")
      }))

    it.effect("the upgrade is refused without a valid token; plain HTTP is told to upgrade", () =>
      Effect.gen(function*() {
        const url = yield* baseUrl
        assert.strictEqual((yield* upgrade(url, "/rpc", {})).status, 401)
        const forged = yield* upgrade(url, "/rpc?access_token=abc.def.ghi", {})
        assert.strictEqual(forged.status, 401)
        assert.strictEqual(JSON.parse(forged.body).error.code, "unauthorized")
        const a = yield* createOrg()
        assert.strictEqual((yield* upgrade(url, "/rpc", { authorization: `Bearer ${a.token}` })).status, 101)
        assert.strictEqual((yield* upgrade(url, `/rpc?access_token=${a.token}`, {})).status, 101)
        const plain = yield* call("GET", "/rpc", { token: a.token })
        assert.strictEqual(plain.status, 426)
        assert.match(rpcUrl({ baseUrl: url, token: "t" }), /^ws:\/\/127\.0\.0\.1:\d+\/rpc\?access_token=t$/)
      }))

    it.effect("events.subscribe: an event of organization A reaches A's subscriber and not B's", () =>
      Effect.gen(function*() {
        const a = yield* createOrg()
        const b = yield* createOrg()
        const convA = yield* seedConversation(a.orgId)
        const convB = yield* seedConversation(b.orgId)
        const subA = yield* subscribe(a)
        const subB = yield* subscribe(b)
        // the subscription starts asynchronously: keep producing events until each side saw one
        const produce = (account: Account, conversationId: string, done: Deferred.Deferred<void>) =>
          Effect.gen(function*() {
            let mode: "takeover" | "release" = "takeover"
            while (!(yield* Deferred.isDone(done))) {
              const r = yield* call("POST", `/conversations/${conversationId}/${mode}`, { token: account.token })
              assert.strictEqual(r.status, 200)
              mode = mode === "takeover" ? "release" : "takeover"
              yield* Effect.sleep("50 millis")
            }
          })
        yield* Effect.all([produce(a, convA.conversationId, subA.first), produce(b, convB.conversationId, subB.first)], {
          concurrency: 2
        }).pipe(Effect.timeout("10 seconds"))
        // one more of A's events after both are subscribed, then a human send (MessageStored + status)
        yield* call("POST", "/messages/send", { token: a.token, body: { conversation_id: convA.conversationId, text: "live!" } })
        yield* Effect.sleep("300 millis")
        const seenA = yield* Ref.get(subA.seen)
        const seenB = yield* Ref.get(subB.seen)
        assert.isTrue(seenA.length >= 2)
        assert.isTrue(seenB.length >= 1)
        assert.isTrue(seenA.every((e) => e.organizationId === a.orgId && e.conversationId === convA.conversationId))
        assert.isTrue(seenB.every((e) => e.organizationId === b.orgId && e.conversationId === convB.conversationId))
        assert.isTrue(seenA.some((e) => e._tag === "ModeChanged" && e.byUserId === a.userId))
        assert.isTrue(seenA.some((e) => e._tag === "MessageStored" && e.content === "live!"))
        assert.isFalse(seenB.some((e) => e._tag === "MessageStored"))
        yield* Fiber.interrupt(subA.fiber)
        yield* Fiber.interrupt(subB.fiber)
      }).pipe(Effect.scoped))

    it.effect("a webhook for organization A's number reaches A's subscriber only", () =>
      Effect.gen(function*() {
        const a = yield* createOrg()
        const b = yield* createOrg()
        const phoneNumberId = unique("1090")
        const channel = yield* call("POST", "/channels", {
          token: a.token,
          body: { phone_number_id: phoneNumberId, app_secret: "a-own-app-secret", transport: "sandbox" }
        })
        assert.strictEqual(channel.status, 201)
        const subA = yield* subscribe(a)
        const subB = yield* subscribe(b)
        // wait until both subscriptions are live (a takeover event in each organization)
        const convA = yield* seedConversation(a.orgId)
        const convB = yield* seedConversation(b.orgId)
        const ping = (account: Account, conversationId: string, first: Deferred.Deferred<void>) =>
          call("POST", `/conversations/${conversationId}/takeover`, { token: account.token }).pipe(
            Effect.andThen(Deferred.await(first).pipe(Effect.timeout("100 millis"))),
            Effect.retry({ times: 50 })
          )
        yield* ping(a, convA.conversationId, subA.first)
        yield* ping(b, convB.conversationId, subB.first)

        const { body, signature } = signed("a-own-app-secret", envelope(entry("waba-a",
          change({ phoneNumberId, contacts: [{ waId: "15550009999", name: "Webhook Wendy" }], messages: [text("15550009999", "hola desde WhatsApp")] }))))
        // signed with A's own app secret: A's channel route
        assert.strictEqual((yield* postWebhook(body, signature, `/webhooks/whatsapp/${channel.body.id}`)).status, 200)
        const stored = yield* Ref.get(subA.seen).pipe(
          Effect.map((events) => events.find((e) => e._tag === "MessageStored" && e.content === "hola desde WhatsApp")),
          Effect.filterOrFail((e) => e !== undefined),
          Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.upTo({ times: 200 })))
        )
        assert.strictEqual(stored?.organizationId, a.orgId)
        const seenB = yield* Ref.get(subB.seen)
        assert.isTrue(seenB.every((e) => e.organizationId === b.orgId))
        assert.isFalse(seenB.some((e) => e._tag === "MessageStored"))
        // and A's dashboard lists the new conversation
        const list = yield* call("GET", "/conversations/?search=Wendy", { token: a.token })
        assert.strictEqual(list.body.items.length, 1)
        assert.strictEqual((yield* call("GET", "/conversations/?search=Wendy", { token: b.token })).body.items.length, 0)
      }).pipe(Effect.scoped))
  })
})
