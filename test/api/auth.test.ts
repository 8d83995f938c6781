import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { SignJWT } from "jose"
import { AUDIENCE, ISSUER } from "../../src/auth/Tokens.ts"
import { appTest } from "../support/app.ts"
import { call, createOrg, db, env, joinOrg, JWT_SECRET, unique } from "./support.ts"

const sign = (claims: Record<string, unknown>, options: { secret?: string; exp?: number; sub: string }) =>
  Effect.promise(() =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(options.sub)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(options.exp ?? Math.floor(Date.now() / 1000) + 3600)
      .sign(new TextEncoder().encode(options.secret ?? JWT_SECRET))
  )

describe("auth", () => {
  it.layer(appTest(env), { excludeTestServices: true })((it) => {
    it.effect("create-org makes an admin with a token and an invite code; join-org makes an agent", () =>
      Effect.gen(function*() {
        const email = `${unique("Owner")}@Example.COM`
        const created = yield* call("POST", "/auth/signup/create-org", {
          body: { organization_name: "Acme Bikes", name: "Olga Owner", email: `  ${email} `, password: "s3cret-password" }
        })
        assert.strictEqual(created.status, 201)
        assert.strictEqual(created.body.token_type, "bearer")
        assert.strictEqual(created.body.user.role, "admin")
        assert.strictEqual(created.body.user.email, email.toLowerCase())
        assert.strictEqual(created.body.organization.name, "Acme Bikes")
        assert.match(created.body.organization.invite_code, /^[A-Z2-9]{10}$/)
        assert.isString(created.body.access_token)

        const joined = yield* call("POST", "/auth/signup/join-org", {
          body: { invite_code: ` ${created.body.organization.invite_code.toLowerCase()} `, name: "Ann Agent", email: `${unique("a")}@example.com`, password: "another-password" }
        })
        assert.strictEqual(joined.status, 201)
        assert.strictEqual(joined.body.user.role, "agent")
        assert.strictEqual(joined.body.organization.id, created.body.organization.id)
        assert.isNull(joined.body.organization.invite_code)

        const me = yield* call("GET", "/auth/me", { token: joined.body.access_token })
        assert.strictEqual(me.status, 200)
        assert.strictEqual(me.body.user.id, joined.body.user.id)

        const login = yield* call("POST", "/auth/login", { body: { email: email.toUpperCase(), password: "s3cret-password" } })
        assert.strictEqual(login.status, 200)
        assert.strictEqual(login.body.user.id, created.body.user.id)
      }))

    it.effect("stores a scrypt hash at OWASP's cost (N=2^17, r=8, p=1), never the password", () =>
      Effect.gen(function*() {
        const account = yield* createOrg(undefined, "plain-text-must-not-be-stored")
        const rows = yield* db((sql) => sql<{ hashedPassword: string }>`SELECT hashed_password FROM users WHERE id = ${account.userId}`)
        const stored = rows[0]?.hashedPassword ?? ""
        assert.match(stored, /^scrypt\$131072\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/)
        assert.notInclude(stored, "plain-text")
      }))

    it.effect("email is unique (case and spaces ignored) → 409", () =>
      Effect.gen(function*() {
        const account = yield* createOrg()
        const again = yield* call("POST", "/auth/signup/create-org", {
          body: { organization_name: "Other", name: "X", email: ` ${account.email.toUpperCase()}`, password: "password-123" }
        })
        assert.strictEqual(again.status, 409)
        assert.strictEqual(again.body.error.code, "conflict")
        assert.include(again.body.error.message, "email")
        const join = yield* call("POST", "/auth/signup/join-org", {
          body: { invite_code: account.inviteCode, name: "X", email: account.email, password: "password-123" }
        })
        assert.strictEqual(join.status, 409)
        // the failed create-org left no organization behind
        const orgs = yield* db((sql) => sql<{ n: number }>`SELECT count(*)::int AS n FROM organizations WHERE name = 'Other'`)
        assert.strictEqual(orgs[0]?.n, 0)
      }))

    it.effect("join-org with an unknown invite code → 404", () =>
      Effect.gen(function*() {
        const r = yield* call("POST", "/auth/signup/join-org", {
          body: { invite_code: "NOPE000000", name: "X", email: `${unique("x")}@example.com`, password: "password-123" }
        })
        assert.strictEqual(r.status, 404)
        assert.deepStrictEqual(Object.keys(r.body.error).sort(), ["code", "message"])
        assert.include(r.body.error.message, "invite_code")
      }))

    it.effect("validation errors name the field", () =>
      Effect.gen(function*() {
        const cases: Array<[unknown, string]> = [
          [{ organization_name: "A", name: "B", email: "not-an-email", password: "password-123" }, "email"],
          [{ organization_name: "A", name: "B", email: "a@b.co", password: "short" }, "password"],
          [{ organization_name: "  ", name: "B", email: "a@b.co", password: "password-123" }, "organization_name"],
          [{ name: "B", email: "a@b.co", password: "password-123" }, "organization_name"],
          [{ organization_name: "A", name: 42, email: "a@b.co", password: "password-123" }, "name"]
        ]
        for (const [body, field] of cases) {
          const r = yield* call("POST", "/auth/signup/create-org", { body })
          assert.strictEqual(r.status, 400, JSON.stringify(body))
          assert.strictEqual(r.body.error.code, "validation_error")
          assert.match(r.body.error.message, new RegExp(`^${field}: `), r.body.error.message)
        }
      }))

    it.effect("a wrong password or unknown email → 401, same message", () =>
      Effect.gen(function*() {
        const account = yield* createOrg()
        const wrong = yield* call("POST", "/auth/login", { body: { email: account.email, password: "wrong-password" } })
        const unknown = yield* call("POST", "/auth/login", { body: { email: `${unique("nobody")}@example.com`, password: "x" } })
        assert.strictEqual(wrong.status, 401)
        assert.strictEqual(unknown.status, 401)
        assert.deepStrictEqual(wrong.body, unknown.body)
        assert.deepStrictEqual(wrong.body, { error: { code: "unauthorized", message: "Invalid email or password" } })
      }))

    it.effect("too many failed logins for an email from one address → 429 with Retry-After, even with the right password", () =>
      Effect.gen(function*() {
        const account = yield* createOrg()
        for (let i = 0; i < 5; i++) {
          const r = yield* call("POST", "/auth/login", { body: { email: account.email, password: `bad-${i}` } })
          assert.strictEqual(r.status, 401)
        }
        const blocked = yield* call("POST", "/auth/login", { body: { email: account.email, password: "correct horse battery" } })
        assert.strictEqual(blocked.status, 429)
        assert.strictEqual(blocked.body.error.code, "too_many_attempts")
        const retryAfter = Number(blocked.headers["retry-after"])
        assert.isTrue(retryAfter > 0 && retryAfter <= 900, `retry-after ${retryAfter}`)
        // another account is not affected by this email's lock
        const other = yield* createOrg()
        const ok = yield* call("POST", "/auth/login", { body: { email: other.email, password: "correct horse battery" } })
        assert.strictEqual(ok.status, 200)
      }))

    it.effect("too many failed logins from one IP, across emails → 429", () =>
      Effect.gen(function*() {
        // the other tests of this file failed or were refused 8 logins from 127.0.0.1 already; the address limit is 20
        let status = 401
        let attempts = 0
        while (status === 401 && attempts < 25) {
          const r = yield* call("POST", "/auth/login", { body: { email: `${unique("spray")}@example.com`, password: "guess" } })
          status = r.status
          attempts++
        }
        assert.strictEqual(status, 429)
        assert.isTrue(attempts <= 20, `blocked after ${attempts} attempts`)
      }))

    it.effect("missing, malformed, forged, expired and foreign tokens → 401", () =>
      Effect.gen(function*() {
        const account = yield* createOrg()
        const claims = { org: account.orgId, role: "admin" }
        const good = yield* sign(claims, { sub: account.userId })
        assert.strictEqual((yield* call("GET", "/leads/", { token: good })).status, 200)

        const forged = yield* sign(claims, { sub: account.userId, secret: "another-secret-another-secret-0123456789" })
        const expired = yield* sign(claims, { sub: account.userId, exp: Math.floor(Date.now() / 1000) - 60 })
        const noneAlg = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${
          Buffer.from(JSON.stringify({ sub: account.userId, ...claims, iss: ISSUER, aud: AUDIENCE })).toString("base64url")
        }.`
        const wrongOrg = yield* sign({ org: "00000000-0000-0000-0000-000000000000", role: "admin" }, { sub: account.userId })
        for (const [token, why] of [[undefined, "missing"], ["garbage", "malformed"], [forged, "forged"], [expired, "expired"], [noneAlg, "alg none"], [wrongOrg, "wrong org"]] as const) {
          const r = yield* call("GET", "/leads/", token === undefined ? {} : { token })
          assert.strictEqual(r.status, 401, why)
          assert.strictEqual(r.body.error.code, "unauthorized", why)
        }
        const r = yield* call("GET", "/leads/", { token: expired })
        assert.strictEqual(r.body.error.message, "Token expired")
      }))

    it.effect("a deactivated user's token stops working", () =>
      Effect.gen(function*() {
        const account = yield* createOrg()
        yield* db((sql) => sql`UPDATE users SET is_active = false WHERE id = ${account.userId}`)
        assert.strictEqual((yield* call("GET", "/auth/me", { token: account.token })).status, 401)
      }))

    it.effect("agents get 403 on admin operations", () =>
      Effect.gen(function*() {
        const admin = yield* createOrg()
        const agent = yield* joinOrg(admin.inviteCode)
        const lead = yield* call("POST", "/leads/create", { token: agent.token, body: { phone: "+14155550100" } })
        assert.strictEqual(lead.status, 201)
        const attempts = [
          call("DELETE", `/leads/${lead.body.id}`, { token: agent.token }),
          call("POST", "/channels", { token: agent.token, body: { phone_number_id: "123", transport: "sandbox" } }),
          call("GET", "/organization/invite", { token: agent.token }),
          call("POST", "/organization/invite/rotate", { token: agent.token })
        ]
        for (const attempt of attempts) {
          const r = yield* attempt
          assert.strictEqual(r.status, 403)
          assert.strictEqual(r.body.error.code, "forbidden")
        }
        assert.strictEqual((yield* call("DELETE", `/leads/${lead.body.id}`, { token: admin.token })).status, 204)
        const rotated = yield* call("POST", "/organization/invite/rotate", { token: admin.token })
        assert.strictEqual(rotated.status, 200)
        assert.notStrictEqual(rotated.body.invite_code, admin.inviteCode)
        const stale = yield* call("POST", "/auth/signup/join-org", {
          body: { invite_code: admin.inviteCode, name: "Late", email: `${unique("late")}@example.com`, password: "password-123" }
        })
        assert.strictEqual(stale.status, 404)
      }))
  })
})
