/**
 * The one outbound path (src/conversations/outbound.ts) for the bot and for a person: a send that
 * may have reached Meta (the connection dropped after the request left) is recorded `unknown` and
 * never resent, on either side; an outcome is recorded only within the conversation's organization.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { ConversationsView } from "../../src/dashboard/conversations/ConversationsView.ts"
import { HumanSend } from "../../src/dashboard/conversations/HumanSend.ts"
import { OrganizationId, UserId } from "../../src/domain/ids.ts"
import { EngineStore } from "../../src/records/EngineStore.ts"
import { FakeGraphServer } from "../support/fakeGraph.ts"
import { change, deliver, entry, envelope, status } from "../support/webhooks.ts"
import { type ConversationRef, PN, SECRET, conversationOf, engineApp, poll, rowsOf, say, sentTo } from "./support.ts"

const statusesOf = (ref: ConversationRef, from: "BOT" | "HUMAN") =>
  rowsOf<{ status: string; errorTitle: string | null }>((sql) =>
    sql`SELECT status, error_title FROM messages WHERE conversation_id = ${ref.conversationId} AND message_from = ${from}
        ORDER BY created_at, id`)

const modeOf = (ref: ConversationRef) =>
  rowsOf<{ mode: string; modeReason: string | null }>((sql) =>
    sql`SELECT mode, mode_reason FROM conversations WHERE id = ${ref.conversationId}`).pipe(Effect.map((rows) => rows[0]))

/** The conversation's one bot message. */
const botMessageId = (ref: ConversationRef) =>
  rowsOf<{ id: string }>((sql) => sql`SELECT id FROM messages WHERE conversation_id = ${ref.conversationId} AND message_from = 'BOT'`).pipe(
    Effect.map((rows) => rows[0]?.id ?? "")
  )

/** Statuses from Meta, signed, in one delivery (accepted: 200). */
const statuses = (...s: ReadonlyArray<unknown>) =>
  deliver(SECRET, envelope(entry("waba", change({ phoneNumberId: PN, statuses: s })))).pipe(
    Effect.tap((r) => r.status === 200 ? Effect.void : Effect.die(`webhook answered ${r.status}`))
  )

/** Read receipts go to the Graph API after a reply: a scripted answer must not be spent on one. */
const receipts = Effect.map(FakeGraphServer, (graph) => graph.requests.filter((r) => JSON.stringify(r.body).includes("\"read\"")).length)

describe("one outbound path", () => {
  it.layer(engineApp(), { excludeTestServices: true, timeout: "60 seconds" })((it) => {
    it.effect("the bot's reply whose connection dropped after the request left: unknown, not resent, a person takes over", () =>
      Effect.gen(function*() {
        const graph = yield* FakeGraphServer
        graph.script({ drop: true })
        yield* say("15550007001", "hello, do you sell plans?")
        const ref = yield* conversationOf("15550007001")
        const mode = yield* poll(modeOf(ref), (m) => m?.mode === "human")
        assert.match(mode?.modeReason ?? "", /^send_failed: network SendOutcomeUnknown/)
        assert.deepStrictEqual(yield* statusesOf(ref, "BOT"), [{ status: "unknown", errorTitle: "SendOutcomeUnknown" }])
        assert.lengthOf((yield* sentTo("15550007001")).filter((s) => s.type === "text"), 1, "never resent")
      }))

    // Meta had it after all: its statuses name the message by the reference it was sent with
    it.effect("a send of unknown outcome takes the wamid and status of the first status that names it (from its recipient only), and its handoff is undone", () =>
      Effect.gen(function*() {
        const graph = yield* FakeGraphServer
        graph.script({ drop: true })
        yield* say("15550007004", "hello, what plans do you have?")
        const ref = yield* conversationOf("15550007004")
        yield* poll(statusesOf(ref, "BOT"), (rows) => rows[0]?.status === "unknown")
        const id = yield* botMessageId(ref)
        const request = graph.requests.find((r) => JSON.stringify(r.body).includes("15550007004") && JSON.stringify(r.body).includes("\"text\""))
        assert.include(JSON.stringify(request?.body), `"biz_opaque_callback_data":"${id}"`)
        const bot = rowsOf<{ status: string; wamid: string | null }>((sql) => sql`SELECT status, wamid FROM messages WHERE id = ${id}`)
        // another recipient's status, and references that name nothing of ours: ignored, the delivery accepted
        yield* statuses(
          status("wamid.elsewhere.1", "delivered", { recipientId: "15550009999", callbackData: id }),
          status("wamid.elsewhere.2", "delivered", { recipientId: "15550007004", callbackData: "not-one-of-ours" }),
          status("wamid.elsewhere.3", "delivered", { recipientId: "15550007004", callbackData: "00000000-0000-7000-8000-000000000000" })
        )
        yield* poll(rowsOf<{ n: number }>((sql) => sql`SELECT count(*)::int AS n FROM webhook_inbox WHERE status <> 'done'`), (rows) => rows[0]?.n === 0)
        assert.deepStrictEqual(yield* bot, [{ status: "unknown", wamid: null }])
        yield* statuses(status("wamid.confirmed.1", "delivered", { recipientId: "15550007004", callbackData: id }))
        yield* poll(bot, (rows) => rows[0]?.status === "delivered")
        yield* statuses(status("wamid.confirmed.1", "read", { recipientId: "15550007004", callbackData: id }))
        assert.deepStrictEqual(yield* poll(bot, (rows) => rows[0]?.status === "read"), [{ status: "read", wamid: "wamid.confirmed.1" }])
        // the handoff that send caused is undone (nobody had touched the conversation): the bot answers the lead's next message
        assert.deepStrictEqual(yield* modeOf(ref), { mode: "bot", modeReason: "send_confirmed" })
        const audit = yield* rowsOf<{ eventType: string; reason: string }>((sql) =>
          sql`SELECT event_type, details->>'reason' AS reason FROM conversation_events
              WHERE conversation_id = ${ref.conversationId} AND event_type IN ('handoff', 'release') ORDER BY created_at, id`)
        assert.deepStrictEqual(audit.map((a) => a.eventType), ["handoff", "release"])
        const before = yield* receipts
        yield* say("15550007004", "great, how do I sign up?")
        yield* poll(sentTo("15550007004"), (s) => s.filter((m) => m.type === "text").length === 2)
        yield* poll(receipts, (n) => n > before) // its read receipt too, before the next test scripts an answer
      }))

    it.effect("a confirmed send does not undo a handoff a person has acted on", () =>
      Effect.gen(function*() {
        const graph = yield* FakeGraphServer
        graph.script({ drop: true })
        yield* say("15550007006", "hello, what plans do you have?")
        const ref = yield* conversationOf("15550007006")
        yield* poll(modeOf(ref), (m) => m?.mode === "human")
        const id = yield* botMessageId(ref)
        const [user] = yield* rowsOf<{ id: string }>((sql) =>
          sql`INSERT INTO users (organization_id, name, email, hashed_password, role)
              VALUES (${ref.organizationId}, 'Agent', 'confirmed@example.com', 'not-a-hash', 'agent') RETURNING id`)
        const caller = { id: UserId.make(user?.id ?? ""), organizationId: ref.organizationId, role: "agent" as const }
        yield* Effect.flatMap(ConversationsView, (view) => view.setMode(caller, ref.conversationId, "human")).pipe(Effect.provide(ConversationsView.layer))
        yield* statuses(status("wamid.confirmed.2", "delivered", { recipientId: "15550007006", callbackData: id }))
        yield* poll(rowsOf<{ status: string }>((sql) => sql`SELECT status FROM messages WHERE id = ${id}`), (rows) => rows[0]?.status === "delivered")
        assert.deepStrictEqual(yield* modeOf(ref), { mode: "human", modeReason: "takeover" })
      }))

    it.effect("a person's message whose connection dropped: unknown too, the answer says so", () =>
      Effect.gen(function*() {
        const graph = yield* FakeGraphServer
        const before = yield* receipts
        yield* say("15550007002", "hi there")
        yield* poll(sentTo("15550007002"), (s) => s.length === 1)
        yield* poll(receipts, (n) => n > before)
        const ref = yield* conversationOf("15550007002")
        const [user] = yield* rowsOf<{ id: string }>((sql) =>
          sql`INSERT INTO users (organization_id, name, email, hashed_password, role)
              VALUES (${ref.organizationId}, 'Agent', 'outbound@example.com', 'not-a-hash', 'agent') RETURNING id`)
        const caller = { id: UserId.make(user?.id ?? ""), organizationId: ref.organizationId, role: "agent" as const }
        graph.script({ drop: true })
        const item = yield* Effect.flatMap(HumanSend, (human) => human.send(caller, { conversation_id: ref.conversationId, text: "Ada here" })).pipe(
          Effect.provide(HumanSend.layer.pipe(Layer.provideMerge(ConversationsView.layer)))
        )
        assert.strictEqual(item.status, "unknown")
        assert.strictEqual(item.error_title, "SendOutcomeUnknown")
        assert.deepStrictEqual(yield* statusesOf(ref, "HUMAN"), [{ status: "unknown", errorTitle: "SendOutcomeUnknown" }])
      }))

    it.effect("an outcome is recorded only within the conversation's organization", () =>
      Effect.gen(function*() {
        yield* say("15550007003", "hello")
        yield* poll(sentTo("15550007003"), (s) => s.length === 1)
        const ref = yield* conversationOf("15550007003")
        const store = yield* EngineStore
        const key = { organizationId: ref.organizationId, conversationId: ref.conversationId }
        const commit = yield* store.commitOutbound(key, {
          from: "HUMAN", type: "text", content: "pending one", payload: null, replyToWamid: null, sentByUserId: null
        }, null, null)
        assert.strictEqual(commit._tag, "Committed")
        if (commit._tag !== "Committed") return
        const other = { ...key, organizationId: OrganizationId.make("00000000-0000-0000-0000-000000000000") }
        yield* store.markSent(other, commit.messageId, "wamid.forged")
        yield* store.markNotSent(other, commit.messageId, { status: "failed", code: null, title: "Forged", details: "" })
        const pending = yield* rowsOf<{ status: string; wamid: string | null }>((sql) =>
          sql`SELECT status, wamid FROM messages WHERE id = ${commit.messageId}`)
        assert.deepStrictEqual(pending, [{ status: "pending", wamid: null }])
        yield* store.markSent(key, commit.messageId, "wamid.right")
        const sent = yield* rowsOf<{ status: string; wamid: string | null }>((sql) =>
          sql`SELECT status, wamid FROM messages WHERE id = ${commit.messageId}`)
        assert.deepStrictEqual(sent, [{ status: "sent", wamid: "wamid.right" }])
      }))
  })
})
