/** The seed's decision matrix, enforced on the model's proposal. */
import { assert, describe, it } from "@effect/vitest"
import { ANNOYED_WAIT_MINUTES, applyDecidePolicy, SPAM_WAIT_MINUTES } from "../../src/htl/policy/decide.ts"
import type { AnalyzeOutput, DecideOutput } from "../../src/htl/steps/schemas.ts"
import { context, lead, profile } from "../support/htlFixtures.ts"

const a = (o: Partial<AnalyzeOutput> = {}): AnalyzeOutput => ({
  situation_summary: "s",
  lead_goal_guess: "g",
  missing_info: [],
  detected_objections: [],
  stage_recommendation: "pricing",
  intent_level: "high",
  user_sentiment: "positive",
  risk_flags: { spam_risk: "low", policy_risk: "low", hallucination_risk: "low" },
  need_kb: { required: false, query: "" },
  confidence: 0.9,
  ...o
})
const d = (o: Partial<DecideOutput> = {}): DecideOutput => ({
  action: "SEND_NOW",
  why: "direct question",
  next_stage: "pricing",
  recommended_cta: null,
  followup_in_minutes: 0,
  template_required: false,
  ...o
})

describe("decide policy", () => {
  it("keeps a sound SEND_NOW", () => {
    const p = applyDecidePolicy(a(), d(), context(), 0.5)
    assert.strictEqual(p.action, "SEND_NOW")
    assert.isNull(p.handoff)
    assert.isNull(p.followupInMinutes)
  })

  it("hands off on low confidence and on high policy risk, whatever the model said", () => {
    assert.strictEqual(applyDecidePolicy(a({ confidence: 0.3 }), d(), context(), 0.5).handoff?.code, "low_confidence")
    const risky = a({ risk_flags: { spam_risk: "low", policy_risk: "high", hallucination_risk: "low" } })
    assert.strictEqual(applyDecidePolicy(risky, d(), context(), 0.5).handoff?.code, "policy_risk")
  })

  it("passes on the model's own handoff with its reason", () => {
    const p = applyDecidePolicy(a(), d({ action: "HANDOFF_HUMAN", why: "wants a custom contract" }), context(), 0.5)
    assert.deepStrictEqual(p.handoff, { code: "model_decision", detail: "wants a custom contract" })
  })

  it("turns SEND_NOW into a wait of 6–24 hours on high spam risk", () => {
    const spam = a({ risk_flags: { spam_risk: "high", policy_risk: "low", hallucination_risk: "low" } })
    const p = applyDecidePolicy(spam, d(), context(), 0.5)
    assert.strictEqual(p.action, "WAIT_SCHEDULE")
    assert.strictEqual(p.followupInMinutes, SPAM_WAIT_MINUTES.min)
    assert.include(p.overrides, "SEND_NOW → WAIT_SCHEDULE (spam risk high: 6–24 h)")
    const long = applyDecidePolicy(spam, d({ action: "WAIT_SCHEDULE", followup_in_minutes: 5_000 }), context(), 0.5)
    assert.strictEqual(long.followupInMinutes, SPAM_WAIT_MINUTES.max)
  })

  it("a complex query or a negotiation goes to a person at once", () => {
    for (const escalation of ["negotiation", "discount_request", "contract", "custom_terms", "complaint", "legal_or_medical"] as const) {
      const p = applyDecidePolicy(a({ escalation }), d(), context(), 0.5)
      assert.strictEqual(p.handoff?.code, "complex_query", escalation)
      assert.include(p.overrides, "SEND_NOW → HANDOFF_HUMAN (complex_query)")
    }
    assert.strictEqual(applyDecidePolicy(a({ escalation: "none" }), d(), context(), 0.5).action, "SEND_NOW")
  })

  it("a lead annoyed by our messages, or venting, is left alone for a day or more; a frustrated lead who asks is answered", () => {
    const vent = context({ burst: [lead("ugh forget it, this is useless 😤")] })
    const annoyed: Array<[Partial<AnalyzeOutput>, ReturnType<typeof context>]> = [
      [{ user_sentiment: "negative", detected_objections: ["annoyed by the messages"] }, context()],
      [{ user_sentiment: "negative", detected_objections: ["asked us to stop texting"] }, context()],
      [{ user_sentiment: "negative", detected_objections: ["Too many follow-ups"] }, context()],
      [{ user_sentiment: "negative", intent_level: "low" }, vent],
      [{ user_sentiment: "neutral", intent_level: "medium", detected_objections: ["frustrated with the process"] }, vent]
    ]
    for (const [o, ctx] of annoyed) {
      const p = applyDecidePolicy(a(o), d(), ctx, 0.5)
      assert.strictEqual(p.action, "WAIT_SCHEDULE", JSON.stringify(o))
      assert.isAtLeast(p.followupInMinutes ?? 0, ANNOYED_WAIT_MINUTES)
      assert.include(p.overrides, "SEND_NOW → WAIT_SCHEDULE (lead annoyed or frustrated, nothing asked: 24 h or more)")
    }
    // frustrated, but asking or objecting: the reply goes now (a day of silence would lose them)…
    const answered: Array<[Partial<AnalyzeOutput>, ReturnType<typeof context>]> = [
      [{ user_sentiment: "negative", detected_objections: ["Frustrated with the price"] }, context()],
      [{ user_sentiment: "negative", detected_objections: ["annoyed that nobody answered yesterday"] }, context({ burst: [lead("3rd time asking!! price of premium")] })],
      [{ user_sentiment: "negative", detected_objections: ["price too high"] }, context({ burst: [lead("too expensive for us tbh")] })],
      [{ user_sentiment: "negative", intent_level: "low", need_kb: { required: true, query: "refund policy" } }, context({ burst: [lead("ya pagué y nada llegó")] })],
      [{ user_sentiment: "negative", intent_level: "low" }, context({ burst: [lead("berapa lama pengirimannya sih")] })],
      [{ user_sentiment: "negative", intent_level: "medium" }, context({ burst: [lead("still waiting for the brochure you promised?")] })]
    ]
    for (const [o, ctx] of answered) assert.strictEqual(applyDecidePolicy(a(o), d(), ctx, 0.5).action, "SEND_NOW", JSON.stringify(o))
    // …and a follow-up for a negative lead waits a day
    const wait = applyDecidePolicy(a({ user_sentiment: "negative" }), d({ action: "WAIT_SCHEDULE", followup_in_minutes: 60 }), context(), 0.5)
    assert.isAtLeast(wait.followupInMinutes ?? 0, ANNOYED_WAIT_MINUTES)
    const complaint = applyDecidePolicy(a({ user_sentiment: "negative", escalation: "complaint" }), d(), context(), 0.5)
    assert.strictEqual(complaint.handoff?.code, "complex_query")
  })

  it("never sends free text with the window closed: template follow-up, or handoff without a template", () => {
    const closed = context({ timing: { ...context().timing, windowOpen: false } })
    const p = applyDecidePolicy(a(), d(), closed, 0.5)
    assert.strictEqual(p.action, "WAIT_SCHEDULE")
    assert.isTrue(p.templateRequired)
    const noTemplate = context({ timing: closed.timing, profile: { ...profile, hasFollowupTemplate: false } })
    assert.strictEqual(applyDecidePolicy(a(), d(), noTemplate, 0.5).handoff?.code, "window_closed")
  })

  it("no WAIT_SCHEDULE once a follow-up cap is reached", () => {
    const wait = d({ action: "WAIT_SCHEDULE", followup_in_minutes: 60 })
    assert.strictEqual(applyDecidePolicy(a(), wait, context({ nudges: { followupCount24h: 2, totalNudges: 2 } }), 0.5).handoff?.code, "followup_cap")
    assert.strictEqual(applyDecidePolicy(a(), wait, context({ nudges: { followupCount24h: 0, totalNudges: 5 } }), 0.5).handoff?.code, "followup_cap")
    assert.strictEqual(applyDecidePolicy(a(), wait, context({ nudges: { followupCount24h: 1, totalNudges: 4 } }), 0.5).action, "WAIT_SCHEDULE")
  })

  it("follow-up timing follows intent and sentiment, within the profile's bounds", () => {
    const wait = (minutes: number, o: Partial<AnalyzeOutput> = {}, ctx = context()) =>
      applyDecidePolicy(a(o), d({ action: "WAIT_SCHEDULE", followup_in_minutes: minutes }), ctx, 0.5).followupInMinutes
    assert.strictEqual(wait(90), 90) // high intent: 1–12 h, the model's choice stands
    const p = applyDecidePolicy(a(), d({ action: "WAIT_SCHEDULE", followup_in_minutes: 90 }), context(), 0.5)
    assert.deepStrictEqual(p.overrides, [])
    assert.strictEqual(wait(5), 60) // high intent: not sooner than an hour
    assert.strictEqual(wait(99_999), 720) // nor later than 12 h
    assert.strictEqual(wait(0, { intent_level: "very_high" }), 30)
    assert.strictEqual(wait(60, { intent_level: "low" }), 720) // a cold lead is not chased within hours
    assert.strictEqual(wait(60, { user_sentiment: "hesitant" }), 720) // a hesitant one gets time to think
    // the business's bounds win over the bands
    const tight = context({ profile: { ...profile, followupMinMinutes: 120, followupMaxMinutes: 600 } })
    assert.strictEqual(wait(60, { intent_level: "very_high" }, tight), 120)
    assert.strictEqual(wait(60, { intent_level: "low" }, tight), 600)
  })
})
