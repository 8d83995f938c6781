/**
 * The isolation matrix: organization B's token is used on every dashboard route against
 * organization A's data. Nothing of A is read or written; a foreign id answers exactly like a
 * missing one. The walk is checked against the OpenAPI document, so a new route must join it.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { appTest } from "../support/app.ts"
import { call, createOrg, db, env, type Reply, seedConversation } from "./support.ts"

const MISSING = "00000000-0000-0000-0000-000000000000"
/** Routes that are not tenant data: public signup/login, health, Meta's webhook. */
const PUBLIC = new Set(["POST /auth/login", "POST /auth/signup/create-org", "POST /auth/signup/join-org", "GET /health", "GET /health/live", "GET /health/ready",
  "GET /webhooks/whatsapp", "POST /webhooks/whatsapp", "GET /webhooks/whatsapp/{channelId}", "POST /webhooks/whatsapp/{channelId}"])

const snapshot = (orgId: string) =>
  db((sql) => sql<{ t: string; n: string }>`
    SELECT 'conversations' AS t, string_agg(id || mode || coalesce(mode_changed_by::text, '') || coalesce(last_message, ''), ',' ORDER BY id) AS n FROM conversations WHERE organization_id = ${orgId}
    UNION ALL SELECT 'messages', count(*)::text FROM messages WHERE organization_id = ${orgId}
    UNION ALL SELECT 'leads', string_agg(id || coalesce(name, '') || coalesce(deleted_at::text, ''), ',' ORDER BY id) FROM leads WHERE organization_id = ${orgId}
    UNION ALL SELECT 'profile', coalesce((SELECT business_name FROM business_profiles WHERE organization_id = ${orgId}), '')
    UNION ALL SELECT 'invite', invite_code FROM organizations WHERE id = ${orgId}
    UNION ALL SELECT 'events', count(*)::text FROM conversation_events WHERE organization_id = ${orgId}
    UNION ALL SELECT 'followups', string_agg(id || status, ',' ORDER BY id) FROM scheduled_actions WHERE organization_id = ${orgId}`)

describe("tenant isolation", () => {
  it.layer(appTest(env), { excludeTestServices: true })((it) => {
    it.effect("organization B never reads or writes organization A's data", () =>
      Effect.gen(function*() {
        const a = yield* createOrg("Org A")
        const b = yield* createOrg("Org B")
        const aConv = yield* seedConversation(a.orgId, { name: "Alice of A", phone: "+14155550001" })
        const bConv = yield* seedConversation(b.orgId, { name: "Bob of B", phone: "+14155550002" })
        yield* db((sql) => sql`INSERT INTO messages (organization_id, conversation_id, lead_id, message_from, content, status)
          VALUES (${a.orgId}, ${aConv.conversationId}, ${aConv.leadId}, 'LEAD', 'secret of A', 'received')`)
        const aFollowUp = yield* db((sql) => sql<{ id: string }>`INSERT INTO scheduled_actions (organization_id, conversation_id, scheduled_at)
          VALUES (${a.orgId}, ${aConv.conversationId}, now() + interval '1 day') RETURNING id`.pipe(Effect.map((rows) => rows[0]?.id ?? "")))
        const profileA = yield* call("GET", "/organization/profile", { token: a.token })
        assert.strictEqual((yield* call("PUT", "/organization/profile", {
          token: a.token, body: { ...profileA.body, business_name: "A Corp" }
        })).status, 200)
        const before = yield* snapshot(a.orgId)

        const walked = new Set<string>()
        const as = (method: "GET" | "POST" | "PUT" | "DELETE", route: string, path: string, body?: unknown) => {
          walked.add(`${method} ${route}`)
          return call(method, path, body === undefined ? { token: b.token } : { token: b.token, body })
        }
        /** A's id and a missing id must answer the same 404. */
        const sameAsMissing = (foreign: Reply, missing: Reply) => {
          assert.strictEqual(foreign.status, 404)
          assert.deepStrictEqual(foreign.body, missing.body)
        }
        const aText = JSON.stringify([a.orgId, aConv.conversationId, aConv.leadId, aConv.channelId, "Alice of A", "secret of A", "A Corp", a.inviteCode])
        const noneOfA = (r: Reply) => {
          for (const secret of JSON.parse(aText) as Array<string>) assert.notInclude(JSON.stringify(r.body), secret)
        }

        noneOfA(yield* as("GET", "/auth/me", "/auth/me"))
        const list = yield* as("GET", "/conversations/", "/conversations/?search=Alice")
        assert.deepStrictEqual(list.body.items, [])
        noneOfA(yield* as("GET", "/conversations/", "/conversations/"))
        // the inbox's reads: one conversation, its activity and follow-ups, cancelling one of A's
        for (const [route, suffix] of [["/conversations/{id}", ""], ["/conversations/{id}/activity", "/activity"], ["/conversations/{id}/followups", "/followups"]] as const) {
          sameAsMissing(
            yield* as("GET", route, `/conversations/${aConv.conversationId}${suffix}`),
            yield* as("GET", route, `/conversations/${MISSING}${suffix}`)
          )
        }
        const cancelRoute = "/conversations/{id}/followups/{followup_id}/cancel"
        sameAsMissing(
          yield* as("POST", cancelRoute, `/conversations/${aConv.conversationId}/followups/${aFollowUp}/cancel`),
          yield* as("POST", cancelRoute, `/conversations/${MISSING}/followups/${MISSING}/cancel`)
        )
        // nor through a conversation of B's own
        sameAsMissing(
          yield* as("POST", cancelRoute, `/conversations/${bConv.conversationId}/followups/${aFollowUp}/cancel`),
          yield* as("POST", cancelRoute, `/conversations/${bConv.conversationId}/followups/${MISSING}/cancel`)
        )
        noneOfA(yield* as("GET", "/organization/templates", "/organization/templates"))
        for (const action of ["messages", "takeover", "release"] as const) {
          const method = action === "messages" ? "GET" : "POST"
          sameAsMissing(
            yield* as(method, `/conversations/{id}/${action}`, `/conversations/${aConv.conversationId}/${action}`),
            yield* as(method, `/conversations/{id}/${action}`, `/conversations/${MISSING}/${action}`)
          )
        }
        sameAsMissing(
          yield* as("POST", "/conversations/{id}/assign", `/conversations/${aConv.conversationId}/assign`, { user_id: null }),
          yield* as("POST", "/conversations/{id}/assign", `/conversations/${MISSING}/assign`, { user_id: null })
        )
        // nor can A's conversation be given to a person of B, nor B's to a person of A
        assert.strictEqual((yield* as("POST", "/conversations/{id}/assign", `/conversations/${bConv.conversationId}/assign`, { user_id: a.userId })).status, 400)
        sameAsMissing(
          yield* as("POST", "/messages/send", "/messages/send", { conversation_id: aConv.conversationId, text: "hi" }),
          yield* as("POST", "/messages/send", "/messages/send", { conversation_id: MISSING, text: "hi" })
        )
        const leads = yield* as("GET", "/leads/", "/leads/")
        assert.deepStrictEqual(leads.body.items.map((l: { id: string }) => l.id), [bConv.leadId])
        sameAsMissing(
          yield* as("PUT", "/leads/{id}", `/leads/${aConv.leadId}`, { name: "pwned" }),
          yield* as("PUT", "/leads/{id}", `/leads/${MISSING}`, { name: "pwned" })
        )
        sameAsMissing(
          yield* as("DELETE", "/leads/{id}", `/leads/${aConv.leadId}`),
          yield* as("DELETE", "/leads/{id}", `/leads/${MISSING}`)
        )
        // A's phone number is free in B (uniqueness is per organization and says nothing about A)
        assert.strictEqual((yield* as("POST", "/leads/create", "/leads/create", { phone: aConv.phone })).status, 201)

        const analytics = yield* as("GET", "/analytics/", "/analytics/")
        assert.strictEqual(analytics.body.funnel.reduce((n: number, s: { count: number }) => n + s.count, 0), 1)
        const stats = yield* as("GET", "/dashboard/stats", "/dashboard/stats")
        assert.strictEqual(stats.body.conversations_today, 1)
        assert.strictEqual(stats.body.messages_in, 0)

        const channels = yield* as("GET", "/channels", "/channels")
        assert.deepStrictEqual(channels.body.map((c: { id: string }) => c.id), [bConv.channelId])
        assert.strictEqual((yield* as("POST", "/channels", "/channels", { phone_number_id: "b-own-number", transport: "sandbox" })).status, 201)
        const profileB = yield* as("GET", "/organization/profile", "/organization/profile")
        assert.strictEqual(profileB.body.business_name, "")
        assert.strictEqual((yield* as("PUT", "/organization/profile", "/organization/profile", { ...profileB.body, business_name: "B Corp" })).status, 200)
        const invite = yield* as("GET", "/organization/invite", "/organization/invite")
        assert.notStrictEqual(invite.body.invite_code, a.inviteCode)
        assert.notStrictEqual((yield* as("POST", "/organization/invite/rotate", "/organization/invite/rotate")).body.invite_code, a.inviteCode)

        // the staff webhook is B's own: A's stays as it was, A's delivery log is never listed
        assert.strictEqual((yield* call("PUT", "/organization/webhook", { token: a.token, body: { url: "http://127.0.0.1:9/a-hook", secret: "a-secret-0123456789" } })).status, 200)
        assert.deepStrictEqual((yield* as("GET", "/organization/webhook", "/organization/webhook")).body, { url: null, has_secret: false })
        assert.strictEqual((yield* as("POST", "/organization/webhook/test", "/organization/webhook/test")).status, 400) // B has none
        assert.strictEqual((yield* as("PUT", "/organization/webhook", "/organization/webhook", { url: "http://127.0.0.1:9/b-hook" })).status, 200)
        assert.deepStrictEqual((yield* as("GET", "/organization/webhook/deliveries", "/organization/webhook/deliveries")).body.items, [])
        assert.strictEqual((yield* as("DELETE", "/organization/webhook", "/organization/webhook")).status, 204)
        assert.deepStrictEqual((yield* call("GET", "/organization/webhook", { token: a.token })).body, { url: "http://127.0.0.1:9/a-hook", has_secret: true })

        // every response above was free of A's data, and A's rows are exactly as before
        assert.deepStrictEqual(yield* snapshot(a.orgId), before)

        // every authenticated route of the OpenAPI document was walked
        const spec = yield* call("GET", "/openapi.json")
        const routes = Object.entries(spec.body.paths as Record<string, Record<string, unknown>>).flatMap(([path, methods]) =>
          Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`))
        const missing = routes.filter((r) => !PUBLIC.has(r) && !walked.has(r))
        assert.deepStrictEqual(missing, [])
        // the document declares the bearer scheme, and /docs renders it
        assert.property(spec.body.components.securitySchemes, "bearer")
        const docs = yield* call("GET", "/docs")
        assert.strictEqual(docs.status, 200)
      }))
  })
})
