/** Helpers for the dashboard API tests: raw HTTP calls, signups, seeding rows. */
import { Effect, Schema } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { SqlClient } from "effect/sql"
import { pgClientLayer } from "../../src/db/Database.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

export const JWT_SECRET = "test-jwt-secret-that-is-long-enough-0123456789"
export const env = { JWT_SECRET, APP_ENV: "test" }

export interface Reply {
  readonly status: number
  readonly body: any
  readonly headers: Readonly<Record<string, string>>
}

const Json = Schema.fromJsonString(Schema.Unknown)
const decodeJson = Schema.decodeUnknownEffect(Json)

/** One HTTP call; `body` is sent as JSON. Never fails on a 4xx/5xx. */
export const call = (
  method: "GET" | "POST" | "PUT" | "DELETE",
  path: string,
  options: { readonly token?: string; readonly body?: unknown } = {}
) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    let request = HttpClientRequest.make(method)(path)
    if (options.token !== undefined) request = HttpClientRequest.bearerToken(request, options.token)
    if (options.body !== undefined) request = HttpClientRequest.bodyJsonUnsafe(request, options.body)
    const response = yield* client.execute(request)
    const text = yield* response.text
    const body = text === "" ? undefined : yield* decodeJson(text).pipe(Effect.orElseSucceed(() => text))
    const reply: Reply = { status: response.status, body, headers: response.headers }
    return reply
  }).pipe(Effect.scoped, Effect.orDie)

let counter = 0
export const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++counter}`

export interface Account {
  readonly token: string
  readonly userId: string
  readonly orgId: string
  readonly inviteCode: string
  readonly email: string
}

export const createOrg = (name = unique("org"), password = "correct horse battery") =>
  Effect.gen(function*() {
    const email = `${unique("admin")}@example.com`
    const r = yield* call("POST", "/auth/signup/create-org", {
      body: { organization_name: name, name: "Ada Admin", email, password }
    })
    if (r.status !== 201) return yield* Effect.die(`signup failed: ${r.status} ${JSON.stringify(r.body)}`)
    const account: Account = {
      token: r.body.access_token,
      userId: r.body.user.id,
      orgId: r.body.organization.id,
      inviteCode: r.body.organization.invite_code,
      email
    }
    return account
  })

export const joinOrg = (inviteCode: string, password = "agent password 1") =>
  Effect.gen(function*() {
    const email = `${unique("agent")}@example.com`
    const r = yield* call("POST", "/auth/signup/join-org", {
      body: { invite_code: inviteCode, name: "Alan Agent", email, password }
    })
    if (r.status !== 201) return yield* Effect.die(`join failed: ${r.status} ${JSON.stringify(r.body)}`)
    const account: Account = { token: r.body.access_token, userId: r.body.user.id, orgId: r.body.organization.id, inviteCode, email }
    return account
  })

/** Runs SQL on the test database (seeding rows the engine would write). */
export const db = <A, E>(f: (sql: SqlClient.SqlClient) => Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const test = yield* TestDatabase
    return yield* Effect.flatMap(SqlClient.SqlClient, f).pipe(Effect.provide(pgClientLayer(test.url)))
  }).pipe(Effect.orDie)

/** A channel, a lead and a conversation of `orgId`; returns their ids. */
export const seedConversation = (orgId: string, options: {
  readonly name?: string
  readonly phone?: string
  readonly lastUserMessageAgoMinutes?: number | null
  readonly stage?: string
  readonly intent?: string
  readonly mode?: "bot" | "human"
  readonly lastMessageAt?: string
} = {}) =>
  db((sql) =>
    Effect.gen(function*() {
      const phone = options.phone ?? `+1555${Math.floor(1_000_000 + Math.random() * 8_999_999)}`
      const [channel] = yield* sql<{ id: string }>`
        INSERT INTO channels (organization_id, phone_number_id, transport)
        VALUES (${orgId}, ${unique("pn")}, 'sandbox') RETURNING id`
      const [lead] = yield* sql<{ id: string }>`
        INSERT INTO leads (organization_id, wa_id, phone, name) VALUES (${orgId}, ${phone.slice(1)}, ${phone}, ${options.name ?? "Lena Lead"})
        RETURNING id`
      const ago = options.lastUserMessageAgoMinutes === undefined ? 5 : options.lastUserMessageAgoMinutes
      const [conversation] = yield* sql<{ id: string }>`
        INSERT INTO conversations (organization_id, lead_id, channel_id, stage, intent_level, mode, last_user_message_at,
          last_message, last_message_at)
        VALUES (${orgId}, ${lead?.id ?? ""}, ${channel?.id ?? ""}, ${options.stage ?? "greeting"}, ${options.intent ?? "unknown"},
          ${options.mode ?? "bot"}, ${ago === null ? null : new Date(Date.now() - ago * 60_000)}, 'hello',
          ${options.lastMessageAt === undefined ? new Date() : new Date(options.lastMessageAt)})
        RETURNING id`
      return { channelId: channel?.id ?? "", leadId: lead?.id ?? "", conversationId: conversation?.id ?? "", phone }
    })
  )
