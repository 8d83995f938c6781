import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { appTest } from "../support/app.ts"
import { FakeGraphServer } from "../support/fakeGraph.ts"
import { call, createOrg, db, env, joinOrg, unique } from "./support.ts"

const profile = {
  business_name: "Acme Bikes",
  description: "City bikes and repairs in Madrid",
  tone: "warm, brief",
  languages: ["es", "en"],
  policies: "30-day returns",
  timezone: "Europe/Madrid",
  quiet_hours_start: "21:00",
  quiet_hours_end: "08:30",
  followup: { max_per_24h: 1, max_total: 3, min_minutes: 60, max_minutes: 1440, template_name: "nudge", template_language: "es" },
  products: [
    { name: "City bike", description: "7 gears", price: 499.9, currency: "EUR" },
    { name: "Tune-up", description: "", price: null, currency: null }
  ],
  faqs: [{ question: "Do you deliver?", answer: "Yes, in Madrid." }],
  handoff: { messages: { es: "¡Gracias! Te escribe alguien de la tienda enseguida." }, overdue_minutes: 30 },
  reply_limits: { max_words: 60, max_questions: 1 },
  ctas: [{ key: "book_visit", label: "Book a visit to the shop", url: "https://acme-bikes.example/visit" }]
}

/** The app with its Graph API base URL on a fake (the ownership proof of cloud channels). */
const withGraph = Layer.unwrap(Effect.map(FakeGraphServer, (fake) => appTest({ ...env, WHATSAPP_API_BASE_URL: fake.url }))).pipe(
  Layer.provideMerge(FakeGraphServer.layer)
)

/** A Meta-style phone_number_id (digits only). */
let n = 0
const numberId = () => `1098${Date.now().toString().slice(-7)}${String(++n).padStart(4, "0")}`

describe("channels", () => {
  it.layer(withGraph, { excludeTestServices: true })((it) => {
    it.effect("admin connects a number its token proves; secrets are stored sealed and never returned", () =>
      Effect.gen(function*() {
        const graph = yield* FakeGraphServer
        const admin = yield* createOrg()
        const agent = yield* joinOrg(admin.inviteCode)
        const phoneNumberId = numberId()
        graph.own("EAAG-very-secret", phoneNumberId)
        graph.reset()
        const created = yield* call("POST", "/channels", {
          token: admin.token,
          body: {
            phone_number_id: phoneNumberId, display_phone_number: "+34 600 000 000", access_token: "EAAG-very-secret",
            app_secret: "app-secret-value", verify_token: "verify-me", transport: "cloud"
          }
        })
        assert.strictEqual(created.status, 201)
        assert.deepStrictEqual({ ...created.body, id: "" }, {
          id: "", phone_number_id: phoneNumberId, display_phone_number: "+34 600 000 000", transport: "cloud", health: "ok",
          has_access_token: true, has_app_secret: true, has_verify_token: true
        })
        // the proof: GET /{phone_number_id}?fields=id,display_phone_number with the supplied token
        assert.deepStrictEqual(graph.requests.map((r) => [r.method, r.path, r.authorization]), [
          ["GET", `/v23.0/${phoneNumberId}?fields=id%2Cdisplay_phone_number`, "Bearer EAAG-very-secret"]
        ])
        const text = JSON.stringify(created.body)
        for (const secret of ["EAAG-very-secret", "app-secret-value", "verify-me"]) assert.notInclude(text, secret)
        const rows = yield* db((sql) => sql<{ accessTokenEnc: string }>`SELECT access_token_enc FROM channels WHERE id = ${created.body.id}`)
        assert.notInclude(rows[0]?.accessTokenEnc ?? "", "EAAG")
        const listed = yield* call("GET", "/channels", { token: agent.token })
        assert.strictEqual(listed.status, 200)
        assert.deepStrictEqual(listed.body, [created.body])
        const dup = yield* call("POST", "/channels", { token: admin.token, body: { phone_number_id: phoneNumberId, access_token: "EAAG-very-secret", transport: "cloud" } })
        assert.strictEqual(dup.status, 409)
        const bad = yield* call("POST", "/channels", { token: admin.token, body: { phone_number_id: "1", transport: "carrier-pigeon" } })
        assert.strictEqual(bad.status, 400)
        assert.match(bad.body.error.message, /^transport: /)
      }))

    it.effect("the display number comes from the Graph API when not given", () =>
      Effect.gen(function*() {
        const graph = yield* FakeGraphServer
        const admin = yield* createOrg()
        const phoneNumberId = numberId()
        graph.own("tok-display", phoneNumberId, "+1 555-010-4242")
        const created = yield* call("POST", "/channels", { token: admin.token, body: { phone_number_id: phoneNumberId, access_token: "tok-display", transport: "cloud" } })
        assert.strictEqual(created.status, 201)
        assert.strictEqual(created.body.display_phone_number, "+1 555-010-4242")
      }))

    it.effect("a cloud number the token does not prove is refused, and nothing is bound", () =>
      Effect.gen(function*() {
        const graph = yield* FakeGraphServer
        const admin = yield* createOrg()
        const phoneNumberId = numberId()
        graph.own("someone-elses-token", phoneNumberId)
        const refused = yield* call("POST", "/channels", { token: admin.token, body: { phone_number_id: phoneNumberId, access_token: "my-token", transport: "cloud" } })
        assert.strictEqual(refused.status, 403)
        assert.strictEqual(refused.body.error.message, "phone_number_id: not confirmed: the Graph API refused this access_token for it (HTTP 400, code 100)")
        // a 200 for another id proves nothing either
        graph.script({ status: 200, body: { id: "123456", display_phone_number: "+1 555 0100" } })
        const other = yield* call("POST", "/channels", { token: admin.token, body: { phone_number_id: phoneNumberId, access_token: "my-token", transport: "cloud" } })
        assert.strictEqual(other.status, 403)
        assert.match(other.body.error.message, /another number/)
        // no token, no proof
        const tokenless = yield* call("POST", "/channels", { token: admin.token, body: { phone_number_id: phoneNumberId, transport: "cloud" } })
        assert.strictEqual(tokenless.status, 400)
        assert.match(tokenless.body.error.message, /^access_token: required for a cloud channel/)
        const rows = yield* db((sql) => sql`SELECT 1 FROM channels WHERE phone_number_id = ${phoneNumberId}`)
        assert.strictEqual(rows.length, 0)
      }))

    it.effect("a number bound to another organization: 409 whatever the token, and it stays where it is", () =>
      Effect.gen(function*() {
        const graph = yield* FakeGraphServer
        const owner = yield* createOrg()
        const claimant = yield* createOrg()
        const phoneNumberId = numberId()
        graph.own("owner-token", phoneNumberId)
        graph.own("claimant-token", phoneNumberId) // even a token that reaches it
        const created = yield* call("POST", "/channels", { token: owner.token, body: { phone_number_id: phoneNumberId, access_token: "owner-token", transport: "cloud" } })
        assert.strictEqual(created.status, 201)
        graph.reset()
        for (const body of [
          { phone_number_id: phoneNumberId, access_token: "claimant-token", transport: "cloud" },
          { phone_number_id: ` ${phoneNumberId} `, access_token: "owner-token", transport: "cloud" }
        ]) {
          const claimed = yield* call("POST", "/channels", { token: claimant.token, body })
          assert.strictEqual(claimed.status, 409)
          assert.strictEqual(claimed.body.error.message, "phone_number_id: this number is already connected")
        }
        assert.strictEqual(graph.requests.length, 0, "refused before any Graph API call")
        const rows = yield* db((sql) => sql<{ organizationId: string }>`SELECT organization_id FROM channels WHERE phone_number_id = ${phoneNumberId}`)
        assert.deepStrictEqual(rows.map((r) => r.organizationId), [owner.orgId])
      }))

    it.effect("a sandbox channel cannot take a WhatsApp phone number id (it proves nothing)", () =>
      Effect.gen(function*() {
        const admin = yield* createOrg()
        const squat = yield* call("POST", "/channels", { token: admin.token, body: { phone_number_id: numberId(), transport: "sandbox" } })
        assert.strictEqual(squat.status, 400)
        assert.match(squat.body.error.message, /^phone_number_id: a sandbox channel cannot use a WhatsApp phone number id/)
        const sandbox = yield* call("POST", "/channels", { token: admin.token, body: { phone_number_id: unique("sandbox"), transport: "sandbox" } })
        assert.strictEqual(sandbox.status, 201)
      }))
  })
})

describe("settings", () => {
  it.layer(appTest(env), { excludeTestServices: true })((it) => {
    it.effect("business profile: defaults, replace (admin), validation", () =>
      Effect.gen(function*() {
        const admin = yield* createOrg()
        const agent = yield* joinOrg(admin.inviteCode)
        const initial = yield* call("GET", "/organization/profile", { token: agent.token })
        assert.strictEqual(initial.status, 200)
        assert.strictEqual(initial.body.timezone, "UTC")
        assert.deepStrictEqual(initial.body.products, [])
        assert.deepStrictEqual(initial.body.handoff, { messages: {}, overdue_minutes: 15 })
        assert.deepStrictEqual(initial.body.reply_limits, { max_words: 80, max_questions: 1 })
        assert.deepStrictEqual(initial.body.ctas, [])
        assert.strictEqual((yield* call("PUT", "/organization/profile", { token: agent.token, body: profile })).status, 403)
        const saved = yield* call("PUT", "/organization/profile", { token: admin.token, body: profile })
        assert.strictEqual(saved.status, 200)
        assert.deepStrictEqual(saved.body, profile)
        assert.deepStrictEqual((yield* call("GET", "/organization/profile", { token: agent.token })).body, profile)
        const fewer = { ...profile, products: [], faqs: [] }
        assert.deepStrictEqual((yield* call("PUT", "/organization/profile", { token: admin.token, body: fewer })).body, fewer)
        // a PUT without `handoff` leaves the handoff settings as they are
        const { handoff: _, reply_limits: __, ctas: ___, ...withoutThem } = fewer
        const kept = (yield* call("PUT", "/organization/profile", { token: admin.token, body: withoutThem })).body
        assert.deepStrictEqual([kept.handoff, kept.reply_limits, kept.ctas], [profile.handoff, profile.reply_limits, profile.ctas])

        const invalid: Array<[unknown, string]> = [
          [{ ...profile, timezone: "Mars/Olympus" }, "timezone"],
          [{ ...profile, quiet_hours_start: "25:00" }, "quiet_hours_start"],
          [{ ...profile, quiet_hours_end: null }, "quiet_hours_end"],
          [{ ...profile, followup: { ...profile.followup, max_total: -1 } }, "followup.max_total"],
          [{ ...profile, followup: { ...profile.followup, min_minutes: 500, max_minutes: 100 } }, "followup.max_minutes"],
          [{ ...profile, products: [{ name: "x", description: "", price: 1, currency: "euro" }] }, "products.0.currency"],
          [{ ...profile, handoff: { messages: {}, overdue_minutes: 0 } }, "handoff.overdue_minutes"],
          [{ ...profile, reply_limits: { max_words: 5, max_questions: 1 } }, "reply_limits.max_words"],
          [{ ...profile, ctas: [{ key: "Book Now", label: "Book", url: null }] }, "ctas.0.key"],
          [{ ...profile, handoff: { messages: { es: "" }, overdue_minutes: 15 } }, "handoff.messages.es"]
        ]
        for (const [body, field] of invalid) {
          const r = yield* call("PUT", "/organization/profile", { token: admin.token, body })
          assert.strictEqual(r.status, 400, field)
          assert.match(r.body.error.message, new RegExp(`^${field.replace(/\./g, "\\.")}: `), r.body.error.message)
        }
      }))
  })
})
