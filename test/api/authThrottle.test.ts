/**
 * Signup and login throttling over HTTP on a real database: parallel attempts (no
 * check-then-act race), per (address, email) and per address, X-Forwarded-For only with
 * TRUST_PROXY, hashing outside transactions, old hashes upgraded on login.
 */
import { randomBytes, scryptSync } from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { SqlClient } from "effect/sql"
import { LOGIN_ADDRESS, LOGIN_PAIR, LoginThrottle, SIGNUP_ADDRESS } from "../../src/auth/LoginThrottle.ts"
import { pgClientLayer } from "../../src/db/Database.ts"
import { appTest } from "../support/app.ts"
import { TestDatabase } from "../support/TestDatabase.ts"
import { createOrg, db, env, type Reply, unique } from "./support.ts"

const decodeJson = Schema.decodeUnknownEffect(Schema.fromJsonString(Schema.Unknown))

/** A POST with a JSON body, optionally as if forwarded for `forwardedFor` (an X-Forwarded-For value). */
const post = (path: string, body: unknown, forwardedFor?: string) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    let request = HttpClientRequest.bodyJsonUnsafe(HttpClientRequest.post(path), body)
    if (forwardedFor !== undefined) request = HttpClientRequest.setHeader(request, "x-forwarded-for", forwardedFor)
    const response = yield* client.execute(request)
    const text = yield* response.text
    const reply: Reply = {
      status: response.status,
      body: text === "" ? undefined : yield* decodeJson(text).pipe(Effect.orElseSucceed(() => text)),
      headers: response.headers
    }
    return reply
  }).pipe(Effect.scoped, Effect.orDie)

const login = (email: string, password: string, forwardedFor?: string) => post("/auth/login", { email, password }, forwardedFor)

const statuses = (replies: ReadonlyArray<Reply>) => {
  const counts = new Map<number, number>()
  for (const r of replies) counts.set(r.status, (counts.get(r.status) ?? 0) + 1)
  return Object.fromEntries([...counts].sort(([a], [b]) => a - b))
}

const assertRefused = (r: Reply, maxSeconds: number) => {
  assert.strictEqual(r.status, 429)
  assert.strictEqual(r.body.error.code, "too_many_attempts")
  const retryAfter = Number(r.headers["retry-after"])
  assert.isTrue(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= maxSeconds, `retry-after ${r.headers["retry-after"]}`)
}

const parallel = <A, E, R>(n: number, f: (i: number) => Effect.Effect<A, E, R>) =>
  Effect.forEach(Array.from({ length: n }, (_, i) => i), f, { concurrency: "unbounded" })

const PASSWORD = "correct horse battery"

describe("auth throttling behind one trusted proxy (TRUST_PROXY=1)", () => {
  it.layer(appTest({ ...env, TRUST_PROXY: "1" }), { excludeTestServices: true, timeout: "120 seconds" })((it) => {
    it.effect("20 parallel wrong passwords for one email from one address: 5 are checked, 15 refused; the right password from another address works", () =>
      Effect.gen(function*() {
        const account = yield* createOrg()
        const replies = yield* parallel(20, (i) => login(account.email, `wrong-${i}`, "203.0.113.7"))
        assert.deepStrictEqual(statuses(replies), { 401: LOGIN_PAIR.max, 429: 20 - LOGIN_PAIR.max })
        for (const r of replies.filter((r) => r.status === 429)) assertRefused(r, LOGIN_PAIR.windowSeconds)
        // that address stays blocked for this email, even with the right password …
        assertRefused(yield* login(account.email, PASSWORD, "203.0.113.7"), LOGIN_PAIR.windowSeconds)
        // … and the owner, elsewhere, is not locked out
        const ok = yield* login(account.email, PASSWORD, "198.51.100.9")
        assert.strictEqual(ok.status, 200)
        assert.strictEqual(ok.body.user.id, account.userId)
      }))

    it.effect("failures on one email from many addresses do not lock its owner out", () =>
      Effect.gen(function*() {
        const account = yield* createOrg()
        for (const address of ["192.0.2.1", "192.0.2.2", "192.0.2.3"]) {
          const replies = yield* parallel(LOGIN_PAIR.max + 1, (i) => login(account.email, `guess-${i}`, address))
          assert.deepStrictEqual(statuses(replies), { 401: LOGIN_PAIR.max, 429: 1 })
        }
        assert.strictEqual((yield* login(account.email, PASSWORD, "192.0.2.200")).status, 200)
      }))

    it.effect("one address guessing many emails in parallel: 20 are checked, the rest refused; a spoofed left part of X-Forwarded-For changes nothing", () =>
      Effect.gen(function*() {
        const replies = yield* parallel(LOGIN_ADDRESS.max + 10, (i) =>
          // the client writes the left entries; the proxy appends what it saw
          login(`${unique("spray")}@example.com`, "guess", `10.9.${i}.1, 203.0.113.99`))
        assert.deepStrictEqual(statuses(replies), { 401: LOGIN_ADDRESS.max, 429: 10 })
        for (const r of replies.filter((r) => r.status === 429)) assertRefused(r, LOGIN_ADDRESS.windowSeconds)
      }))

    it.effect("a successful login gives the address its attempt back and starts the pair over", () =>
      Effect.gen(function*() {
        const account = yield* createOrg()
        const address = "198.51.100.77"
        // as if this address had failed 19 times already (on other emails)
        yield* db((sql) => sql`INSERT INTO auth_attempts (kind, key, attempts, window_ends_at)
          VALUES (${LOGIN_ADDRESS.kind}, ${address}, ${LOGIN_ADDRESS.max - 1}, now() + interval '10 minutes')`)
        for (let i = 0; i < 3; i++) assert.strictEqual((yield* login(account.email, PASSWORD, address)).status, 200, `login ${i}`)
        const [row] = yield* db((sql) => sql<{ attempts: number }>`
          SELECT attempts FROM auth_attempts WHERE kind = ${LOGIN_ADDRESS.kind} AND key = ${address}`)
        assert.strictEqual(row?.attempts, LOGIN_ADDRESS.max - 1)

        const other = "198.51.100.78"
        for (let i = 0; i < LOGIN_PAIR.max - 1; i++) assert.strictEqual((yield* login(account.email, `bad-${i}`, other)).status, 401)
        assert.strictEqual((yield* login(account.email, PASSWORD, other)).status, 200)
        // the success cleared the pair: a full allowance again
        const again = yield* parallel(LOGIN_PAIR.max + 1, (i) => login(account.email, `bad-again-${i}`, other))
        assert.deepStrictEqual(statuses(again), { 401: LOGIN_PAIR.max, 429: 1 })
      }))

    it.effect("a signup flood from one address → 429 for join-org and create-org; other addresses can still sign up", () =>
      Effect.gen(function*() {
        const flood = "203.0.113.66"
        const joins = yield* parallel(SIGNUP_ADDRESS.max + 5, (i) =>
          post("/auth/signup/join-org", { invite_code: `GUESS${i}`, name: "X", email: `${unique("j")}@example.com`, password: "password-123" }, flood))
        assert.deepStrictEqual(statuses(joins), { 404: SIGNUP_ADDRESS.max, 429: 5 })
        for (const r of joins.filter((r) => r.status === 429)) assertRefused(r, SIGNUP_ADDRESS.windowSeconds)
        const createBody = () => ({ organization_name: "Flood Inc", name: "F", email: `${unique("f")}@example.com`, password: "password-123" })
        assertRefused(yield* post("/auth/signup/create-org", createBody(), flood), SIGNUP_ADDRESS.windowSeconds)
        assert.strictEqual((yield* post("/auth/signup/create-org", createBody(), "203.0.113.67")).status, 201)
      }))

    it.effect("parallel create-org from one address: exactly 20 accounts", () =>
      Effect.gen(function*() {
        const address = "203.0.113.80"
        const replies = yield* parallel(SIGNUP_ADDRESS.max + 3, () =>
          post("/auth/signup/create-org", { organization_name: "Race", name: "R", email: `${unique("r")}@example.com`, password: "password-123" }, address))
        assert.deepStrictEqual(statuses(replies), { 201: SIGNUP_ADDRESS.max, 429: 3 })
      }))

    it.effect("IPv6 clients count per /64; IPv4-mapped addresses as IPv4", () =>
      Effect.gen(function*() {
        const email = `${unique("v6")}@example.com`
        yield* login(email, "x", "2001:db8:aa:bb::1")
        yield* login(email, "x", "[2001:db8:aa:bb:ffff::2]:51000")
        yield* login(email, "x", "::ffff:192.0.2.55")
        const rows = yield* db((sql) => sql<{ key: string; attempts: number }>`
          SELECT key, attempts FROM auth_attempts WHERE kind = ${LOGIN_ADDRESS.kind} AND key IN ('2001:db8:aa:bb::/64', '192.0.2.55')
          ORDER BY key`)
        assert.deepStrictEqual(rows.map((r) => [r.key, r.attempts]), [["192.0.2.55", 1], ["2001:db8:aa:bb::/64", 2]])
      }))

    it.effect("a hash of the old cost (N=16384) still verifies, and the login replaces it with today's", () =>
      Effect.gen(function*() {
        const account = yield* createOrg()
        const salt = randomBytes(16)
        const oldHash = `scrypt$16384$8$1$${salt.toString("base64")}$${
          scryptSync(PASSWORD, salt, 32, { N: 16384, r: 8, p: 1 }).toString("base64")
        }`
        yield* db((sql) => sql`UPDATE users SET hashed_password = ${oldHash} WHERE id = ${account.userId}`)
        const stored = () =>
          db((sql) => sql<{ hashedPassword: string }>`SELECT hashed_password FROM users WHERE id = ${account.userId}`).pipe(
            Effect.map((rows) => rows[0]?.hashedPassword ?? "")
          )
        assert.strictEqual(yield* stored(), oldHash)

        assert.strictEqual((yield* login(account.email, "not the password", "192.0.2.90")).status, 401)
        assert.strictEqual(yield* stored(), oldHash, "a wrong password upgrades nothing")

        assert.strictEqual((yield* login(account.email, PASSWORD, "192.0.2.90")).status, 200)
        const upgraded = yield* stored()
        assert.match(upgraded, /^scrypt\$131072\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/)
        assert.notInclude(upgraded, salt.toString("base64"), "a new salt")

        assert.strictEqual((yield* login(account.email, PASSWORD, "192.0.2.90")).status, 200)
        assert.strictEqual(yield* stored(), upgraded, "today's hash is kept as is")
        assert.strictEqual((yield* login(account.email, "still not it", "192.0.2.90")).status, 401)
      }))

    it.effect("signups hash the password outside any transaction (no connection idles in one meanwhile)", () =>
      Effect.gen(function*() {
        const test = yield* TestDatabase
        const idleInTransaction = Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const rows = yield* sql<{ n: number }>`
            SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND state = 'idle in transaction' AND clock_timestamp() - xact_start > interval '150 ms'`
          return rows[0]?.n ?? 0
        }).pipe(Effect.provide(pgClientLayer(test.url)), Effect.orDie)
        let seen = 0
        let done = false
        const watch = Effect.gen(function*() {
          while (!done) {
            seen = Math.max(seen, yield* idleInTransaction)
            yield* Effect.sleep("20 millis")
          }
        })
        const signups = Effect.gen(function*() {
          for (let i = 0; i < 3; i++) {
            const r = yield* post("/auth/signup/create-org", {
              organization_name: "Tx", name: "T", email: `${unique("tx")}@example.com`, password: "password-123"
            }, `198.18.0.${i + 1}`)
            assert.strictEqual(r.status, 201)
          }
        }).pipe(Effect.ensuring(Effect.sync(() => { done = true })))
        yield* Effect.all([watch, signups], { concurrency: 2 })
        assert.strictEqual(seen, 0)
      }))

    it.effect("ended windows are pruned", () =>
      Effect.gen(function*() {
        const test = yield* TestDatabase
        yield* db((sql) => sql`INSERT INTO auth_attempts (kind, key, attempts, window_ends_at) VALUES
          ('signup', 'prune-me', 3, now() - interval '1 second'), ('signup', 'keep-me', 3, now() + interval '1 hour')`)
        const pruned = yield* Effect.flatMap(LoginThrottle, (t) => t.prune).pipe(
          Effect.provide(LoginThrottle.layer),
          Effect.provide(pgClientLayer(test.url))
        )
        const left = yield* db((sql) => sql<{ key: string }>`SELECT key FROM auth_attempts WHERE key IN ('prune-me', 'keep-me')`)
        assert.deepStrictEqual(left.map((r) => r.key), ["keep-me"])
        assert.isAtMost(pruned, 1)
      }))
  })
})

describe("auth throttling without TRUST_PROXY", () => {
  it.layer(appTest(env), { excludeTestServices: true, timeout: "60 seconds" })((it) => {
    it.effect("X-Forwarded-For is ignored: attempts with made-up addresses all count against the socket's", () =>
      Effect.gen(function*() {
        const account = yield* createOrg()
        const replies = yield* parallel(12, (i) => login(account.email, `wrong-${i}`, `203.0.113.${i + 1}`))
        assert.deepStrictEqual(statuses(replies), { 401: LOGIN_PAIR.max, 429: 12 - LOGIN_PAIR.max })
        assertRefused(yield* login(account.email, PASSWORD, "198.51.100.200"), LOGIN_PAIR.windowSeconds)
        const rows = yield* db((sql) => sql<{ key: string }>`SELECT key FROM auth_attempts WHERE kind = ${LOGIN_ADDRESS.kind}`)
        assert.deepStrictEqual(rows.map((r) => r.key), ["127.0.0.1"])
      }))
  })
})
