import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { recover } from "../../src/conversations/recovery.ts"
import { FakeGraphServer, graphError } from "../support/fakeGraph.ts"
import { analysis, decision, draft, GOOD_REPLY, goodDefaults } from "../support/htlFixtures.ts"
import {
  conversationOf,
  dueNow,
  engineApp,
  FakeLlmServer,
  pause,
  poll,
  rowsOf,
  say,
  sentTo,
  takeover
} from "./support.ts"

const messagesOf = (waId: string) =>
  rowsOf<{ messageFrom: string; content: string; status: string; type: string }>((sql) =>
    sql`SELECT m.message_from, m.content, m.status, m.type FROM messages m JOIN leads l ON l.id = m.lead_id
        WHERE l.wa_id = ${waId} ORDER BY m.created_at, m.id`)

const conversationState = (waId: string) =>
  rowsOf<{ mode: string; modeReason: string | null; totalNudges: number; optedOutAt: Date | null; rollingSummary: string }>((sql) =>
    sql`SELECT c.mode, c.mode_reason, c.total_nudges, c.opted_out_at, c.rolling_summary FROM conversations c
        JOIN leads l ON l.id = c.lead_id WHERE l.wa_id = ${waId}`).pipe(Effect.map((rows) => rows[0]))

const followUpsOf = (waId: string) =>
  rowsOf<{ status: string; outcome: string | null }>((sql) =>
    sql`SELECT s.status, s.outcome FROM scheduled_actions s JOIN conversations c ON c.id = s.conversation_id
        JOIN leads l ON l.id = c.lead_id WHERE l.wa_id = ${waId} ORDER BY s.created_at`)

/**
 * Decide answers WAIT_SCHEDULE the first time a lead's text carries `marker`, SEND_NOW after.
 * (Decide's prompt carries Analyze's summary, not the lead's words: Analyze passes the marker on.)
 */
const waitOnceFor = (marker: string) =>
  Effect.map(FakeLlmServer, (llm) => {
    let waited = false
    llm.respond("analyze", (request) => ({
      kind: "json",
      body: { ...analysis(), situation_summary: request.user.includes(marker) ? `${marker}: the lead asks to talk later` : "Lead asks a question" }
    }))
    llm.respond("decide", (request) => {
      if (request.user.includes(marker) && !waited) {
        waited = true
        return { kind: "json", body: decision("WAIT_SCHEDULE", { minutes: 60, why: "lead is busy" }) }
      }
      return { kind: "json", body: decision() }
    })
  })

describe("conversation engine, end to end", () => {
  // no periodic recovery sweep: the restart test calls recovery itself and counts what it did
  it.layer(engineApp({ RECOVERY_SWEEP: "1 hour" }), { excludeTestServices: true, timeout: "60 seconds" })((it) => {
    it.effect("a burst of 3 messages gets one reply that quotes the last one; the summary is kept", () =>
      Effect.gen(function*() {
        const llm = yield* FakeLlmServer
        const before = llm.stepRequests("analyze").length
        yield* say("15550000001", "hi", "do you have a CRM?", "how much is premium?")
        const sent = yield* poll(sentTo("15550000001"), (s) => s.length > 0)
        yield* pause(800)
        assert.lengthOf(yield* sentTo("15550000001"), 1)
        assert.strictEqual(sent[0]?.type, "text")
        assert.include(sent[0]?.json ?? "", GOOD_REPLY)
        const analyze = llm.stepRequests("analyze").slice(before)
        assert.lengthOf(analyze, 1, "one turn for the burst")
        for (const t of ["hi", "do you have a CRM?", "how much is premium?"]) assert.include(analyze[0]?.user ?? "", t)
        const rows = yield* poll(messagesOf("15550000001"), (m) => m.some((x) => x.messageFrom === "BOT" && x.status === "sent"))
        assert.deepStrictEqual(rows.map((m) => m.messageFrom), ["LEAD", "LEAD", "LEAD", "BOT"])
        const state = yield* poll(conversationState("15550000001"), (s) => (s?.rollingSummary ?? "") !== "")
        assert.include(state?.rollingSummary ?? "", "49 USD")
      }))

    it.effect("the lead's language is kept: a Spanish lead is answered in Spanish, and the conversation remembers it", () =>
      Effect.gen(function*() {
        const llm = yield* FakeLlmServer
        const es = "El plan Premium cuesta 49 USD al mes, con usuarios ilimitados. ¿Quieres probarlo 14 días gratis?"
        llm.respond("generate", (request) => ({ kind: "json", body: draft(request.system.includes("Spanish (es)") ? es : GOOD_REPLY) }))
        yield* say("15550000031", "Hola, ¿cuánto cuesta el plan premium para mi tienda?")
        const sent = yield* poll(sentTo("15550000031"), (s) => s.length > 0)
        assert.include(sent[0]?.json ?? "", es)
        const [row] = yield* poll(
          rowsOf<{ language: string | null }>((sql) =>
            sql`SELECT c.language FROM conversations c JOIN leads l ON l.id = c.lead_id WHERE l.wa_id = '15550000031'`),
          (rows) => rows[0]?.language !== null
        )
        assert.strictEqual(row?.language, "es")
        yield* say("15550000031", "ok 👍")
        const again = yield* poll(sentTo("15550000031"), (s) => s.length > 1)
        assert.include(again[1]?.json ?? "", es) // "ok 👍" shows no language: still Spanish
        llm.respond("generate", goodDefaults.generate ?? (() => ({ kind: "json", body: draft(GOOD_REPLY) })))
      }))

    it.effect("a message during a running turn: that turn gives up before its reply, one reply covers both", () =>
      Effect.gen(function*() {
        const llm = yield* FakeLlmServer
        llm.latency.generate = 1200
        const before = llm.stepRequests("analyze").length
        yield* say("15550000002", "first question")
        yield* poll(Effect.sync(() => llm.stepRequests("generate").filter((r) => r.user.includes("first question")).length), (n) => n > 0)
        yield* say("15550000002", "and a second one")
        yield* poll(sentTo("15550000002"), (s) => s.length > 0, "15 seconds")
        yield* pause(1500)
        llm.latency.generate = 0
        assert.lengthOf(yield* sentTo("15550000002"), 1)
        const analyze = llm.stepRequests("analyze").slice(before).filter((r) => r.user.includes("first question"))
        assert.lengthOf(analyze, 2)
        assert.include(analyze[1]?.user ?? "", "and a second one")
        // the first turn stopped waiting on its draft when the second message came: its Analyze and
        // Decide are audited, no draft of it is (it never finished), the second turn's is
        // (the second turn's steps are written after its reply: waited for)
        const steps = yield* poll(
          rowsOf<{ pipelineStep: string }>((sql) =>
            sql`SELECT e.pipeline_step FROM conversation_events e JOIN conversations c ON c.id = e.conversation_id
                JOIN leads l ON l.id = c.lead_id WHERE l.wa_id = '15550000002' AND e.event_type = 'htl_step'`),
          (rows) => rows.some((r) => r.pipelineStep === "generate")
        )
        assert.deepStrictEqual(steps.map((s) => s.pipelineStep).filter((s) => s !== "summarize" && s !== "knowledge").sort(), ["analyze", "analyze", "decide", "decide", "generate"])
      }))

    it.effect("two conversations run concurrently", () =>
      Effect.gen(function*() {
        yield* Effect.all([say("15550000003", "hello from three"), say("15550000004", "hello from four")], { concurrency: 2 })
        yield* poll(Effect.all([sentTo("15550000003"), sentTo("15550000004")]), ([a, b]) => a.length === 1 && b.length === 1)
      }))

    it.effect("human mode: the message is stored, the bot stays silent", () =>
      Effect.gen(function*() {
        yield* say("15550000005", "first")
        yield* poll(sentTo("15550000005"), (s) => s.length === 1)
        yield* takeover(yield* conversationOf("15550000005"))
        yield* say("15550000005", "are you there?")
        yield* pause(1000)
        assert.lengthOf(yield* sentTo("15550000005"), 1)
        assert.deepStrictEqual((yield* messagesOf("15550000005")).map((m) => m.messageFrom), ["LEAD", "BOT", "LEAD"])
      }))

    it.effect("a takeover during a turn interrupts it: the draft is never sent", () =>
      Effect.gen(function*() {
        const llm = yield* FakeLlmServer
        llm.latency.generate = 1500
        yield* say("15550000006", "quick question")
        yield* poll(Effect.sync(() => llm.stepRequests("generate").filter((r) => r.user.includes("quick question")).length), (n) => n > 0)
        yield* takeover(yield* conversationOf("15550000006"))
        yield* pause(2000)
        llm.latency.generate = 0
        assert.lengthOf(yield* sentTo("15550000006"), 0)
        assert.deepStrictEqual((yield* messagesOf("15550000006")).map((m) => m.messageFrom), ["LEAD"])
      }))

    it.effect("the LLM down: the lead is handed to a human with a visible reason", () =>
      Effect.gen(function*() {
        const llm = yield* FakeLlmServer
        llm.respond("analyze", (r) =>
          r.user.includes("LLM-DOWN") ? { kind: "status", status: 500 } : { kind: "json", body: analysis() })
        yield* say("15550000007", "LLM-DOWN please")
        const state = yield* poll(conversationState("15550000007"), (s) => s?.mode === "human", "20 seconds")
        assert.match(state?.modeReason ?? "", /llm_unavailable/)
        // no answer from the model; the lead is told a person will reply (README "Handoffs")
        const sent = yield* sentTo("15550000007")
        assert.lengthOf(sent, 1)
        assert.include(sent[0]?.json ?? "", "A colleague from our team will reply here shortly")
      }))

    it.effect("WAIT_SCHEDULE: the follow-up fires once; a reply cancels the next one", () =>
      Effect.gen(function*() {
        yield* waitOnceFor("FOLLOW-ME")
        yield* say("15550000008", "FOLLOW-ME later please")
        yield* poll(followUpsOf("15550000008"), (rows) => rows.length === 1)
        assert.lengthOf(yield* sentTo("15550000008"), 0)
        const ref = yield* conversationOf("15550000008")
        const llm = yield* FakeLlmServer
        const summaries = Effect.sync(() => llm.stepRequests("summarize").filter((r) => r.user.includes("FOLLOW-ME")).length)
        const before = yield* summaries
        yield* dueNow(ref)
        yield* poll(sentTo("15550000008"), (s) => s.length === 1)
        // the follow-up turn is remembered like a lead turn: its summary is written
        yield* poll(summaries, (n) => n > before)
        const fired = yield* poll(followUpsOf("15550000008"), (rows) => rows[0]?.status === "EXECUTED")
        assert.strictEqual(fired[0]?.outcome, "sent")
        yield* dueNow(ref)
        yield* pause(500)
        assert.lengthOf(yield* sentTo("15550000008"), 1, "fired once")
        assert.strictEqual((yield* conversationState("15550000008"))?.totalNudges, 1)

        // a new follow-up, then the lead writes: it is cancelled in the same transaction
        yield* waitOnceFor("FOLLOW-AGAIN")
        yield* say("15550000008", "FOLLOW-AGAIN tomorrow")
        yield* poll(followUpsOf("15550000008"), (rows) => rows.length === 2)
        yield* say("15550000008", "actually, now is fine")
        const rows = yield* poll(followUpsOf("15550000008"), (r) => r[1]?.status === "CANCELLED")
        assert.strictEqual(rows[1]?.outcome, "lead replied")
      }))

    it.effect("caps and the closed window: due follow-ups are skipped with the reason recorded", () =>
      Effect.gen(function*() {
        yield* waitOnceFor("CAPPED")
        yield* say("15550000009", "CAPPED one")
        yield* poll(followUpsOf("15550000009"), (rows) => rows.length === 1)
        const ref = yield* conversationOf("15550000009")
        yield* rowsOf((sql) => sql`UPDATE conversations SET total_nudges = 5 WHERE id = ${ref.conversationId} RETURNING id`)
        yield* dueNow(ref)
        const capped = yield* poll(followUpsOf("15550000009"), (rows) => rows[0]?.status === "EXECUTED")
        assert.match(capped[0]?.outcome ?? "", /skipped: total follow-up cap/)

        yield* waitOnceFor("WINDOW")
        yield* say("15550000010", "WINDOW closes")
        yield* poll(followUpsOf("15550000010"), (rows) => rows.length === 1)
        const closed = yield* conversationOf("15550000010")
        yield* rowsOf((sql) => sql`UPDATE conversations SET last_user_message_at = now() - interval '2 days'
          WHERE id = ${closed.conversationId} RETURNING id`)
        yield* dueNow(closed)
        const skipped = yield* poll(followUpsOf("15550000010"), (rows) => rows[0]?.status === "EXECUTED")
        assert.match(skipped[0]?.outcome ?? "", /window closed and no template/)
        assert.lengthOf(yield* sentTo("15550000010"), 0)
      }))

    it.effect("a closed window with a template configured sends the template", () =>
      Effect.gen(function*() {
        yield* waitOnceFor("TEMPLATE")
        yield* say("15550000011", "TEMPLATE please")
        yield* poll(followUpsOf("15550000011"), (rows) => rows.length === 1)
        const ref = yield* conversationOf("15550000011")
        yield* rowsOf((sql) => sql`UPDATE business_profiles SET followup_template_name = 'checking_in', followup_template_language = 'en_US'
          WHERE organization_id = ${ref.organizationId} RETURNING organization_id`)
        yield* rowsOf((sql) => sql`UPDATE conversations SET last_user_message_at = now() - interval '2 days'
          WHERE id = ${ref.conversationId} RETURNING id`)
        yield* dueNow(ref)
        const sent = yield* poll(sentTo("15550000011"), (s) => s.length === 1)
        assert.strictEqual(sent[0]?.type, "template")
        yield* rowsOf((sql) => sql`UPDATE business_profiles SET followup_template_name = NULL
          WHERE organization_id = ${ref.organizationId} RETURNING organization_id`)
      }))

    it.effect("WAIT_SCHEDULE and HANDOFF turns are remembered too: the state and the rolling summary are saved", () =>
      Effect.gen(function*() {
        yield* waitOnceFor("REMEMBER")
        yield* say("15550000014", "REMEMBER me, I'll decide next week")
        yield* poll(followUpsOf("15550000014"), (rows) => rows.length === 1)
        const state = yield* poll(conversationState("15550000014"), (s) => (s?.rollingSummary ?? "") !== "")
        assert.include(state?.rollingSummary ?? "", "49 USD")
        const ref = yield* conversationOf("15550000014")
        const [row] = yield* rowsOf<{ lastBotMessageAt: Date | null; intentLevel: string | null }>((sql) =>
          sql`SELECT last_bot_message_at, intent_level FROM conversations WHERE id = ${ref.conversationId}`)
        assert.isNull(row?.lastBotMessageAt ?? null, "nothing was sent")
        assert.isNotNull(row?.intentLevel ?? null, "Analyze's reading is kept")
      }))

    it.effect("Meta answers 131047 (the window closed before the reply left): without a template, a person takes over", () =>
      Effect.gen(function*() {
        const graph = yield* FakeGraphServer
        graph.script(graphError(131047, { details: "more than 24 hours" }))
        yield* say("15550000015", "hello, still there?")
        const state = yield* poll(conversationState("15550000015"), (s) => s?.mode === "human")
        assert.match(state?.modeReason ?? "", /^window_closed/)
        yield* pause(300)
        // the one request is the refused reply: no notice is sent into a closed window
        assert.deepStrictEqual((yield* sentTo("15550000015")).map((s) => s.type), ["text"])
      }))

    it.effect("Meta answers 131047 with a template configured: the template goes instead, and the bot stays on", () =>
      Effect.gen(function*() {
        const graph = yield* FakeGraphServer
        const receipts = Effect.sync(() => graph.requests.filter((r) => JSON.stringify(r.body).includes("\"read\"")).length)
        const before = yield* receipts
        yield* say("15550000016", "first contact")
        yield* poll(sentTo("15550000016"), (s) => s.length === 1)
        // the read receipt follows the reply: the scripted answer must not go to it
        yield* poll(receipts, (n) => n > before)
        const ref = yield* conversationOf("15550000016")
        yield* rowsOf((sql) => sql`UPDATE business_profiles SET followup_template_name = 'checking_in', followup_template_language = 'en_US'
          WHERE organization_id = ${ref.organizationId} RETURNING organization_id`)
        graph.script(graphError(131047))
        yield* say("15550000016", "are you open on sunday?")
        const sent = yield* poll(sentTo("15550000016"), (s) => s.length === 3) // the reply, the refused reply, the template
        assert.deepStrictEqual(sent.map((s) => s.type), ["text", "text", "template"])
        assert.strictEqual((yield* conversationState("15550000016"))?.mode, "bot")
        yield* rowsOf((sql) => sql`UPDATE business_profiles SET followup_template_name = NULL
          WHERE organization_id = ${ref.organizationId} RETURNING organization_id`)
      }))

    it.effect("opt-out: pending follow-ups end, one acknowledgement in the lead's language, no second one", () =>
      Effect.gen(function*() {
        yield* waitOnceFor("OPT")
        yield* say("15550000012", "OPT hola, quiero información")
        yield* poll(followUpsOf("15550000012"), (rows) => rows.length === 1)
        yield* say("15550000012", "BAJA")
        const acks = yield* poll(sentTo("15550000012"), (s) => s.length === 1)
        assert.match(acks[0]?.json ?? "", /no te enviaremos/)
        const rows = yield* poll(followUpsOf("15550000012"), (r) => r[0]?.status === "CANCELLED")
        assert.isNotNull(rows[0])
        assert.isNotNull((yield* conversationState("15550000012"))?.optedOutAt)
        yield* say("15550000012", "stop")
        yield* pause(1000)
        assert.lengthOf(yield* sentTo("15550000012"), 1, "acknowledged once")
      }))

    it.effect("recovery reads only conversations a lead message marked: answered ones are unmarked, a person's unanswered one stays marked", () =>
      Effect.gen(function*() {
        const markOf = (waId: string) =>
          rowsOf<{ at: Date | null }>((sql) =>
            sql`SELECT c.unchecked_lead_at AS at FROM conversations c JOIN leads l ON l.id = c.lead_id WHERE l.wa_id = ${waId}`).pipe(
            Effect.map((rows) => rows[0]?.at ?? null)
          )
        // answered: marked by the lead's message, unmarked by the next recovery
        yield* say("15550000017", "hi there")
        yield* poll(sentTo("15550000017"), (s) => s.length === 1)
        assert.isNotNull(yield* markOf("15550000017"))
        // unanswered, a person's now: the turn hangs and the conversation is taken over
        const llm = yield* FakeLlmServer
        llm.latency.analyze = 100_000
        yield* say("15550000018", "is anyone there?")
        yield* poll(Effect.sync(() => llm.stepRequests("analyze").filter((r) => r.user.includes("is anyone there?")).length), (n) => n > 0)
        yield* takeover(yield* conversationOf("15550000018"))
        llm.latency.analyze = 0
        yield* pause(300) // the reply's after-send writes (state, summary, audit)

        yield* recover({ pendingOlderThan: Duration.zero })
        assert.isNull(yield* markOf("15550000017"), "answered: unmarked")
        assert.isNotNull(yield* markOf("15550000018"), "unanswered: still marked, for when the bot has it again")
        assert.lengthOf(yield* sentTo("15550000018"), 0, "a person has it: not resumed")
        // the lead writes again: marked again
        yield* say("15550000017", "one more question")
        yield* poll(markOf("15550000017"), (at) => at !== null)
      }))

    it.effect("after a restart: a pending send becomes unknown (never resent); an unanswered lead gets one reply", () =>
      Effect.gen(function*() {
        const llm = yield* FakeLlmServer
        llm.latency.analyze = 100_000 // the turn hangs: as if the process died mid-turn
        yield* say("15550000013", "anyone?")
        yield* poll(Effect.sync(() => llm.stepRequests("analyze").filter((r) => r.user.includes("anyone?")).length), (n) => n > 0)
        const ref = yield* conversationOf("15550000013")
        yield* takeover(ref) // ends the hung turn…
        yield* rowsOf((sql) => sql`UPDATE conversations SET mode = 'bot' WHERE id = ${ref.conversationId} RETURNING id`) // …state as before the crash
        // the ended turn lets go of its lease a moment later; a dead process holds none
        yield* poll(rowsOf((sql) => sql`SELECT 1 FROM conversation_leases WHERE conversation_id = ${ref.conversationId} AND expires_at >= now()`),
          (rows) => rows.length === 0)
        llm.latency.analyze = 0
        yield* rowsOf((sql) => sql`INSERT INTO messages (organization_id, conversation_id, lead_id, message_from, content, status, created_at)
          SELECT organization_id, id, lead_id, 'BOT', 'half-sent', 'pending', now() - interval '1 hour' FROM conversations
          WHERE id = ${ref.conversationId} RETURNING id`)
        const result = yield* recover({ pendingOlderThan: Duration.zero })
        assert.isAtLeast(result.resumed, 1)
        assert.isAtLeast(result.unknownSends, 1)
        yield* poll(sentTo("15550000013"), (s) => s.length === 1)
        yield* pause(800)
        assert.lengthOf(yield* sentTo("15550000013"), 1)
        const statuses = (yield* messagesOf("15550000013")).filter((m) => m.messageFrom === "BOT").map((m) => m.status)
        assert.includeMembers(statuses, ["unknown", "sent"])
        const graph = yield* FakeGraphServer
        assert.isFalse(JSON.stringify(graph.requests).includes("half-sent"))
      }))
  })
})
