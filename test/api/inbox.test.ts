/**
 * What the web inbox reads beyond lists: one conversation with its lead and summary, its activity
 * (a turn's decision with its HTL steps, handoffs, takeovers), its follow-ups and cancelling one,
 * the templates an organization knows; a person's stage correction reaching the conversation;
 * each lead turn's decision recorded from the event bus.
 */
import { assert, describe, it } from "@effect/vitest"
import { DateTime, Effect, Fiber, Schedule, Stream } from "effect"
import { SqlClient } from "effect/sql"
import { assembleActivity, type AnchorRow, type StepRow } from "../../src/dashboard/inbox/activity.ts"
import { TurnDecided } from "../../src/domain/events.ts"
import { ConversationId, OrganizationId } from "../../src/domain/ids.ts"
import { EventBus } from "../../src/events/EventBus.ts"
import { appWithServicesTest } from "../support/appServices.ts"
import { call, createOrg, db, env, seedConversation } from "./support.ts"

const MISSING = "00000000-0000-0000-0000-000000000000"

const event = (sql: SqlClient.SqlClient, orgId: string, conversationId: string, e: {
  readonly type: string
  readonly at: string
  readonly step?: string
  readonly outcome?: string
  readonly output?: string
  readonly details?: unknown
}) =>
  sql`INSERT INTO conversation_events (organization_id, conversation_id, event_type, pipeline_step, outcome, output_summary,
        latency_ms, tokens_in, tokens_out, model, details, created_at)
      VALUES (${orgId}, ${conversationId}, ${e.type}, ${e.step ?? null}, ${e.outcome ?? null}, ${e.output ?? null},
        ${e.step === undefined ? null : 120}, ${e.step === undefined ? null : 300}, ${e.step === undefined ? null : 40},
        ${e.step === undefined ? null : "fake-model"}, ${e.details === undefined ? null : JSON.stringify(e.details)}::jsonb, ${e.at}::timestamptz)`

const followUp = (sql: SqlClient.SqlClient, orgId: string, conversationId: string, f: { readonly due: string; readonly status?: string; readonly why?: string }) =>
  sql<{ id: string }>`INSERT INTO scheduled_actions (organization_id, conversation_id, scheduled_at, status, action_context)
      VALUES (${orgId}, ${conversationId}, ${f.due}::timestamptz, ${f.status ?? "PENDING"},
        ${JSON.stringify({ why: f.why ?? "lead is comparing offers", templateRequired: false })}::jsonb)
      RETURNING id`.pipe(Effect.map((rows) => rows[0]?.id ?? ""))

describe("activity assembly", () => {
  const at = (s: string) => new Date(`2026-03-01T10:${s}Z`)
  const anchor = (id: string, eventType: AnchorRow["eventType"], time: string, outcome: string | null, text: string): AnchorRow =>
    ({ id, eventType, createdAt: at(time), outcome, why: eventType === "turn" ? text : null, reason: eventType === "turn" ? null : text, byUserId: null })
  const step = (id: string, time: string, pipelineStep: string, details: { finalAction?: string; violations?: unknown } = {}): StepRow => ({
    id, createdAt: at(time), pipelineStep, outcome: "ok", latencyMs: 100, tokensIn: 10, tokensOut: 5, model: "m",
    inputSummary: "in", outputSummary: "out", finalAction: details.finalAction ?? null, violations: details.violations ?? null
  })

  it("gives each decision the steps written after it, its summary, and leaves a follow-up's turn on its own", () => {
    const items = assembleActivity(
      [anchor("t1", "turn", "00:00", "SEND_NOW", "asked for a price"), anchor("h1", "handoff", "05:00", "human", "lead_asked_for_human: \"a person\"")],
      [
        // turn 1: written 1 s after its decision, one INSERT (one created_at); its summary later
        step("s1", "00:01", "analyze"), step("s2", "00:01", "decide", { finalAction: "SEND_NOW" }),
        step("s3", "00:01", "generate", { violations: [{ rule: "unlisted_price", detail: "99 USD" }] }), step("s4", "00:01", "generate"),
        step("s5", "00:03", "summarize"),
        // a follow-up's turn, later: no decision of its own
        step("f1", "02:00", "analyze"), step("f2", "02:00", "decide", { finalAction: "WAIT_SCHEDULE" })
      ]
    )
    assert.deepStrictEqual(items.map((i) => [i.kind, i.action, i.reason, i.steps.map((s) => s.step)]), [
      ["handoff", null, "lead_asked_for_human: \"a person\"", []],
      ["steps", "WAIT_SCHEDULE", null, ["analyze", "decide"]],
      ["decision", "SEND_NOW", "asked for a price", ["analyze", "decide", "generate", "generate", "summarize"]]
    ])
    const decision = items[2]
    assert.deepStrictEqual(decision?.steps[1]?.final_action, "SEND_NOW")
    assert.deepStrictEqual(decision?.steps[2]?.violations, [{ rule: "unlisted_price", detail: "99 USD" }])
  })
})

describe("web inbox API", () => {
  it.layer(appWithServicesTest(env), { excludeTestServices: true })((it) => {
    it.effect("one conversation: lead, summary, window, channel; another organization's is not found", () =>
      Effect.gen(function*() {
        const a = yield* createOrg()
        const b = yield* createOrg()
        const conv = yield* seedConversation(a.orgId, { name: "Dana Detail", lastUserMessageAgoMinutes: 60 })
        yield* db((sql) => sql`UPDATE conversations SET rolling_summary = 'Wants the premium plan for 5 seats.', language = 'es'
          WHERE id = ${conv.conversationId}`)
        const r = yield* call("GET", `/conversations/${conv.conversationId}`, { token: a.token })
        assert.strictEqual(r.status, 200)
        assert.strictEqual(r.body.conversation.id, conv.conversationId)
        assert.deepStrictEqual([r.body.lead.id, r.body.lead.name, r.body.lead.phone], [conv.leadId, "Dana Detail", conv.phone])
        assert.strictEqual(r.body.rolling_summary, "Wants the premium plan for 5 seats.")
        assert.strictEqual(r.body.language, "es")
        assert.isTrue(r.body.window_open)
        assert.strictEqual(Date.parse(r.body.window_closes_at) - Date.parse(r.body.last_user_message_at), 24 * 3600 * 1000)
        assert.deepStrictEqual(r.body.channel, { id: conv.channelId, display_phone_number: "", transport: "sandbox", health: "ok" })
        assert.isFalse(r.body.opted_out)
        const closed = yield* seedConversation(a.orgId, { lastUserMessageAgoMinutes: 25 * 60 })
        assert.isFalse((yield* call("GET", `/conversations/${closed.conversationId}`, { token: a.token })).body.window_open)
        const foreign = yield* call("GET", `/conversations/${conv.conversationId}`, { token: b.token })
        const missing = yield* call("GET", `/conversations/${MISSING}`, { token: b.token })
        assert.strictEqual(foreign.status, 404)
        assert.deepStrictEqual(foreign.body, missing.body)
      }))

    it.effect("activity: decisions with their steps, handoffs and takeovers, newest first, paged by entries", () =>
      Effect.gen(function*() {
        const a = yield* createOrg()
        const conv = yield* seedConversation(a.orgId)
        const c = conv.conversationId
        yield* db((sql) =>
          Effect.gen(function*() {
            yield* event(sql, a.orgId, c, { type: "turn", at: "2026-03-01T10:00:00Z", outcome: "SEND_NOW", details: { why: "answer the price question" } })
            yield* event(sql, a.orgId, c, { type: "htl_step", at: "2026-03-01T10:00:01Z", step: "analyze", outcome: "ok", output: "pricing, high intent" })
            yield* event(sql, a.orgId, c, { type: "htl_step", at: "2026-03-01T10:00:01Z", step: "decide", outcome: "ok", output: "SEND_NOW: asks the price", details: { finalAction: "SEND_NOW" } })
            yield* event(sql, a.orgId, c, { type: "htl_step", at: "2026-03-01T10:00:01Z", step: "generate", outcome: "violation", details: { violations: [{ rule: "unlisted_price", detail: "99 USD is not in the profile" }] } })
            yield* event(sql, a.orgId, c, { type: "htl_step", at: "2026-03-01T10:00:01Z", step: "generate", outcome: "ok" })
            yield* event(sql, a.orgId, c, { type: "turn", at: "2026-03-01T11:00:00Z", outcome: "HANDOFF_HUMAN", details: { why: "low_confidence: 0.3" } })
            yield* event(sql, a.orgId, c, { type: "handoff", at: "2026-03-01T11:00:01Z", outcome: "human", details: { reason: "low_confidence: 0.3" } })
            yield* event(sql, a.orgId, c, { type: "takeover", at: "2026-03-01T11:05:00Z", outcome: "human", details: { by_user_id: a.userId } })
          }))
        const r = yield* call("GET", `/conversations/${c}/activity`, { token: a.token })
        assert.strictEqual(r.status, 200)
        assert.deepStrictEqual(r.body.items.map((i: { kind: string; action: string | null; reason: string | null }) => [i.kind, i.action, i.reason]), [
          ["takeover", null, null],
          ["handoff", null, "low_confidence: 0.3"],
          ["decision", "HANDOFF_HUMAN", "low_confidence: 0.3"],
          ["decision", "SEND_NOW", "answer the price question"]
        ])
        assert.strictEqual(r.body.items[0].by_user_id, a.userId)
        const first = r.body.items[3]
        assert.deepStrictEqual(first.steps.map((s: { step: string; outcome: string }) => [s.step, s.outcome]), [
          ["analyze", "ok"], ["decide", "ok"], ["generate", "violation"], ["generate", "ok"]
        ])
        assert.strictEqual(first.steps[1].final_action, "SEND_NOW")
        assert.deepStrictEqual(first.steps[2].violations, [{ rule: "unlisted_price", detail: "99 USD is not in the profile" }])
        assert.deepStrictEqual([first.steps[0].latency_ms, first.steps[0].tokens_in, first.steps[0].tokens_out, first.steps[0].model], [120, 300, 40, "fake-model"])
        // two entries a page: the older decision keeps its steps on the next page
        const page1 = yield* call("GET", `/conversations/${c}/activity?limit=2`, { token: a.token })
        assert.deepStrictEqual(page1.body.items.map((i: { kind: string }) => i.kind), ["takeover", "handoff"])
        const page2 = yield* call("GET", `/conversations/${c}/activity?limit=2&cursor=${page1.body.next_cursor}`, { token: a.token })
        assert.deepStrictEqual(page2.body.items.map((i: { kind: string; steps: Array<unknown> }) => [i.kind, i.steps.length]), [["decision", 0], ["decision", 4]])
        assert.isNull(page2.body.next_cursor)
        assert.strictEqual((yield* call("GET", `/conversations/${c}/activity?cursor=nonsense`, { token: a.token })).status, 400)
      }))

    it.effect("a lead turn's decision (TurnDecided on the bus) is kept as a 'turn' row", () =>
      Effect.gen(function*() {
        const a = yield* createOrg()
        const conv = yield* seedConversation(a.orgId)
        const bus = yield* EventBus
        const at = DateTime.makeUnsafe(Date.parse("2026-03-02T09:00:00Z"))
        yield* bus.publish(new TurnDecided({
          organizationId: OrganizationId.make(a.orgId),
          conversationId: ConversationId.make(conv.conversationId),
          at,
          action: "WAIT_SCHEDULE",
          why: "lead said they will decide tomorrow"
        }))
        const sql = yield* SqlClient.SqlClient
        const rows = yield* sql<{ outcome: string; why: string; createdAt: Date }>`
          SELECT outcome, details->>'why' AS why, created_at FROM conversation_events
          WHERE conversation_id = ${conv.conversationId} AND event_type = 'turn'`.pipe(
          Effect.filterOrFail((rows) => rows.length > 0),
          Effect.retry(Schedule.spaced("20 millis").pipe(Schedule.upTo({ times: 100 })))
        )
        assert.deepStrictEqual(rows.map((r) => [r.outcome, r.why, r.createdAt.toISOString()]), [
          ["WAIT_SCHEDULE", "lead said they will decide tomorrow", "2026-03-02T09:00:00.000Z"]
        ])
      }))

    it.effect("follow-ups: pending soonest first, then finished; a person cancels one (live event), twice is 409", () =>
      Effect.gen(function*() {
        const a = yield* createOrg()
        const b = yield* createOrg()
        const conv = yield* seedConversation(a.orgId)
        const c = conv.conversationId
        const [later, sooner, done] = yield* db((sql) =>
          Effect.all([
            followUp(sql, a.orgId, c, { due: "2099-01-02T10:00:00Z", why: "second nudge" }),
            followUp(sql, a.orgId, c, { due: "2099-01-01T10:00:00Z", why: "first nudge" }),
            followUp(sql, a.orgId, c, { due: "2020-01-01T10:00:00Z", status: "EXECUTED" })
          ]))
        const list = yield* call("GET", `/conversations/${c}/followups`, { token: a.token })
        assert.strictEqual(list.status, 200)
        assert.deepStrictEqual(list.body.items.map((f: { id: string; status: string }) => [f.id, f.status]), [
          [sooner, "PENDING"], [later, "PENDING"], [done, "EXECUTED"]
        ])
        assert.deepStrictEqual([list.body.items[0].why, list.body.items[0].template_required, list.body.items[0].due_at], ["first nudge", false, "2099-01-01T10:00:00.000Z"])

        const bus = yield* EventBus
        const changes = yield* bus.forOrganization(OrganizationId.make(a.orgId)).pipe(
          Stream.filter((e) => e._tag === "FollowUpChanged"),
          Stream.take(1),
          Stream.runCollect,
          Effect.forkScoped
        )
        yield* Effect.sleep("50 millis")
        // another organization cannot touch it
        const foreign = yield* call("POST", `/conversations/${c}/followups/${sooner}/cancel`, { token: b.token })
        assert.strictEqual(foreign.status, 404)
        const cancelled = yield* call("POST", `/conversations/${c}/followups/${sooner}/cancel`, { token: a.token })
        assert.strictEqual(cancelled.status, 200)
        assert.deepStrictEqual([cancelled.body.id, cancelled.body.status, cancelled.body.outcome], [sooner, "CANCELLED", "cancelled: by a person"])
        const seen = yield* Fiber.join(changes).pipe(Effect.timeout("5 seconds"))
        assert.deepStrictEqual(seen.map((e) => e._tag === "FollowUpChanged" ? [e.scheduledActionId, e.change] : []), [[sooner, "cancelled"]])
        const again = yield* call("POST", `/conversations/${c}/followups/${sooner}/cancel`, { token: a.token })
        assert.strictEqual(again.status, 409)
        assert.strictEqual(again.body.error.code, "conflict")
        assert.strictEqual((yield* call("POST", `/conversations/${c}/followups/${MISSING}/cancel`, { token: a.token })).status, 404)
        // the other one is still pending
        const after = yield* call("GET", `/conversations/${c}/followups`, { token: a.token })
        assert.deepStrictEqual(after.body.items.filter((f: { status: string }) => f.status === "PENDING").map((f: { id: string }) => f.id), [later])
      }).pipe(Effect.scoped))

    it.effect("templates: the follow-up template of the profile, then those sent before; none of another organization", () =>
      Effect.gen(function*() {
        const a = yield* createOrg()
        const b = yield* createOrg()
        const conv = yield* seedConversation(a.orgId)
        const other = yield* seedConversation(b.orgId)
        const profile = yield* call("GET", "/organization/profile", { token: a.token })
        yield* call("PUT", "/organization/profile", {
          token: a.token,
          body: { ...profile.body, followup: { ...profile.body.followup, template_name: "gentle_nudge", template_language: "es" } }
        })
        yield* db((sql) =>
          Effect.gen(function*() {
            const insert = (org: string, c: { conversationId: string; leadId: string }, payload: unknown) =>
              sql`INSERT INTO messages (organization_id, conversation_id, lead_id, message_from, type, content, payload, status)
                  VALUES (${org}, ${c.conversationId}, ${c.leadId}, 'HUMAN', 'template', '[template]', ${JSON.stringify(payload)}::jsonb, 'sent')`
            // a person's send keeps {template: …}; the engine's keeps the fields at the top
            yield* insert(a.orgId, conv, { template: { name: "order_update", language: "en", parameters: ["Ana", "#42"] } })
            yield* insert(a.orgId, conv, { name: "gentle_nudge", language: "es", parameters: ["Ana"] })
            yield* insert(b.orgId, other, { template: { name: "b_secret_template", language: "en", parameters: [] } })
          }))
        const r = yield* call("GET", "/organization/templates", { token: a.token })
        assert.strictEqual(r.status, 200)
        assert.deepStrictEqual(r.body.items, [
          { name: "gentle_nudge", language: "es", source: "followup", parameters: 1 },
          { name: "order_update", language: "en", source: "sent", parameters: 2 }
        ])
      }))

    it.effect("a person's stage, intent and sentiment for a lead apply to its conversations", () =>
      Effect.gen(function*() {
        const a = yield* createOrg()
        const conv = yield* seedConversation(a.orgId, { stage: "greeting", intent: "unknown" })
        const r = yield* call("PUT", `/leads/${conv.leadId}`, {
          token: a.token,
          body: { conversation_stage: "pricing", intent_level: "high", user_sentiment: "positive" }
        })
        assert.strictEqual(r.status, 200)
        const item = yield* call("GET", `/conversations/${conv.conversationId}`, { token: a.token })
        assert.deepStrictEqual(
          [item.body.conversation.stage, item.body.conversation.intent_level, item.body.conversation.user_sentiment],
          ["pricing", "high", "positive"]
        )
        // a name change leaves the conversation's state as it was
        yield* db((sql) => sql`UPDATE conversations SET stage = 'cta' WHERE id = ${conv.conversationId}`)
        assert.strictEqual((yield* call("PUT", `/leads/${conv.leadId}`, { token: a.token, body: { name: "New Name" } })).status, 200)
        assert.strictEqual((yield* call("GET", `/conversations/${conv.conversationId}`, { token: a.token })).body.conversation.stage, "cta")
      }))
  })
})
