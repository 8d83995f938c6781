import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import type { SqlClient } from "effect/sql"
import { appTest } from "../support/app.ts"
import { call, createOrg, db, env, seedConversation } from "./support.ts"

/** Places a seeded conversation in time. */
const at = (sql: SqlClient.SqlClient, conversationId: string, createdAt: string, stage: string, intent: string) =>
  sql`UPDATE conversations SET created_at = ${createdAt}::timestamptz, last_message_at = ${createdAt}::timestamptz,
      stage = ${stage}, intent_level = ${intent} WHERE id = ${conversationId}`

const message = (sql: SqlClient.SqlClient, orgId: string, c: { conversationId: string; leadId: string }, from: string, time: string) =>
  sql`INSERT INTO messages (organization_id, conversation_id, lead_id, message_from, content, status, created_at)
      VALUES (${orgId}, ${c.conversationId}, ${c.leadId}, ${from}, 'x', ${from === "LEAD" ? "received" : "sent"}, ${time}::timestamptz)`

const event = (sql: SqlClient.SqlClient, orgId: string, conversationId: string, e: {
  type: string; time: string; reason?: string; model?: string; tokensIn?: number; tokensOut?: number; outcome?: string
}) =>
  sql`INSERT INTO conversation_events (organization_id, conversation_id, event_type, outcome, model, tokens_in, tokens_out, details, created_at)
      VALUES (${orgId}, ${conversationId}, ${e.type}, ${e.outcome ?? null}, ${e.model ?? null}, ${e.tokensIn ?? null}, ${e.tokensOut ?? null},
              ${e.reason === undefined ? null : JSON.stringify({ reason: e.reason })}::jsonb, ${e.time}::timestamptz)`

const followUp = (sql: SqlClient.SqlClient, orgId: string, conversationId: string, f: {
  created: string; status: string; outcome?: string; executed?: string; cancelled?: string
}) =>
  sql`INSERT INTO scheduled_actions (organization_id, conversation_id, scheduled_at, status, outcome, executed_at, cancelled_at, created_at)
      VALUES (${orgId}, ${conversationId}, ${f.created}::timestamptz + interval '1 hour', ${f.status}, ${f.outcome ?? null},
              ${f.executed ?? null}::timestamptz, ${f.cancelled ?? null}::timestamptz, ${f.created}::timestamptz)`

describe("analytics", () => {
  it.layer(appTest(env), { excludeTestServices: true })((it) => {
    it.effect("numbers of a seeded February, computed by hand", () =>
      Effect.gen(function*() {
        const a = yield* createOrg()
        const b = yield* createOrg()
        const c1 = yield* seedConversation(a.orgId)
        const c2 = yield* seedConversation(a.orgId)
        const c3 = yield* seedConversation(a.orgId)
        const c4 = yield* seedConversation(a.orgId)
        const c5 = yield* seedConversation(a.orgId) // January: outside the period
        const other = yield* seedConversation(b.orgId) // another tenant: never counted
        yield* db((sql) =>
          Effect.gen(function*() {
            yield* at(sql, c1.conversationId, "2026-02-02T10:00:00Z", "greeting", "low")
            yield* at(sql, c2.conversationId, "2026-02-03T09:00:00Z", "pricing", "high")
            yield* at(sql, c3.conversationId, "2026-02-05T08:00:00Z", "pricing", "high")
            yield* at(sql, c4.conversationId, "2026-02-10T12:00:00Z", "closed", "very_high")
            yield* at(sql, c5.conversationId, "2026-01-05T12:00:00Z", "cta", "medium")
            yield* at(sql, other.conversationId, "2026-02-04T12:00:00Z", "closed", "medium")
            // first responses: 30 s, 120 s, 10 s; c4 unanswered; c5 outside → median 30 s
            yield* message(sql, a.orgId, c1, "LEAD", "2026-02-02T10:00:00Z")
            yield* message(sql, a.orgId, c1, "BOT", "2026-02-02T10:00:30Z")
            yield* message(sql, a.orgId, c2, "LEAD", "2026-02-03T09:00:00Z")
            yield* message(sql, a.orgId, c2, "HUMAN", "2026-02-03T09:02:00Z")
            yield* message(sql, a.orgId, c3, "LEAD", "2026-02-05T08:00:00Z")
            yield* message(sql, a.orgId, c3, "BOT", "2026-02-05T08:00:10Z")
            yield* message(sql, a.orgId, c3, "BOT", "2026-02-05T08:00:20Z")
            yield* message(sql, a.orgId, c4, "LEAD", "2026-02-10T12:00:00Z")
            yield* message(sql, a.orgId, c5, "LEAD", "2026-01-05T12:00:00Z")
            yield* message(sql, a.orgId, c5, "BOT", "2026-01-05T12:00:01Z")
            yield* message(sql, b.orgId, other, "LEAD", "2026-02-04T12:00:00Z")
            yield* message(sql, b.orgId, other, "BOT", "2026-02-04T12:10:00Z")
            // handoffs: c2 once, c3 twice → 2 of 4 conversations; 3 reasons rows
            yield* event(sql, a.orgId, c2.conversationId, { type: "handoff", time: "2026-02-03T09:01:00Z", reason: "llm_unavailable: timeout" })
            yield* event(sql, a.orgId, c3.conversationId, { type: "handoff", time: "2026-02-06T08:00:00Z", reason: "low_confidence" })
            yield* event(sql, a.orgId, c3.conversationId, { type: "handoff", time: "2026-02-07T08:00:00Z", reason: "low_confidence: 0.3" })
            yield* event(sql, a.orgId, c5.conversationId, { type: "handoff", time: "2026-01-06T08:00:00Z", reason: "old" })
            yield* event(sql, b.orgId, other.conversationId, { type: "handoff", time: "2026-02-04T12:05:00Z", reason: "other_org" })
            // follow-ups: 5 scheduled in February; 2 sent (1 answered within 24 h), 1 cancelled, 1 skipped, 1 pending
            yield* followUp(sql, a.orgId, c1.conversationId, { created: "2026-02-02T11:00:00Z", status: "EXECUTED", outcome: "sent: text", executed: "2026-02-03T10:00:00Z" })
            yield* message(sql, a.orgId, c1, "LEAD", "2026-02-03T11:00:00Z")
            yield* followUp(sql, a.orgId, c2.conversationId, { created: "2026-02-04T10:00:00Z", status: "EXECUTED", outcome: "sent: template", executed: "2026-02-05T10:00:00Z" })
            yield* followUp(sql, a.orgId, c3.conversationId, { created: "2026-02-05T09:00:00Z", status: "CANCELLED", outcome: "lead replied", cancelled: "2026-02-06T09:00:00Z" })
            yield* followUp(sql, a.orgId, c4.conversationId, { created: "2026-02-11T09:00:00Z", status: "EXECUTED", outcome: "skipped: 24 h cap", executed: "2026-02-12T09:00:00Z" })
            yield* followUp(sql, a.orgId, c4.conversationId, { created: "2026-02-12T09:00:00Z", status: "PENDING" })
            yield* followUp(sql, b.orgId, other.conversationId, { created: "2026-02-05T09:00:00Z", status: "CANCELLED", outcome: "x", cancelled: "2026-02-05T10:00:00Z" })
            // LLM usage: Feb 2 llama 1000/200 + 500/100, Feb 3 gpt-4o-mini 2000/1000; January and org B ignored
            yield* event(sql, a.orgId, c1.conversationId, { type: "htl_step", time: "2026-02-02T10:00:10Z", model: "llama-3.3-70b-versatile", tokensIn: 1000, tokensOut: 200 })
            yield* event(sql, a.orgId, c1.conversationId, { type: "htl_step", time: "2026-02-02T10:00:20Z", model: "llama-3.3-70b-versatile", tokensIn: 500, tokensOut: 100 })
            yield* event(sql, a.orgId, c2.conversationId, { type: "htl_step", time: "2026-02-03T09:00:10Z", model: "gpt-4o-mini", tokensIn: 2000, tokensOut: 1000 })
            yield* event(sql, a.orgId, c5.conversationId, { type: "htl_step", time: "2026-01-05T12:00:00Z", model: "gpt-4o", tokensIn: 9999, tokensOut: 9999 })
            yield* event(sql, b.orgId, other.conversationId, { type: "htl_step", time: "2026-02-04T12:00:00Z", model: "gpt-4o", tokensIn: 7777, tokensOut: 7777 })
            // lead turns (TurnAudit's rows): 2 answered and 1 handed over in February; January and org B ignored
            yield* event(sql, a.orgId, c1.conversationId, { type: "turn", time: "2026-02-02T10:00:05Z", outcome: "SEND_NOW" })
            yield* event(sql, a.orgId, c3.conversationId, { type: "turn", time: "2026-02-05T08:00:05Z", outcome: "SEND_NOW" })
            yield* event(sql, a.orgId, c2.conversationId, { type: "turn", time: "2026-02-03T09:00:30Z", outcome: "HANDOFF_HUMAN" })
            yield* event(sql, a.orgId, c5.conversationId, { type: "turn", time: "2026-01-05T12:00:00Z", outcome: "SEND_NOW" })
            yield* event(sql, b.orgId, other.conversationId, { type: "turn", time: "2026-02-04T12:00:00Z", outcome: "WAIT_SCHEDULE" })
          })
        )
        const r = yield* call("GET", "/analytics/?from=2026-02-01T00:00:00Z&to=2026-03-01T00:00:00Z", { token: a.token })
        assert.strictEqual(r.status, 200)
        assert.deepStrictEqual(r.body, {
          from: "2026-02-01T00:00:00.000Z",
          to: "2026-03-01T00:00:00.000Z",
          funnel: [
            { stage: "greeting", count: 1 },
            { stage: "qualification", count: 0 },
            { stage: "pricing", count: 2 },
            { stage: "cta", count: 0 },
            { stage: "closed", count: 1 }
          ],
          intents: [
            { intent_level: "unknown", count: 0 },
            { intent_level: "low", count: 1 },
            { intent_level: "medium", count: 0 },
            { intent_level: "high", count: 2 },
            { intent_level: "very_high", count: 1 }
          ],
          handoff: {
            conversations: 4,
            handed_off: 2,
            rate: 0.5,
            reasons: [{ reason: "low_confidence", count: 2 }, { reason: "llm_unavailable", count: 1 }]
          },
          followups: { scheduled: 5, sent: 2, cancelled: 1, answered: 1 },
          median_first_response_seconds: 30,
          // Feb 3: c2's lead message and a person's answer, and c1's lead answering its follow-up
          messages_per_day: [
            { day: "2026-02-02", inbound: 1, outbound: 1 },
            { day: "2026-02-03", inbound: 2, outbound: 1 },
            { day: "2026-02-05", inbound: 1, outbound: 2 },
            { day: "2026-02-10", inbound: 1, outbound: 0 }
          ],
          turns_by_action: [
            { action: "SEND_NOW", count: 2 },
            { action: "WAIT_SCHEDULE", count: 0 },
            { action: "HANDOFF_HUMAN", count: 1 }
          ],
          llm_usage: [
            // (1500 × 0.59 + 300 × 0.79) / 1e6
            { day: "2026-02-02", tokens_in: 1500, tokens_out: 300, estimated_cost_usd: 0.001122 },
            // (2000 × 0.15 + 1000 × 0.60) / 1e6
            { day: "2026-02-03", tokens_in: 2000, tokens_out: 1000, estimated_cost_usd: 0.0009 }
          ]
        })
        const bad = yield* call("GET", "/analytics/?from=yesterday-ish", { token: a.token })
        assert.strictEqual(bad.status, 400)
        assert.match(bad.body.error.message, /^from: /)
        const inverted = yield* call("GET", "/analytics/?from=2026-03-01&to=2026-02-01", { token: a.token })
        assert.strictEqual(inverted.status, 400)
      }))

    it.effect("today's counts", () =>
      Effect.gen(function*() {
        const { token, orgId } = yield* createOrg()
        const c1 = yield* seedConversation(orgId)
        const c2 = yield* seedConversation(orgId, { mode: "human" })
        const old = yield* seedConversation(orgId, { lastMessageAt: "2020-01-01T00:00:00Z" })
        yield* db((sql) =>
          Effect.gen(function*() {
            yield* sql`UPDATE conversations SET created_at = '2020-01-01' WHERE id = ${old.conversationId}`
            const now = new Date().toISOString()
            yield* message(sql, orgId, c1, "LEAD", now)
            yield* message(sql, orgId, c1, "BOT", now)
            yield* message(sql, orgId, c2, "LEAD", now)
            yield* message(sql, orgId, c2, "HUMAN", now)
            yield* message(sql, orgId, old, "LEAD", "2020-01-01T00:00:00Z")
            yield* followUp(sql, orgId, c1.conversationId, { created: now, status: "PENDING" })
            yield* followUp(sql, orgId, c2.conversationId, { created: now, status: "CANCELLED", cancelled: now })
          })
        )
        const r = yield* call("GET", "/dashboard/stats", { token })
        assert.strictEqual(r.status, 200)
        const { since, ...counts } = r.body
        assert.isTrue(Date.parse(since) <= Date.now() && Date.now() - Date.parse(since) < 24 * 3600 * 1000)
        assert.deepStrictEqual(counts, {
          conversations_today: 2,
          active_conversations: 2,
          human_mode: 1,
          messages_in: 2,
          messages_out: 2,
          pending_followups: 1
        })
      }))
  })
})
