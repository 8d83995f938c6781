/** The seed's decision matrix, enforced on the model's proposal. */
import { assert, describe, it } from "@effect/vitest"
import { applyDecidePolicy, SPAM_WAIT_MINUTES } from "../../src/htl/policy/decide.ts"
import type { AnalyzeOutput, DecideOutput } from "../../src/htl/steps/schemas.ts"
import { context, profile } from "../support/htlFixtures.ts"

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

  it("turns SEND_NOW into a wait of at least 6 hours on high spam risk", () => {
    const spam = a({ risk_flags: { spam_risk: "high", policy_risk: "low", hallucination_risk: "low" } })
    const p = applyDecidePolicy(spam, d(), context(), 0.5)
    assert.strictEqual(p.action, "WAIT_SCHEDULE")
    assert.strictEqual(p.followupInMinutes, SPAM_WAIT_MINUTES)
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

  it("clamps follow-up minutes to the profile's bounds", () => {
    assert.strictEqual(applyDecidePolicy(a(), d({ action: "WAIT_SCHEDULE", followup_in_minutes: 5 }), context(), 0.5).followupInMinutes, 30)
    assert.strictEqual(applyDecidePolicy(a(), d({ action: "WAIT_SCHEDULE", followup_in_minutes: 99_999 }), context(), 0.5).followupInMinutes, 2880)
    const p = applyDecidePolicy(a(), d({ action: "WAIT_SCHEDULE", followup_in_minutes: 90 }), context(), 0.5)
    assert.strictEqual(p.followupInMinutes, 90)
    assert.deepStrictEqual(p.overrides, [])
  })
})
