import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { appTest } from "../support/app.ts"
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
  handoff: { messages: { es: "¡Gracias! Te escribe alguien de la tienda enseguida." }, overdue_minutes: 30 }
}

describe("settings", () => {
  it.layer(appTest(env), { excludeTestServices: true })((it) => {
    it.effect("channels: admin connects a number; secrets are stored sealed and never returned", () =>
      Effect.gen(function*() {
        const admin = yield* createOrg()
        const agent = yield* joinOrg(admin.inviteCode)
        const phoneNumberId = unique("1098")
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
        const text = JSON.stringify(created.body)
        for (const secret of ["EAAG-very-secret", "app-secret-value", "verify-me"]) assert.notInclude(text, secret)
        const rows = yield* db((sql) => sql<{ accessTokenEnc: string }>`SELECT access_token_enc FROM channels WHERE id = ${created.body.id}`)
        assert.notInclude(rows[0]?.accessTokenEnc ?? "", "EAAG")
        const listed = yield* call("GET", "/channels", { token: agent.token })
        assert.strictEqual(listed.status, 200)
        assert.deepStrictEqual(listed.body, [created.body])
        const dup = yield* call("POST", "/channels", { token: admin.token, body: { phone_number_id: phoneNumberId, transport: "sandbox" } })
        assert.strictEqual(dup.status, 409)
        const bad = yield* call("POST", "/channels", { token: admin.token, body: { phone_number_id: "1", transport: "carrier-pigeon" } })
        assert.strictEqual(bad.status, 400)
        assert.match(bad.body.error.message, /^transport: /)
      }))

    it.effect("business profile: defaults, replace (admin), validation", () =>
      Effect.gen(function*() {
        const admin = yield* createOrg()
        const agent = yield* joinOrg(admin.inviteCode)
        const initial = yield* call("GET", "/organization/profile", { token: agent.token })
        assert.strictEqual(initial.status, 200)
        assert.strictEqual(initial.body.timezone, "UTC")
        assert.deepStrictEqual(initial.body.products, [])
        assert.deepStrictEqual(initial.body.handoff, { messages: {}, overdue_minutes: 15 })
        assert.strictEqual((yield* call("PUT", "/organization/profile", { token: agent.token, body: profile })).status, 403)
        const saved = yield* call("PUT", "/organization/profile", { token: admin.token, body: profile })
        assert.strictEqual(saved.status, 200)
        assert.deepStrictEqual(saved.body, profile)
        assert.deepStrictEqual((yield* call("GET", "/organization/profile", { token: agent.token })).body, profile)
        const fewer = { ...profile, products: [], faqs: [] }
        assert.deepStrictEqual((yield* call("PUT", "/organization/profile", { token: admin.token, body: fewer })).body, fewer)
        // a PUT without `handoff` leaves the handoff settings as they are
        const { handoff: _, ...withoutHandoff } = fewer
        assert.deepStrictEqual((yield* call("PUT", "/organization/profile", { token: admin.token, body: withoutHandoff })).body.handoff, profile.handoff)

        const invalid: Array<[unknown, string]> = [
          [{ ...profile, timezone: "Mars/Olympus" }, "timezone"],
          [{ ...profile, quiet_hours_start: "25:00" }, "quiet_hours_start"],
          [{ ...profile, quiet_hours_end: null }, "quiet_hours_end"],
          [{ ...profile, followup: { ...profile.followup, max_total: -1 } }, "followup.max_total"],
          [{ ...profile, followup: { ...profile.followup, min_minutes: 500, max_minutes: 100 } }, "followup.max_minutes"],
          [{ ...profile, products: [{ name: "x", description: "", price: 1, currency: "euro" }] }, "products.0.currency"],
          [{ ...profile, handoff: { messages: {}, overdue_minutes: 0 } }, "handoff.overdue_minutes"],
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
