/**
 * The first admin: `npm run admin -- create` makes (or resets) an admin of the quick-setup
 * organization or of a named one, who can then sign in; the development server prints the
 * default organization's invite code; a production start sets up no sandbox admin and keeps no
 * generated key on disk.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll } from "vitest"
import { pgClientLayer } from "../../src/db/Database.ts"
import { call } from "../api/support.ts"
import { appTest } from "../support/app.ts"
import { killAll, startService } from "../support/processes.ts"
import { TestDatabase } from "../support/TestDatabase.ts"
import { runTool } from "./support.ts"

const admin = (args: ReadonlyArray<string>, input?: string) =>
  Effect.flatMap(TestDatabase, (db) => runTool("admin", ["create", ...args], { DATABASE_URL: Redacted.value(db.url), APP_ENV: "test" }, input))

const login = (email: string, password: string) => call("POST", "/auth/login", { body: { email, password } })

/** A query on this block's test database. */
const onDb = <A>(query: (sql: SqlClient.SqlClient) => Effect.Effect<A, unknown>) =>
  Effect.flatMap(TestDatabase, (db) => Effect.flatMap(SqlClient.SqlClient, query).pipe(Effect.provide(pgClientLayer(db.url)), Effect.orDie))

const tempDir = Effect.acquireRelease(
  Effect.promise(() => mkdtemp(join(tmpdir(), "wa-deploy-"))),
  (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true }))
)

describe("the first admin", () => {
  afterAll(killAll)

  it.layer(appTest(), { excludeTestServices: true, timeout: "120 seconds" })((it) => {
    it.effect("creates an admin of the quick-setup organization who can sign in; run again, it resets the password", () =>
      Effect.gen(function*() {
        const created = yield* admin(["--email", "Owner@Example.com", "--password", "first password 1", "--name", "Olga Owner"])
        assert.strictEqual(created.code, 0, created.stderr)
        const [org] = yield* onDb((sql) => sql<{ id: string; inviteCode: string }>`SELECT id, invite_code FROM organizations WHERE is_default`)
        assert.isDefined(org)
        assert.include(created.stdout, `Created admin owner@example.com of organization "Default organization" (${org?.id})`)
        assert.include(created.stdout, `Invite code for agents to join it: ${org?.inviteCode}`)
        assert.notInclude(created.stdout + created.stderr, "first password 1")

        const signedIn = yield* login("owner@example.com", "first password 1")
        assert.strictEqual(signedIn.status, 200)
        assert.strictEqual(signedIn.body.user.role, "admin")
        assert.strictEqual(signedIn.body.user.name, "Olga Owner")
        assert.strictEqual(signedIn.body.organization.id, org?.id)

        // forgotten password: the operator resets it (from stdin: no password in the process list)
        const reset = yield* admin(["--email", "owner@example.com", "--password-stdin"], "second password 2\n")
        assert.strictEqual(reset.code, 0, reset.stderr)
        assert.include(reset.stdout, "Reset admin owner@example.com")
        assert.strictEqual((yield* login("owner@example.com", "first password 1")).status, 401)
        const again = yield* login("owner@example.com", "second password 2")
        assert.strictEqual(again.status, 200)
        assert.strictEqual(again.body.user.name, "Olga Owner") // kept without --name
      }))

    it.effect("--org names another organization (created when missing); an account never moves between organizations; bad input is one line", () =>
      Effect.gen(function*() {
        const acme = yield* admin(["--email", "boss@acme.test", "--password", "acme password", "--org", "Acme Bakery"])
        assert.strictEqual(acme.code, 0, acme.stderr)
        assert.match(acme.stdout, /of organization "Acme Bakery" \([0-9a-f-]{36}\), created now/)
        const again = yield* admin(["--email", "second@acme.test", "--password", "acme password", "--org", "acme bakery"])
        assert.notInclude(again.stdout, "created now") // the same organization, found by name
        const signedIn = yield* login("second@acme.test", "acme password")
        assert.strictEqual(signedIn.body.organization.name, "Acme Bakery")

        const moved = yield* admin(["--email", "boss@acme.test", "--password", "other password"])
        assert.strictEqual(moved.code, 1)
        assert.strictEqual(
          moved.stderr.trim(),
          `boss@acme.test belongs to organization "Acme Bakery": accounts never move between organizations (use --org "Acme Bakery" to reset it there)`
        )
        assert.strictEqual((yield* login("boss@acme.test", "acme password")).status, 200)

        const short = yield* admin(["--email", "x@acme.test", "--password", "short"])
        assert.strictEqual(short.code, 1)
        assert.strictEqual(short.stderr.trim(), "--password must be at least 8 characters")
        const usage = yield* runTool("admin", ["delete"], { APP_ENV: "test" })
        assert.strictEqual(usage.code, 1)
        assert.match(usage.stderr.trim(), /^usage: npm run admin -- create --email E/)
      }))
  })

  it.layer(TestDatabase.layer, { excludeTestServices: true, timeout: "120 seconds" })((it) => {
    it.effect("development prints the default organization's invite code at start", () =>
      Effect.gen(function*() {
        const db = yield* TestDatabase
        const dataDir = yield* tempDir
        const service = yield* Effect.promise(() => startService({ DATABASE_URL: Redacted.value(db.url), APP_ENV: "development", DATA_DIR: dataDir }))
        yield* Effect.promise(() => service.waitFor(/invite code \S+/))
        const code = /invite code (\S+)/.exec(service.output())?.[1]
        const [org] = yield* onDb((sql) => sql<{ inviteCode: string }>`SELECT invite_code FROM organizations WHERE is_default`)
        assert.strictEqual(code, org?.inviteCode)
        assert.strictEqual((yield* Effect.promise(() => service.stop("SIGTERM"))).code, 0)
      }).pipe(Effect.scoped))
  })

  // a database of its own: the development start above made a sandbox admin in its one
  it.layer(TestDatabase.layer, { excludeTestServices: true, timeout: "120 seconds" })((it) => {
    it.effect("production (DATABASE_URL set, APP_ENV unset): no sandbox admin, no invite code in the log, no generated key on disk", () =>
      Effect.gen(function*() {
        const db = yield* TestDatabase
        const dataDir = yield* tempDir
        const service = yield* Effect.promise(() =>
          startService({
            DATABASE_URL: Redacted.value(db.url),
            APP_ENV: undefined,
            DATA_DIR: dataDir,
            JWT_SECRET: "production-jwt-secret-0123456789abcdef",
            SECRETS_KEY: "production-secrets-key-0123456789abcdef"
          })
        )
        yield* Effect.promise(() => service.waitHealthy())
        assert.deepStrictEqual(yield* Effect.promise(() => readdir(dataDir)), [])
        assert.notMatch(service.output(), /invite code|sandbox/i)
        const users = yield* onDb((sql) => sql<{ n: number }>`SELECT count(*)::int AS n FROM users WHERE email = 'sandbox@localhost'`)
        assert.strictEqual(users[0]?.n, 0)
        assert.strictEqual((yield* Effect.promise(() => service.stop("SIGTERM"))).code, 0)
      }).pipe(Effect.scoped))
  })
})
