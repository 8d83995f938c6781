/**
 * Bounded input: request bodies per route (413 before the body is read; chunked bodies read only
 * up to the limit), maximum lengths on every string and list of the dashboard schemas (400 naming
 * the field), and analytics periods of at most 366 days.
 */
import { request } from "node:http"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { HttpServer } from "effect/http"
import { DashboardRpcClient } from "../../src/client/DashboardClient.ts"
import { WhatsAppWebhookApi } from "../../src/domain/WhatsAppApi.ts"
import { API_MAX_BODY_BYTES, bodyLimitOf, INTERNAL_MAX_BODY_BYTES, PROFILE_MAX_BODY_BYTES } from "../../src/http/bodyLimit.ts"
import { appTest } from "../support/app.ts"
import { postWebhook, signature } from "../support/webhooks.ts"
import { call, createOrg, db, env, joinOrg } from "./support.ts"

const SECRET = "limits-app-secret"
const limitsEnv = {
  ...env,
  WHATSAPP_PHONE_NUMBER_ID: "109000000000777",
  WHATSAPP_APP_SECRET: SECRET,
  WHATSAPP_VERIFY_TOKEN: "limits-verify"
}

const port = Effect.map(HttpServer.HttpServer, (server) => "port" in server.address ? server.address.port : 0)

interface RawReply {
  readonly status: number
  readonly body: string
  readonly ms: number
}

/**
 * A request over a raw socket: the headers, then `chunks` written one by one, and the request is
 * never ended — so an answer proves the server did not wait for (or read) the rest of the body.
 */
const unfinished = (method: "POST" | "PUT", path: string, headers: Record<string, string>, chunks: ReadonlyArray<Uint8Array>) =>
  Effect.flatMap(port, (p) =>
    Effect.callback<RawReply>((resume) => {
      const started = Date.now()
      const req = request({ host: "127.0.0.1", port: p, path, method, headers })
      req.on("response", (res) => {
        let body = ""
        res.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")))
        res.on("end", () => {
          resume(Effect.succeed({ status: res.statusCode ?? 0, body, ms: Date.now() - started }))
          req.destroy()
        })
      })
      // the server may close the connection while bytes are still queued: the answer is what counts
      req.on("error", () => {})
      req.flushHeaders()
      for (const chunk of chunks) req.write(chunk)
      return Effect.sync(() => req.destroy())
    }).pipe(Effect.timeout("10 seconds"), Effect.orDie))

const json = (text: string) => JSON.parse(text)

const long = (n: number) => "x".repeat(n)
const filled = <A>(n: number, f: (i: number) => A) => Array.from({ length: n }, (_, i) => f(i))

const profile = {
  business_name: "Acme Bikes",
  description: "City bikes",
  tone: "warm",
  languages: ["en"],
  policies: "",
  timezone: "UTC",
  quiet_hours_start: null,
  quiet_hours_end: null,
  followup: { max_per_24h: 1, max_total: 3, min_minutes: 60, max_minutes: 1440, template_name: null, template_language: null },
  products: [{ name: "City bike", description: "7 gears", price: 499, currency: "EUR" }],
  faqs: [{ question: "Do you deliver?", answer: "Yes." }],
  handoff: { messages: { es: "Enseguida te escribe alguien." }, overdue_minutes: 30 }
}

/** A 400 whose message starts with the field path. */
const assertNames = (r: { status: number; body: any }, field: string) => {
  assert.strictEqual(r.status, 400, `${field}: ${JSON.stringify(r.body)}`)
  assert.strictEqual(r.body.error.code, "validation_error")
  assert.match(r.body.error.message, new RegExp(`^${field.replace(/\./g, "\\.")}: `), r.body.error.message)
}

describe("limits", () => {
  it("every POST route of the WhatsApp webhook keeps its own limit; the others have one", () => {
    const posts = Object.values(WhatsAppWebhookApi.endpoints).filter((e) => e.method === "POST")
    assert.isAtLeast(posts.length, 1)
    for (const e of posts) assert.isUndefined(bodyLimitOf(e.method, e.path), e.path)
    assert.strictEqual(bodyLimitOf("POST", "/auth/login"), API_MAX_BODY_BYTES)
    assert.strictEqual(bodyLimitOf("GET", "/webhooks/whatsapp"), API_MAX_BODY_BYTES)
    assert.strictEqual(bodyLimitOf("PUT", "/organization/profile"), PROFILE_MAX_BODY_BYTES)
    assert.strictEqual(bodyLimitOf("POST", "/internal/rpc"), INTERNAL_MAX_BODY_BYTES)
  })

  it.layer(appTest(limitsEnv), { excludeTestServices: true, timeout: "60 seconds" })((it) => {
    it.effect("a 5 MB login body: 413 at once from its Content-Length, unread; the server stays healthy", () =>
      Effect.gen(function*() {
        const admin = yield* createOrg(undefined, "the right password")
        // only 1 KiB of the announced 5 MB is ever sent
        const r = yield* unfinished("POST", "/auth/login", { "content-type": "application/json", "content-length": String(5 * 1024 * 1024) }, [
          new TextEncoder().encode(`{"email":"${admin.email}","password":"${long(1000)}`)
        ])
        assert.strictEqual(r.status, 413)
        assert.deepStrictEqual(json(r.body), {
          error: { code: "payload_too_large", message: "the request body must be at most 64 KiB (65536 bytes)" }
        })
        assert.isBelow(r.ms, 3000)

        // a whole 5 MB body sent by an ordinary client gets the same answer
        const whole = yield* call("POST", "/auth/login", { body: { email: admin.email, password: long(5 * 1024 * 1024) } })
        assert.strictEqual(whole.status, 413)
        assert.strictEqual(whole.body.error.code, "payload_too_large")

        const health = yield* call("GET", "/health")
        assert.strictEqual(health.status, 200)
        assert.strictEqual(health.body.db, "ok")
        const login = yield* call("POST", "/auth/login", { body: { email: admin.email, password: "the right password" } })
        assert.strictEqual(login.status, 200)
      }))

    it.effect("a chunked body is read up to the limit only, then answered 413", () =>
      Effect.gen(function*() {
        // 256 KiB in 16 KiB chunks, no Content-Length, never finished
        const chunks = filled(16, () => new Uint8Array(16 * 1024).fill(0x20))
        const r = yield* unfinished("POST", "/auth/login", { "content-type": "application/json", "transfer-encoding": "chunked" }, chunks)
        assert.strictEqual(r.status, 413)
        assert.strictEqual(json(r.body).error.code, "payload_too_large")
        // a small chunked body is still read and decoded
        const small = yield* Effect.flatMap(port, (p) =>
          Effect.callback<number>((resume) => {
            const req = request({ host: "127.0.0.1", port: p, path: "/auth/login", method: "POST", headers: { "content-type": "application/json", "transfer-encoding": "chunked" } })
            req.on("response", (res) => {
              res.resume()
              resume(Effect.succeed(res.statusCode ?? 0))
            })
            req.on("error", (e) => resume(Effect.die(e)))
            req.write("{\"email\":\"nobody@example.com\",")
            req.end("\"password\":\"wrong password\"}")
          }))
        assert.strictEqual(small, 401)
      }))

    it.effect("the dashboard's 64 KiB applies to other routes; the profile may be larger", () =>
      Effect.gen(function*() {
        const admin = yield* createOrg()
        const lead = yield* call("POST", "/leads/create", { token: admin.token, body: { phone: "+14155550100", name: "Big", pad: long(API_MAX_BODY_BYTES) } })
        assert.strictEqual(lead.status, 413)
        // 150 products with long descriptions: about 300 KB
        const big = { ...profile, products: filled(150, (i) => ({ name: `Bike ${i}`, description: long(2000), price: i, currency: "EUR" })) }
        const saved = yield* call("PUT", "/organization/profile", { token: admin.token, body: big })
        assert.strictEqual(saved.status, 200)
        assert.strictEqual(saved.body.products.length, 150)
        const tooBig = yield* unfinished("PUT", "/organization/profile", {
          authorization: `Bearer ${admin.token}`, "content-type": "application/json", "content-length": String(PROFILE_MAX_BODY_BYTES + 1)
        }, [])
        assert.strictEqual(tooBig.status, 413)
        assert.include(json(tooBig.body).error.message, "4 MiB")
      }))

    it.effect("the webhook keeps its own 3 MB limit: a 200 KB delivery is accepted", () =>
      Effect.gen(function*() {
        const body = new TextEncoder().encode(JSON.stringify({ object: "whatsapp_business_account", entry: [], pad: long(200 * 1024) }))
        const r = yield* postWebhook(body, signature(SECRET, body))
        assert.strictEqual(r.status, 200, r.text)
      }))

    it.effect("over-long strings and lists of every schema: 400 naming the field", () =>
      Effect.gen(function*() {
        const admin = yield* createOrg()
        const agent = yield* joinOrg(admin.inviteCode)
        const t = { token: admin.token }
        const uuid = "00000000-0000-4000-8000-000000000000"

        assertNames(yield* call("POST", "/auth/login", { body: { email: `${long(250)}@x.io`, password: "whatever1" } }), "email")
        assertNames(yield* call("POST", "/auth/login", { body: { email: admin.email, password: long(257) } }), "password")
        const signup = { organization_name: "Org", name: "Ann", email: "ann@example.com", password: "password-123" }
        assertNames(yield* call("POST", "/auth/signup/create-org", { body: { ...signup, organization_name: long(201) } }), "organization_name")
        assertNames(yield* call("POST", "/auth/signup/create-org", { body: { ...signup, name: long(201) } }), "name")
        assertNames(yield* call("POST", "/auth/signup/create-org", { body: { ...signup, password: long(257) } }), "password")
        const join = { invite_code: admin.inviteCode, name: "Ann", email: "ann2@example.com", password: "password-123" }
        assertNames(yield* call("POST", "/auth/signup/join-org", { body: { ...join, invite_code: long(65) } }), "invite_code")
        assertNames(yield* call("POST", "/auth/signup/join-org", { body: { ...join, email: `${long(250)}@x.io` } }), "email")

        const profiles: Array<[unknown, string]> = [
          [{ ...profile, business_name: long(201) }, "business_name"],
          [{ ...profile, description: long(10_001) }, "description"],
          [{ ...profile, tone: long(201) }, "tone"],
          [{ ...profile, policies: long(10_001) }, "policies"],
          [{ ...profile, languages: filled(21, (i) => `l${i}`) }, "languages"],
          [{ ...profile, languages: [long(17)] }, "languages.0"],
          [{ ...profile, products: filled(501, (i) => ({ name: `p${i}`, description: "", price: null, currency: null })) }, "products"],
          [{ ...profile, products: [{ name: long(201), description: "", price: null, currency: null }] }, "products.0.name"],
          [{ ...profile, products: [{ name: "p", description: long(2001), price: null, currency: null }] }, "products.0.description"],
          [{ ...profile, faqs: filled(501, (i) => ({ question: `q${i}?`, answer: "a" })) }, "faqs"],
          [{ ...profile, faqs: [{ question: long(1001), answer: "a" }] }, "faqs.0.question"],
          [{ ...profile, faqs: [{ question: "q", answer: long(4001) }] }, "faqs.0.answer"],
          [{ ...profile, followup: { ...profile.followup, template_name: long(513) } }, "followup.template_name"],
          [{ ...profile, followup: { ...profile.followup, template_language: long(17) } }, "followup.template_language"],
          [{ ...profile, handoff: { messages: Object.fromEntries(filled(51, (i) => [`l${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}`, "hi"])), overdue_minutes: 15 } }, "handoff.messages"],
          [{ ...profile, handoff: { messages: { es: long(501) }, overdue_minutes: 15 } }, "handoff.messages.es"]
        ]
        for (const [body, field] of profiles) assertNames(yield* call("PUT", "/organization/profile", { ...t, body }), field)
        // at the limits exactly: accepted
        const atLimits = {
          ...profile,
          business_name: long(200), description: long(10_000), tone: long(200), policies: long(10_000),
          languages: filled(20, (i) => `l${String.fromCharCode(97 + i)}`),
          products: filled(500, (i) => ({ name: `p${i}`, description: "", price: null, currency: null })),
          faqs: filled(500, (i) => ({ question: `q${i}?`, answer: "a" }))
        }
        assert.strictEqual((yield* call("PUT", "/organization/profile", { ...t, body: atLimits })).status, 200)
        // a profile stored before the limits still reads back as it is
        yield* db((sql) => sql`UPDATE business_profiles SET description = ${long(20_000)} WHERE organization_id = ${admin.orgId}`)
        const stored = yield* call("GET", "/organization/profile", t)
        assert.strictEqual(stored.status, 200)
        assert.strictEqual(stored.body.description.length, 20_000)

        const newLead = { phone: "+14155550111" }
        assertNames(yield* call("POST", "/leads/create", { ...t, body: { ...newLead, name: long(201) } }), "name")
        assertNames(yield* call("POST", "/leads/create", { ...t, body: { ...newLead, email: `${long(250)}@x.io` } }), "email")
        assertNames(yield* call("POST", "/leads/create", { ...t, body: { ...newLead, company: long(201) } }), "company")
        assertNames(yield* call("POST", "/leads/create", { ...t, body: { phone: `+1${"5".repeat(20)}` } }), "phone")
        assertNames(yield* call("PUT", `/leads/${uuid}`, { ...t, body: { company: long(201) } }), "company")
        assertNames(yield* call("GET", `/leads/?search=${long(201)}`, t), "search")
        assertNames(yield* call("GET", `/leads/?cursor=${long(513)}`, t), "cursor")

        assertNames(yield* call("GET", `/conversations/?search=${long(201)}`, { token: agent.token }), "search")
        const send = { conversation_id: uuid }
        assertNames(yield* call("POST", "/messages/send", { ...t, body: { ...send, text: long(4097) } }), "text")
        const template = { name: "nudge", language: "en" }
        assertNames(yield* call("POST", "/messages/send", { ...t, body: { ...send, template: { ...template, name: long(513) } } }), "template.name")
        assertNames(yield* call("POST", "/messages/send", { ...t, body: { ...send, template: { ...template, parameters: filled(21, () => "p") } } }), "template.parameters")
        assertNames(yield* call("POST", "/messages/send", { ...t, body: { ...send, template: { ...template, parameters: ["ok", long(1001)] } } }), "template.parameters.1")

        const channel = { phone_number_id: "1234", transport: "sandbox" }
        assertNames(yield* call("POST", "/channels", { ...t, body: { ...channel, phone_number_id: long(65) } }), "phone_number_id")
        assertNames(yield* call("POST", "/channels", { ...t, body: { ...channel, display_phone_number: long(33) } }), "display_phone_number")
        assertNames(yield* call("POST", "/channels", { ...t, body: { ...channel, access_token: long(4097) } }), "access_token")

        assertNames(yield* call("PUT", "/organization/webhook", { ...t, body: { url: `https://example.com/${long(2048)}` } }), "url")
        assertNames(yield* call("GET", `/analytics/?from=2026-01-01T00:00:00Z${long(60)}`, t), "from")

        // the limits are part of the published API
        const doc = JSON.stringify((yield* call("GET", "/openapi.json")).body)
        for (const bound of ["\"maxItems\":500", "\"maxLength\":10000", "\"maxItems\":20", "\"maxLength\":200"]) assert.include(doc, bound)
      }))

    it.effect("analytics: periods of at most 366 days, over HTTP and RPC", () =>
      Effect.gen(function*() {
        const admin = yield* createOrg()
        const t = { token: admin.token }
        assertNames(yield* call("GET", "/analytics/?from=2025-01-01T00:00:00Z&to=2026-02-05T00:00:00Z", t), "to")
        const longAgo = new Date(Date.now() - 400 * 24 * 3600 * 1000).toISOString()
        assertNames(yield* call("GET", `/analytics/?from=${longAgo}`, t), "from")
        assertNames(yield* call("GET", "/analytics/?from=2026-03-01&to=2026-02-01", t), "from")
        // a leap year's 366 days: fine
        assert.strictEqual((yield* call("GET", "/analytics/?from=2024-01-01T00:00:00Z&to=2025-01-01T00:00:00Z", t)).status, 200)
        assert.strictEqual((yield* call("GET", "/analytics/?to=2026-02-05T00:00:00Z", t)).status, 200)

        const base = yield* Effect.map(port, (p) => `http://127.0.0.1:${p}`)
        const failure = yield* Effect.gen(function*() {
          const rpc = yield* DashboardRpcClient
          return yield* rpc["analytics.get"]({ from: "2025-01-01T00:00:00Z", to: "2026-02-05T00:00:00Z" }).pipe(Effect.flip)
        }).pipe(Effect.provide(DashboardRpcClient.layer({ baseUrl: base, token: admin.token })), Effect.scoped)
        assert.strictEqual(failure._tag, "ValidationError")
        assert.match(failure._tag === "ValidationError" ? failure.message : "", /^to: must be at most 366 days after from/)
      }))
  })
})
