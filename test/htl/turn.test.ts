/** Whole turns through the real SDK against the fake server: decisions, guardrails, handoffs, accounting. */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Layer, Option } from "effect"
import { Htl } from "../../src/htl/Htl.ts"
import { Knowledge } from "../../src/knowledge/Knowledge.ts"
import { Llm } from "../../src/llm/Llm.ts"
import type { Violation } from "../../src/htl/types.ts"
import { type FakeRequest, fakeSettings, startFakeLlm } from "../support/fakeLlm.ts"
import { analysis, context, decision, draft, GOOD_REPLY, goodDefaults, htlFor, lead, profile } from "../support/htlFixtures.ts"

const fast = { retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 1_000 } }
const tokensOf = (rs: ReadonlyArray<FakeRequest>) => rs.reduce((n, r) => n + Math.ceil(r.messages.reduce((c, m) => c + m.content.length, 0) / 4), 0)

describe("Htl.runTurn", () => {
  it.live("answers a pricing question with a checked reply, only the relevant knowledge, and full accounting", () =>
    Effect.gen(function*() {
      const fake = yield* startFakeLlm(goodDefaults)
      const htl = yield* htlFor(fake)
      const r = yield* htl.runTurn(context())
      assert.strictEqual(r.action, "SEND_NOW")
      assert.deepStrictEqual(r.reply, { text: GOOD_REPLY, language: "en", ctaType: null })
      assert.isNull(r.handoff)
      assert.strictEqual(r.nextStage, "pricing")
      assert.deepStrictEqual(r.statePatch, { intentLevel: "high", sentiment: "positive" })
      assert.deepStrictEqual(r.steps.map((s) => [s.step, s.outcome]), [["analyze", "ok"], ["decide", "ok"], ["knowledge", "ok"], ["generate", "ok"]])
      const gen = fake.stepRequests("generate")[0]
      assert.include(gen?.user ?? "", "Premium plan: 49 USD")
      assert.notInclude(gen?.user ?? "", "Onboarding service") // not asked for: not in the prompt
      assert.strictEqual(r.usage.promptTokens, tokensOf(fake.requests))
      assert.strictEqual(r.usage.promptTokens, r.steps.reduce((n, s) => n + s.tokensIn, 0))
      assert.isAbove(r.usage.completionTokens, 0)
      assert.strictEqual(r.usage.wastedTokens, 0)
      for (const s of r.steps.filter((s) => s.step !== "knowledge")) assert.strictEqual(s.model, "fake-model")
    }).pipe(Effect.scoped))

  it.live("latency per step and per turn is measured", () =>
    Effect.gen(function*() {
      const fake = yield* startFakeLlm(goodDefaults)
      Object.assign(fake.latency, { analyze: 40, decide: 30, generate: 40 })
      const htl = yield* htlFor(fake)
      const r = yield* htl.runTurn(context())
      const step = (name: string) => r.steps.find((s) => s.step === name)?.latencyMs ?? 0
      assert.isAtLeast(step("analyze"), 40)
      assert.isAtLeast(step("decide"), 30)
      assert.isAtLeast(r.latencyMs, 110)
    }).pipe(Effect.scoped))

  it.live("speculative: Generate starts before Decide has answered, and its draft is used", () =>
    Effect.gen(function*() {
      const fake = yield* startFakeLlm(goodDefaults)
      Object.assign(fake.latency, { decide: 300 })
      const htl = yield* htlFor(fake, { speculative: "on" })
      const r = yield* htl.runTurn(context())
      assert.strictEqual(r.reply?.text, GOOD_REPLY)
      const decideAt = fake.stepRequests("decide")[0]?.receivedAt ?? 0
      const generateAt = fake.stepRequests("generate")[0]?.receivedAt ?? Infinity
      assert.isBelow(generateAt, decideAt + 300)
      assert.strictEqual(fake.stepRequests("generate").length, 1)
      assert.strictEqual(r.usage.wastedTokens, 0)
    }).pipe(Effect.scoped))

  it.live("speculative: a draft Decide did not ask for is discarded and its tokens counted as wasted", () =>
    Effect.gen(function*() {
      const fake = yield* startFakeLlm({ ...goodDefaults, decide: () => ({ kind: "json", body: decision("WAIT_SCHEDULE", { minutes: 5, why: "lead will check with partner" }) }) })
      const htl = yield* htlFor(fake, { speculative: "on" })
      const r = yield* htl.runTurn(context())
      assert.strictEqual(r.action, "WAIT_SCHEDULE")
      assert.isNull(r.reply)
      assert.strictEqual(r.followupInMinutes, 60) // high intent: not sooner than an hour (the business allows 30 min)
      const discarded = r.steps.filter((s) => s.outcome === "discarded")
      assert.strictEqual(discarded.length, 1)
      assert.isAbove(r.usage.wastedTokens, 0)
      assert.strictEqual(r.usage.wastedTokens, (discarded[0]?.tokensIn ?? 0) + (discarded[0]?.tokensOut ?? 0))
    }).pipe(Effect.scoped))

  it.live("speculative: a draft still in flight when Decide says otherwise is aborted; its prompt is estimated as waste", () =>
    Effect.gen(function*() {
      const fake = yield* startFakeLlm({
        ...goodDefaults,
        decide: () => ({ kind: "json", body: decision("HANDOFF_HUMAN", { why: "wants a custom contract" }) }),
        generate: () => ({ kind: "hang" })
      })
      const htl = yield* htlFor(fake, { speculative: "on" })
      const r = yield* htl.runTurn(context())
      assert.strictEqual(r.handoff?.code, "model_decision")
      const discarded = r.steps.find((s) => s.outcome === "discarded")
      assert.deepInclude(discarded?.details, { speculative: true, estimated: true })
      assert.isAbove(r.usage.wastedTokens, 100)
      yield* Effect.promise(async () => {
        for (let i = 0; i < 200 && fake.aborted() === 0; i++) await new Promise((res) => setTimeout(res, 5))
      })
      assert.strictEqual(fake.aborted(), 1)
    }).pipe(Effect.scoped))

  it.live("auto speculation stops once Decide mostly says something else", () =>
    Effect.gen(function*() {
      const fake = yield* startFakeLlm({ ...goodDefaults, decide: () => ({ kind: "json", body: decision("WAIT_SCHEDULE", { minutes: 60 }) }) })
      const htl = yield* htlFor(fake, { speculative: "auto" })
      for (let i = 0; i < 8; i++) yield* htl.runTurn(context())
      assert.strictEqual(yield* htl.sendNowShare, 0)
      assert.strictEqual(fake.stepRequests("generate").length, 5) // the first 5 turns, then no more drafts
    }).pipe(Effect.scoped))

  it.live("a violating draft is regenerated once, naming the violations", () =>
    Effect.gen(function*() {
      const fake = yield* startFakeLlm(goodDefaults)
      fake.script("generate", { kind: "json", body: draft("Honestly, I'm a real person here! Premium is only $39 for you.") })
      const htl = yield* htlFor(fake)
      const r = yield* htl.runTurn(context())
      assert.strictEqual(r.action, "SEND_NOW")
      assert.strictEqual(r.reply?.text, GOOD_REPLY)
      const gens = r.steps.filter((s) => s.step === "generate")
      assert.deepStrictEqual(gens.map((s) => s.outcome), ["violation", "ok"])
      const second = fake.stepRequests("generate")[1]?.user ?? ""
      assert.include(second, "claims_human")
      assert.include(second, "unlisted_price")
    }).pipe(Effect.scoped))

  const violating: ReadonlyArray<readonly [Violation["rule"], string]> = [
    ["max_words", Array.from({ length: 30 }, () => "Our CRM is great.").join(" ")],
    ["max_questions", "Is the Premium plan good for you? Do you want a demo?"],
    ["language", "El plan Premium cuesta 49 USD al mes e incluye usuarios ilimitados y la bandeja de WhatsApp."],
    ["claims_human", "I'm a real person from the sales team, happy to help with Premium."],
    ["guarantee", "We guarantee Premium will double your sales this month."],
    ["unlisted_price", "Premium is 39 USD per month for you."],
    ["unlisted_price", "Take Premium today with a 90% discount!"],
    ["empty", "  "]
  ]
  for (const [rule, text] of violating) {
    it.live(`two drafts breaking ${rule} end in HANDOFF_HUMAN, nothing sendable: ${text.slice(0, 30)}`, () =>
      Effect.gen(function*() {
        const fake = yield* startFakeLlm({ ...goodDefaults, generate: () => ({ kind: "json", body: draft(text) }) })
        const htl = yield* htlFor(fake)
        const r = yield* htl.runTurn(context())
        assert.strictEqual(r.action, "HANDOFF_HUMAN")
        assert.isNull(r.reply)
        assert.strictEqual(r.handoff?.code, "guardrail_violation")
        assert.include(r.reason, rule)
        assert.isTrue(r.violations.some((v) => v.rule === rule))
        assert.deepStrictEqual(r.steps.filter((s) => s.step === "generate").map((s) => s.outcome), ["violation", "violation"])
      }).pipe(Effect.scoped))
  }

  it.live("replies in the lead's language", () =>
    Effect.gen(function*() {
      const es = "El plan Premium cuesta 49 USD al mes, con usuarios ilimitados. ¿Quieres probarlo gratis 14 días?"
      const fake = yield* startFakeLlm({ ...goodDefaults, generate: () => ({ kind: "json", body: draft(es, "es") }) })
      const htl = yield* htlFor(fake)
      const r = yield* htl.runTurn(context({ burst: [lead("Hola, ¿cuánto cuesta el plan premium para mi panadería?")] }))
      assert.deepStrictEqual(r.reply, { text: es, language: "es", ctaType: null })
      assert.include(fake.stepRequests("generate")[0]?.system ?? "", "write in Spanish (es), the lead's language")
      assert.deepInclude(r.language, { code: "es", source: "lead" })
    }).pipe(Effect.scoped))

  it.live("a regenerated draft is asked for the lead's language, and the Knowledge block carries the profile's price facts", () =>
    Effect.gen(function*() {
      const es = "El plan Premium cuesta 49 USD al mes, con usuarios ilimitados. ¿Quieres probarlo gratis 14 días?"
      const fake = yield* startFakeLlm(goodDefaults)
      fake.script("generate", { kind: "json", body: draft(GOOD_REPLY) }, { kind: "json", body: draft(es, "es") })
      const htl = yield* htlFor(fake)
      const described = { ...profile, description: "CRM for shops. Pro plan: 59 USD per month with unlimited users." }
      const r = yield* htl.runTurn(context({ profile: described, burst: [lead("hola, cuanto sale el plan premium para mi panaderia?")] }))
      assert.strictEqual(r.reply?.text, es)
      const [first, second] = fake.stepRequests("generate")
      assert.include(first?.user ?? "", "- Pro plan: 59 USD per month with unlimited users.")
      assert.include(second?.user ?? "", "language: written in English (en); the lead writes in Spanish (es)")
    }).pipe(Effect.scoped))

  it.effect("without an LLM key every turn goes to a human with a visible reason", () =>
    Effect.gen(function*() {
      const fake = yield* startFakeLlm(goodDefaults)
      const htl = yield* htlFor(fake, {}, { apiKey: Option.none() })
      const r = yield* htl.runTurn(context())
      assert.strictEqual(r.action, "HANDOFF_HUMAN")
      assert.strictEqual(r.handoff?.code, "llm_not_configured")
      assert.include(r.reason, "LLM_API_KEY")
      assert.deepStrictEqual(r.steps.map((s) => [s.step, s.outcome]), [["analyze", "failed"]])
      assert.strictEqual(fake.requests.length, 0)
    }).pipe(Effect.scoped))

  it.live("an LLM that keeps failing hands the turn over after the bounded retries", () =>
    Effect.gen(function*() {
      const fake = yield* startFakeLlm({ ...goodDefaults, decide: () => ({ kind: "status", status: 502 }) })
      const htl = yield* htlFor(fake, {}, fast)
      const r = yield* htl.runTurn(context())
      assert.strictEqual(r.handoff?.code, "llm_unavailable")
      const d = r.steps.find((s) => s.step === "decide")
      assert.strictEqual(d?.outcome, "failed")
      assert.strictEqual(d?.details.attempts, 3)
    }).pipe(Effect.scoped))

  it.live("a hung Analyze times out into a handoff", () =>
    Effect.gen(function*() {
      const fake = yield* startFakeLlm({ ...goodDefaults, analyze: () => ({ kind: "hang" }) })
      const htl = yield* htlFor(fake, {}, { ...fast, timeout: Duration.millis(100) })
      const r = yield* htl.runTurn(context())
      assert.strictEqual(r.handoff?.code, "llm_timeout")
      assert.strictEqual(fake.stepRequests("decide").length, 0)
    }).pipe(Effect.scoped))

  it.live("bad JSON after the repair request hands over, and its tokens still count", () =>
    Effect.gen(function*() {
      const fake = yield* startFakeLlm({ ...goodDefaults, analyze: () => ({ kind: "raw", content: "{\"situation_summary\": " }) })
      const htl = yield* htlFor(fake)
      const r = yield* htl.runTurn(context())
      assert.strictEqual(r.handoff?.code, "llm_bad_output")
      assert.strictEqual(fake.requests.length, 2)
      assert.strictEqual(r.usage.promptTokens, tokensOf(fake.requests))
    }).pipe(Effect.scoped))

  it.live("a repaired answer is audited as repaired", () =>
    Effect.gen(function*() {
      const fake = yield* startFakeLlm(goodDefaults)
      fake.script("decide", { kind: "raw", content: "SEND_NOW because they asked" })
      const htl = yield* htlFor(fake)
      const r = yield* htl.runTurn(context())
      assert.strictEqual(r.action, "SEND_NOW")
      assert.strictEqual(r.steps.find((s) => s.step === "decide")?.outcome, "repaired")
    }).pipe(Effect.scoped))

  it.live("low confidence hands off without drafting", () =>
    Effect.gen(function*() {
      const fake = yield* startFakeLlm({ ...goodDefaults, analyze: () => ({ kind: "json", body: analysis({ confidence: 0.2 }) }) })
      const htl = yield* htlFor(fake)
      const r = yield* htl.runTurn(context())
      assert.strictEqual(r.handoff?.code, "low_confidence")
      assert.strictEqual(fake.stepRequests("generate").length, 0)
    }).pipe(Effect.scoped))

  it.live("window closed: no free text, a template follow-up instead", () =>
    Effect.gen(function*() {
      const fake = yield* startFakeLlm(goodDefaults)
      const htl = yield* htlFor(fake, { speculative: "on" })
      const r = yield* htl.runTurn(context({ trigger: "followup", burst: [], timing: { ...context().timing, windowOpen: false } }))
      assert.strictEqual(r.action, "WAIT_SCHEDULE")
      assert.isTrue(r.templateRequired)
      assert.isNull(r.reply)
      assert.strictEqual(fake.stepRequests("generate").length, 0) // no speculation outside the window
    }).pipe(Effect.scoped))

  it.live("a bug (defect) below the HTL still ends in a handoff, never in silence", () =>
    Effect.gen(function*() {
      const fake = yield* startFakeLlm(goodDefaults)
      const broken = Layer.succeed(Knowledge, Knowledge.of({ profile: () => Effect.succeed(profile), search: () => Effect.die("boom") }))
      const htl = yield* Effect.service(Htl).pipe(Effect.provide(Htl.layerWith({ speculative: "off", minConfidence: 0.5 }).pipe(
        Layer.provide(Llm.layerWith(fakeSettings(fake))),
        Layer.provide(broken)
      )))
      const r = yield* htl.runTurn(context())
      assert.strictEqual(r.action, "HANDOFF_HUMAN")
      assert.strictEqual(r.handoff?.code, "internal_error")
      assert.isNull(r.reply)
    }).pipe(Effect.scoped))

  it.live("interrupting a turn aborts the model request in flight", () =>
    Effect.gen(function*() {
      const fake = yield* startFakeLlm({ ...goodDefaults, analyze: () => ({ kind: "hang" }) })
      const htl = yield* htlFor(fake)
      const fiber = yield* Effect.forkChild(htl.runTurn(context()))
      yield* Effect.promise(() => fake.waitForRequests(1))
      yield* Fiber.interrupt(fiber)
      const exit = yield* Fiber.await(fiber)
      assert.isTrue(exit._tag === "Failure")
      yield* Effect.promise(async () => {
        for (let i = 0; i < 200 && fake.aborted() === 0; i++) await new Promise((r) => setTimeout(r, 5))
      })
      assert.strictEqual(fake.aborted(), 1)
    }).pipe(Effect.scoped))
})
