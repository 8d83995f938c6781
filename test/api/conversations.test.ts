import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { appTest } from "../support/app.ts"
import { call, createOrg, db, env, joinOrg, seedConversation } from "./support.ts"

describe("conversations and messages", () => {
  it.layer(appTest(env), { excludeTestServices: true })((it) => {
    it.effect("lists by last activity with lead and last message; filters and search", () =>
      Effect.gen(function*() {
        const { token, orgId } = yield* createOrg()
        const old = yield* seedConversation(orgId, { name: "Olivia Old", lastMessageAt: "2026-01-01T10:00:00Z", stage: "pricing", intent: "high" })
        const recent = yield* seedConversation(orgId, { name: "Rita Recent", lastMessageAt: "2026-01-03T10:00:00Z", mode: "human" })
        const middle = yield* seedConversation(orgId, { name: "Mia Middle", phone: "+447700900123", lastMessageAt: "2026-01-02T10:00:00Z", stage: "pricing" })
        const all = yield* call("GET", "/conversations/", { token })
        assert.strictEqual(all.status, 200)
        assert.deepStrictEqual(all.body.items.map((c: { id: string }) => c.id), [recent.conversationId, middle.conversationId, old.conversationId])
        const first = all.body.items[0]
        assert.deepStrictEqual(first.lead, { id: recent.leadId, name: "Rita Recent", phone: recent.phone })
        assert.strictEqual(first.last_message, "hello")
        assert.strictEqual(first.last_message_at, "2026-01-03T10:00:00.000Z")
        for (const key of ["mode", "stage", "intent_level", "user_sentiment", "followup_count_24h", "total_nudges"]) {
          assert.property(first, key)
        }
        const ids = (r: { body: { items: Array<{ id: string }> } }) => r.body.items.map((c) => c.id)
        assert.deepStrictEqual(ids(yield* call("GET", "/conversations/?mode=human", { token })), [recent.conversationId])
        assert.deepStrictEqual(ids(yield* call("GET", "/conversations/?stage=pricing", { token })), [middle.conversationId, old.conversationId])
        assert.deepStrictEqual(ids(yield* call("GET", "/conversations/?stage=pricing&intent=high", { token })), [old.conversationId])
        assert.deepStrictEqual(ids(yield* call("GET", "/conversations/?search=mia", { token })), [middle.conversationId])
        assert.deepStrictEqual(ids(yield* call("GET", "/conversations/?search=7700900", { token })), [middle.conversationId])
        const paged = yield* call("GET", "/conversations/?limit=2", { token })
        assert.deepStrictEqual(ids(paged), [recent.conversationId, middle.conversationId])
        const next = yield* call("GET", `/conversations/?limit=2&cursor=${paged.body.next_cursor}`, { token })
        assert.deepStrictEqual(ids(next), [old.conversationId])
        assert.isNull(next.body.next_cursor)
        const bad = yield* call("GET", "/conversations/?mode=robot", { token })
        assert.strictEqual(bad.status, 400)
        assert.match(bad.body.error.message, /^mode: /)
      }))

    it.effect("messages oldest → newest with status, paginated", () =>
      Effect.gen(function*() {
        const { token, orgId } = yield* createOrg()
        const c = yield* seedConversation(orgId)
        yield* db((sql) => sql`INSERT INTO messages (organization_id, conversation_id, lead_id, message_from, content, status, wamid, created_at)
          SELECT ${orgId}, ${c.conversationId}, ${c.leadId}, CASE WHEN i % 2 = 0 THEN 'BOT' ELSE 'LEAD' END, 'm' || i,
                 CASE WHEN i % 2 = 0 THEN 'delivered' ELSE 'received' END, 'wamid.' || ${c.conversationId} || i,
                 timestamptz '2026-01-01' + i * interval '1 second'
          FROM generate_series(1, 5) i`)
        const p1 = yield* call("GET", `/conversations/${c.conversationId}/messages?limit=3`, { token })
        assert.strictEqual(p1.status, 200)
        assert.deepStrictEqual(p1.body.items.map((m: { content: string }) => m.content), ["m1", "m2", "m3"])
        const m2 = p1.body.items[1]
        assert.strictEqual(m2.message_from, "BOT")
        assert.strictEqual(m2.status, "delivered")
        assert.strictEqual(m2.type, "text")
        assert.strictEqual(m2.created_at, "2026-01-01T00:00:02.000Z")
        const p2 = yield* call("GET", `/conversations/${c.conversationId}/messages?limit=3&cursor=${p1.body.next_cursor}`, { token })
        assert.deepStrictEqual(p2.body.items.map((m: { content: string }) => m.content), ["m4", "m5"])
        assert.isNull(p2.body.next_cursor)
        const missing = yield* call("GET", "/conversations/00000000-0000-0000-0000-000000000000/messages", { token })
        assert.strictEqual(missing.status, 404)
        assert.strictEqual(missing.body.error.code, "not_found")
      }))

    it.effect("takeover and release record who and when", () =>
      Effect.gen(function*() {
        const admin = yield* createOrg()
        const agent = yield* joinOrg(admin.inviteCode)
        const c = yield* seedConversation(admin.orgId)
        const taken = yield* call("POST", `/conversations/${c.conversationId}/takeover`, { token: agent.token })
        assert.strictEqual(taken.status, 200)
        assert.strictEqual(taken.body.mode, "human")
        assert.strictEqual(taken.body.mode_changed_by, agent.userId)
        assert.strictEqual(taken.body.mode_reason, "takeover")
        assert.isTrue(Math.abs(Date.parse(taken.body.mode_changed_at) - Date.now()) < 60_000)
        const released = yield* call("POST", `/conversations/${c.conversationId}/release`, { token: admin.token })
        assert.strictEqual(released.body.mode, "bot")
        assert.strictEqual(released.body.mode_changed_by, admin.userId)
        const events = yield* db((sql) => sql<{ eventType: string }>`
          SELECT event_type FROM conversation_events WHERE conversation_id = ${c.conversationId} ORDER BY created_at`)
        assert.deepStrictEqual(events.map((e) => e.eventType), ["takeover", "release"])
      }))

    it.effect("a human send: stored as HUMAN, pending, takes over; 409 when the window is closed unless a template", () =>
      Effect.gen(function*() {
        const { token, orgId, userId } = yield* createOrg()
        const open = yield* seedConversation(orgId, { lastUserMessageAgoMinutes: 60 })
        const sent = yield* call("POST", "/messages/send", { token, body: { conversation_id: open.conversationId, text: "Hi, Ada here" } })
        assert.strictEqual(sent.status, 201)
        assert.strictEqual(sent.body.message_from, "HUMAN")
        assert.strictEqual(sent.body.content, "Hi, Ada here")
        assert.strictEqual(sent.body.sent_by_user_id, userId)
        // the seeded channel uses the sandbox transport: sent at once, with a generated wamid
        assert.strictEqual(sent.body.status, "sent")
        assert.match(sent.body.wamid, /^wamid\.sandbox\./)
        const conv = yield* call("GET", "/conversations/?mode=human", { token })
        assert.strictEqual(conv.body.items[0].id, open.conversationId)
        assert.strictEqual(conv.body.items[0].last_message, "Hi, Ada here")

        const closed = yield* seedConversation(orgId, { lastUserMessageAgoMinutes: 25 * 60 })
        const refused = yield* call("POST", "/messages/send", { token, body: { conversation_id: closed.conversationId, text: "late" } })
        assert.strictEqual(refused.status, 409)
        assert.strictEqual(refused.body.error.code, "window_closed")
        assert.include(refused.body.error.message, "template")
        const never = yield* seedConversation(orgId, { lastUserMessageAgoMinutes: null })
        assert.strictEqual((yield* call("POST", "/messages/send", { token, body: { conversation_id: never.conversationId, text: "x" } })).status, 409)

        const template = yield* call("POST", "/messages/send", {
          token,
          body: { conversation_id: closed.conversationId, template: { name: "follow_up", language: "es", parameters: ["Marta"] } }
        })
        assert.strictEqual(template.status, 201)
        assert.strictEqual(template.body.type, "template")

        // a cloud channel without an access token: stored, marked failed with the reason
        const cloud = yield* seedConversation(orgId)
        yield* db((sql) => sql`UPDATE channels SET transport = 'cloud' WHERE id = ${cloud.channelId}`)
        const failed = yield* call("POST", "/messages/send", { token, body: { conversation_id: cloud.conversationId, text: "hola" } })
        assert.strictEqual(failed.status, 201)
        assert.strictEqual(failed.body.status, "failed")
        assert.strictEqual(failed.body.error_title, "ChannelMisconfigured")

        const neither = yield* call("POST", "/messages/send", { token, body: { conversation_id: open.conversationId } })
        assert.strictEqual(neither.status, 400)
        const both = yield* call("POST", "/messages/send", {
          token,
          body: { conversation_id: open.conversationId, text: "a", template: { name: "t", language: "en" } }
        })
        assert.strictEqual(both.status, 400)
        const bad = yield* call("POST", "/messages/send", { token, body: { conversation_id: "nope", text: "a" } })
        assert.strictEqual(bad.status, 400)
        assert.match(bad.body.error.message, /^conversation_id: /)
        const missing = yield* call("POST", "/messages/send", {
          token, body: { conversation_id: "00000000-0000-0000-0000-000000000000", text: "a" }
        })
        assert.strictEqual(missing.status, 404)
      }))
  })
})
