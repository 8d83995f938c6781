/**
 * Handoffs the lead and the team can see, end to end (signed webhooks → engine → fake LLM and
 * fake Graph API, real Postgres): the lead's notice in their language, none outside the 24-hour
 * window, "I want a person" handed over by code at once, assignment to online people round robin,
 * overdue handoffs, and the signed, retried staff webhook with its log.
 */
import { createHmac } from "node:crypto"
import { createServer, type IncomingMessage } from "node:http"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { hashPassword } from "../../src/auth/Passwords.ts"
import { makeHandoff } from "../../src/conversations/handoff.ts"
import { call } from "../api/support.ts"
import { analysis, decision } from "../support/htlFixtures.ts"
import { conversationOf, engineApp, FakeLlmServer, pause, poll, rowsOf, say, sentTo } from "../conversations/support.ts"

const JWT_SECRET = "test-jwt-secret-that-is-long-enough-0123456789"

const stateOf = (waId: string) =>
  rowsOf<{ mode: string; modeReason: string | null; assignedTo: string | null }>((sql) =>
    sql`SELECT c.mode, c.mode_reason, c.assigned_to FROM conversations c JOIN leads l ON l.id = c.lead_id
        WHERE l.wa_id = ${waId}`).pipe(Effect.map((rows) => rows[0]))

const botMessages = (waId: string) =>
  rowsOf<{ content: string }>((sql) =>
    sql`SELECT m.content FROM messages m JOIN leads l ON l.id = m.lead_id
        WHERE l.wa_id = ${waId} AND m.message_from = 'BOT' ORDER BY m.created_at`).pipe(Effect.map((rows) => rows.map((r) => r.content)))

const handedOff = (waId: string) => poll(stateOf(waId), (s) => s?.mode === "human")

/** A person of the default organization, online now (as after a dashboard request), with a token. */
const agent = (name: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const [org] = yield* sql<{ inviteCode: string }>`SELECT invite_code FROM organizations ORDER BY created_at LIMIT 1`
    const email = `${name.toLowerCase()}-${Date.now().toString(36)}@example.com`
    const r = yield* call("POST", "/auth/signup/join-org", { body: { invite_code: org?.inviteCode, name, email, password: "agent password 1" } })
    if (r.status !== 201) return yield* Effect.die(`join failed: ${r.status} ${JSON.stringify(r.body)}`)
    const me = yield* call("GET", "/auth/me", { token: r.body.access_token }) // seen: online
    assert.strictEqual(me.status, 200)
    return { id: String(r.body.user.id), token: String(r.body.access_token) }
  })

describe("handoffs", () => {
  it.layer(engineApp({ JWT_SECRET }), { excludeTestServices: true, timeout: "90 seconds" })((it) => {
    it.effect("\"I want a person\" in English, Spanish and Portuguese: handed over by code, no model call, told in their language", () =>
      Effect.gen(function*() {
        const llm = yield* FakeLlmServer
        for (const [waId, text, notice] of [
          ["15550000101", "can I talk to a real person please?", "Thanks! A colleague from our team will reply here shortly."],
          ["15550000102", "hola, quiero hablar con alguien del equipo", "¡Gracias! Una persona de nuestro equipo te responderá por aquí en breve."],
          ["15550000103", "oi, quero falar com um atendente", "Obrigado! Uma pessoa da nossa equipe vai te responder por aqui em breve."]
        ] as const) {
          const before = llm.stepRequests("analyze").length
          yield* say(waId, text)
          const state = yield* handedOff(waId)
          assert.match(state?.modeReason ?? "", /^lead_asked_for_human/)
          assert.strictEqual(llm.stepRequests("analyze").length, before, "no model call")
          const sent = yield* poll(sentTo(waId), (s) => s.length > 0)
          assert.include(sent[0]?.json ?? "", notice)
          assert.deepStrictEqual(yield* botMessages(waId), [notice]) // stored as a BOT message, once
        }
      }))

    it.effect("a model's handoff tells a Spanish lead in Spanish, with the business's own text when it wrote one", () =>
      Effect.gen(function*() {
        const llm = yield* FakeLlmServer
        llm.respond("decide", () => ({ kind: "json", body: decision("HANDOFF_HUMAN", { why: "quiere un contrato a medida" }) }))
        yield* say("15550000104", "Hola, necesito un contrato personalizado para 40 sucursales")
        yield* handedOff("15550000104")
        assert.deepStrictEqual(yield* poll(botMessages("15550000104"), (m) => m.length > 0), ["¡Gracias! Una persona de nuestro equipo te responderá por aquí en breve."])

        const sql = yield* SqlClient.SqlClient
        yield* sql`UPDATE business_profiles SET handoff_messages = '{"es": "Gracias, Marta de ventas te escribe enseguida."}'::jsonb`
        yield* say("15550000105", "Buenas, quiero negociar el precio del plan para mi empresa")
        yield* handedOff("15550000105")
        assert.deepStrictEqual(yield* poll(botMessages("15550000105"), (m) => m.length > 0), ["Gracias, Marta de ventas te escribe enseguida."])
        yield* sql`UPDATE business_profiles SET handoff_messages = '{}'::jsonb`
        llm.respond("decide", () => ({ kind: "json", body: decision() }))
      }))

    it.effect("outside the 24-hour window the lead gets no notice (free text is impossible); the handoff still happens", () =>
      Effect.gen(function*() {
        const llm = yield* FakeLlmServer
        llm.respond("analyze", () => ({ kind: "json", body: analysis({ confidence: 0.1 }) })) // low confidence: hand over
        yield* say("15550000106", "hello?")
        yield* handedOff("15550000106")
        const before = (yield* botMessages("15550000106")).length
        assert.strictEqual(before, 1) // inside the window: told
        // another conversation whose lead wrote 25 hours ago: handed over with no notice
        const sql = yield* SqlClient.SqlClient
        yield* say("15550000107", "hi")
        const ref = yield* conversationOf("15550000107")
        yield* handedOff("15550000107")
        yield* sql`UPDATE conversations SET mode = 'bot', last_user_message_at = now() - interval '25 hours' WHERE id = ${ref.conversationId}`
        yield* sql`DELETE FROM messages WHERE conversation_id = ${ref.conversationId} AND message_from = 'BOT'`
        const handoff = yield* makeHandoff
        yield* handoff(ref, "window_closed: test", { notify: true })
        assert.strictEqual((yield* stateOf("15550000107"))?.mode, "human")
        assert.deepStrictEqual(yield* botMessages("15550000107"), [])
        llm.respond("analyze", () => ({ kind: "json", body: analysis() }))
      }))

    it.effect("handoffs go to online people round robin; offline people get none; release clears it; \"assigned to me\"", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const llm = yield* FakeLlmServer
        yield* sql`UPDATE users SET last_seen_at = NULL` // nobody from earlier tests is online
        const [a, b, c] = [yield* agent("Ana"), yield* agent("Bea"), yield* agent("Cai")]
        const offline = yield* agent("Dan")
        yield* sql`UPDATE users SET last_seen_at = now() - interval '1 hour' WHERE id = ${offline.id}`
        llm.respond("decide", () => ({ kind: "json", body: decision("HANDOFF_HUMAN", { why: "needs a person" }) }))
        const assigned: Array<string | null> = []
        for (const waId of ["15550000111", "15550000112", "15550000113", "15550000114"]) {
          yield* say(waId, "I have a complaint about my invoice")
          assigned.push((yield* handedOff(waId))?.assignedTo ?? null)
        }
        llm.respond("decide", () => ({ kind: "json", body: decision() }))
        assert.sameMembers(assigned.slice(0, 3), [a.id, b.id, c.id], "each online person once")
        assert.strictEqual(assigned[3], assigned[0], "then round again")
        assert.notInclude(assigned, offline.id)

        const mine = yield* call("GET", "/conversations/?assigned_to=me", { token: a.token })
        assert.strictEqual(mine.status, 200)
        const ids = mine.body.items.map((x: { assigned_to: string }) => x.assigned_to)
        assert.isAbove(ids.length, 0)
        assert.isTrue(ids.every((id: string) => id === a.id))

        const ref = yield* conversationOf("15550000111")
        const released = yield* call("POST", `/conversations/${ref.conversationId}/release`, { token: a.token })
        assert.strictEqual(released.status, 200)
        assert.isNull(released.body.assigned_to)
        const taken = yield* call("POST", `/conversations/${ref.conversationId}/takeover`, { token: b.token })
        assert.strictEqual(taken.body.assigned_to, b.id) // whoever takes over has it
        // only an admin reassigns
        const denied = yield* call("POST", `/conversations/${ref.conversationId}/assign`, { token: a.token, body: { user_id: c.id } })
        assert.strictEqual(denied.status, 403)
      }))

    it.effect("an admin reassigns; a handoff waiting too long for a person is overdue until one writes", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const adminToken = yield* adminTokenFor
        const llm = yield* FakeLlmServer
        llm.respond("decide", () => ({ kind: "json", body: decision("HANDOFF_HUMAN", { why: "needs a person" }) }))
        yield* say("15550000121", "I want a refund")
        yield* handedOff("15550000121")
        llm.respond("decide", () => ({ kind: "json", body: decision() }))
        const ref = yield* conversationOf("15550000121")
        const other = yield* agent("Eve")
        const moved = yield* call("POST", `/conversations/${ref.conversationId}/assign`, { token: adminToken, body: { user_id: other.id } })
        assert.strictEqual(moved.status, 200)
        assert.strictEqual(moved.body.assigned_to, other.id)
        const bad = yield* call("POST", `/conversations/${ref.conversationId}/assign`, { token: adminToken, body: { user_id: "00000000-0000-4000-8000-000000000000" } })
        assert.strictEqual(bad.status, 400)

        const overdue = () => call("GET", "/conversations/?overdue=true", { token: adminToken }).pipe(
          Effect.map((r) => r.body.items.map((x: { id: string }) => x.id))
        )
        assert.notInclude(yield* overdue(), ref.conversationId) // just handed over
        yield* sql`UPDATE conversations SET mode_changed_at = now() - interval '20 minutes' WHERE id = ${ref.conversationId}`
        assert.include(yield* overdue(), ref.conversationId) // default: 15 minutes
        const item = (yield* call("GET", "/conversations/?overdue=true", { token: adminToken })).body.items.find((x: { id: string }) => x.id === ref.conversationId)
        assert.isTrue(item.overdue)
        const sent = yield* call("POST", "/messages/send", { token: adminToken, body: { conversation_id: ref.conversationId, text: "Hi, I'm Ada from billing, looking at it now." } })
        assert.strictEqual(sent.status, 201)
        assert.notInclude(yield* overdue(), ref.conversationId) // a person answered
      }))

    it.effect("the staff webhook: signed, retried after a failure, logged; a test call; removal", () =>
      Effect.gen(function*() {
        const received: Array<{ body: string; signature: string; event: string }> = []
        let failures = 1
        const server = createServer((req: IncomingMessage, res) => {
          let body = ""
          req.on("data", (c: Buffer) => (body += c.toString()))
          req.on("end", () => {
            received.push({ body, signature: String(req.headers["x-signature-256"]), event: String(req.headers["x-webhook-event"]) })
            res.writeHead(failures-- > 0 ? 500 : 200).end()
          })
        })
        yield* Effect.acquireRelease(
          Effect.promise(() => new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))),
          () => Effect.promise(() => new Promise<void>((resolve) => server.close(() => resolve())))
        )
        const address = server.address()
        const url = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}/hooks/handoff`

        const sql = yield* SqlClient.SqlClient
        const token = yield* adminTokenFor
        const secret = "whsec-0123456789abcdef"
        const put = yield* call("PUT", "/organization/webhook", { token, body: { url, secret } })
        assert.strictEqual(put.status, 200)
        assert.deepStrictEqual(put.body, { url, secret: null }) // a given secret is never echoed
        assert.deepStrictEqual((yield* call("GET", "/organization/webhook", { token })).body, { url, has_secret: true })

        const llm = yield* FakeLlmServer
        llm.respond("decide", () => ({ kind: "json", body: decision("HANDOFF_HUMAN", { why: "asks for a custom contract" }) }))
        yield* say("15550000131", "we need a custom contract for 40 stores")
        yield* handedOff("15550000131")
        llm.respond("decide", () => ({ kind: "json", body: decision() }))
        yield* poll(Effect.sync(() => received.length), (n) => n >= 1)
        // the first attempt failed (500): the row waits for its retry (recorded just after the answer
        // arrives, so waited for); made due, the dispatcher's sweep sends it
        const [row] = yield* poll(
          sql<{ attempts: number; status: string; lastStatus: number }>`SELECT attempts, status, last_status FROM webhook_deliveries WHERE event = 'conversation.handoff'`,
          ([r]) => (r?.attempts ?? 0) > 0
        )
        assert.deepStrictEqual(row, { attempts: 1, status: "pending", lastStatus: 500 })
        yield* sql`UPDATE webhook_deliveries SET next_attempt_at = now() WHERE status = 'pending'`
        yield* poll(Effect.sync(() => received.length), (n) => n >= 2)
        // its success is recorded just after the answer arrives
        yield* poll(sql<{ status: string }>`SELECT status FROM webhook_deliveries WHERE event = 'conversation.handoff'`, ([r]) => r?.status === "delivered")
        for (const r of received) {
          assert.strictEqual(r.signature, `sha256=${createHmac("sha256", secret).update(r.body).digest("hex")}`)
          assert.strictEqual(r.event, "conversation.handoff")
        }
        const payload = JSON.parse(received[1]?.body ?? "{}")
        assert.strictEqual(payload.event, "conversation.handoff")
        assert.match(payload.reason, /^model_decision/)
        assert.strictEqual(payload.lead.phone, "+15550000131")
        assert.strictEqual(payload.conversation_id, (yield* conversationOf("15550000131")).conversationId)

        const test = yield* call("POST", "/organization/webhook/test", { token })
        assert.strictEqual(test.status, 200)
        assert.deepInclude(test.body, { delivered: true, status: 200, error: null })
        const log = yield* call("GET", "/organization/webhook/deliveries?limit=10", { token })
        assert.deepStrictEqual(log.body.items.map((d: { event: string; status: string }) => [d.event, d.status]), [["test", "delivered"], ["conversation.handoff", "delivered"]])
        assert.strictEqual(log.body.items[1].attempts, 2)

        assert.strictEqual((yield* call("PUT", "/organization/webhook", { token, body: { url: "ftp://example.com/x" } })).status, 400)
        const generated = yield* call("PUT", "/organization/webhook", { token, body: { url } })
        assert.match(generated.body.secret, /^[0-9a-f]{64}$/) // shown this once
        assert.strictEqual((yield* call("DELETE", "/organization/webhook", { token })).status, 204)
        assert.deepStrictEqual((yield* call("GET", "/organization/webhook", { token })).body, { url: null, has_secret: false })
        yield* pause(10)
      }).pipe(Effect.scoped))
  })
})

/** An admin of the default organization (quick setup makes none outside development), logged in. */
const adminTokenFor = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const email = `admin-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}@example.com`
  const hashed = yield* hashPassword(Redacted.make("admin password 1"))
  yield* sql`INSERT INTO users (organization_id, name, email, hashed_password, role)
    SELECT id, 'Ada Admin', ${email}, ${hashed}, 'admin' FROM organizations ORDER BY created_at LIMIT 1`
  const login = yield* call("POST", "/auth/login", { body: { email, password: "admin password 1" } })
  if (login.status !== 200) return yield* Effect.die(`login failed: ${login.status}`)
  return String(login.body.access_token)
})
