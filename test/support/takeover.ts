/**
 * A person takes over a conversation on a service process's dashboard API while its turn waits on
 * the model, then releases it: the turn stops (its model call aborted, nothing sent), and after
 * the release the lead's unanswered message gets its reply. Where the engine runs apart from the
 * API (split roles, the engine's thread), this is the takeover reaching it and the release too.
 */
import { assert } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { hashPassword } from "../../src/auth/Passwords.ts"
import { ensureDefaultOrganization } from "../../src/whatsapp/QuickSetup.ts"
import type { FakeLlm } from "./fakeLlm.ts"
import { analysis } from "./htlFixtures.ts"
import { until } from "./processes.ts"

export const takeoverAndRelease = (options: {
  /** The API's port. */
  readonly port: number
  readonly llm: FakeLlm
  /** Posts a lead's message to the API. */
  readonly post: (waId: string, body: string) => Promise<unknown>
  /** The texts the Graph API was asked to send to a lead. */
  readonly textsTo: (waId: string) => ReadonlyArray<unknown>
  readonly lead: string
  /** The agent's e-mail (created in the default organization). */
  readonly email: string
}) =>
  Effect.gen(function*() {
    const { llm, lead, port } = options
    const sql = yield* SqlClient.SqlClient
    const organizationId = yield* ensureDefaultOrganization()
    const hashedPassword = yield* hashPassword(Redacted.make("agent-password-1"))
    yield* sql`INSERT INTO users ${sql.insert({ organizationId, name: "Agent", email: options.email, hashedPassword, role: "agent" })}`
    const login: unknown = yield* Effect.promise(() =>
      fetch(`http://127.0.0.1:${port}/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: options.email, password: "agent-password-1" })
      }).then((r) => r.json())
    )
    const token = typeof login === "object" && login !== null && "access_token" in login ? String(login.access_token) : ""
    let held = false
    llm.respond("analyze", (request) => {
      if (request.user.includes("held-lane") && !held) {
        held = true
        return { kind: "hang" }
      }
      return { kind: "json", body: analysis() }
    })
    yield* Effect.promise(() => options.post(lead, "held-lane: can a person call me?"))
    yield* Effect.promise(() => until(() => held, 30_000, "the held turn's model call"))
    const [conversation] = yield* sql<{ id: string }>`
      SELECT c.id FROM conversations c JOIN leads l ON l.id = c.lead_id WHERE l.wa_id = ${lead}`
    const act = (what: "takeover" | "release") =>
      Effect.promise(() =>
        fetch(`http://127.0.0.1:${port}/conversations/${conversation?.id}/${what}`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}` }
        }).then((r) => r.status)
      )
    const abortedBefore = llm.aborted()
    assert.strictEqual(yield* act("takeover"), 200)
    // the engine running the turn hears of it and stops the model call
    yield* Effect.promise(() => until(() => llm.aborted() > abortedBefore, 15_000, "the turn to be interrupted"))
    yield* Effect.sleep("1 second")
    assert.lengthOf(options.textsTo(lead), 0)
    // a release re-arms the conversation in the engine: the unanswered message gets its turn
    assert.strictEqual(yield* act("release"), 200)
    yield* Effect.promise(() => until(() => options.textsTo(lead).length >= 1, 25_000, "the turn after the release"))
  })
