/** A business, a turn context and well-behaved step answers for HTL tests, benches and eval. */
import { DateTime, Effect, Layer } from "effect"
import type { IntentLevel, Sentiment, Stage } from "../../src/domain/enums.ts"
import { ConversationId, OrganizationId } from "../../src/domain/ids.ts"
import { Htl, type HtlSettings } from "../../src/htl/Htl.ts"
import type { TurnContext, TurnMessage } from "../../src/htl/types.ts"
import { Knowledge } from "../../src/knowledge/Knowledge.ts"
import type { BusinessProfile, Faq, Product } from "../../src/knowledge/types.ts"
import { Llm, type LlmSettings } from "../../src/llm/Llm.ts"
import { type FakeLlm, fakeSettings, type Responder } from "./fakeLlm.ts"

export const ORG = OrganizationId.make("00000000-0000-4000-8000-000000000001")
export const CONVERSATION = ConversationId.make("00000000-0000-4000-8000-0000000000c1")

export const products: ReadonlyArray<Product> = [
  { name: "Starter plan", description: "CRM for small teams, up to 3 users", price: 19, currency: "USD" },
  { name: "Premium plan", description: "Unlimited users, WhatsApp inbox, automations", price: 49, currency: "USD" },
  { name: "Onboarding service", description: "Setup and data import by our team", price: 299, currency: "USD" }
]
export const faqs: ReadonlyArray<Faq> = [
  { question: "Is there a free trial?", answer: "Yes, 14 days, no card needed." },
  { question: "Can I pay yearly?", answer: "Annual plans get a 10% discount." }
]

export const profile: BusinessProfile = {
  organizationId: ORG,
  businessName: "Acme CRM",
  description: "A simple CRM with a WhatsApp inbox for small businesses.",
  tone: "friendly, concise",
  languages: ["en", "es"],
  policies: "Refunds within 30 days. Annual plans get a 10% discount.",
  timezone: "Europe/Madrid",
  followupMax24h: 2,
  followupMaxTotal: 5,
  followupMinMinutes: 30,
  followupMaxMinutes: 2880,
  hasFollowupTemplate: true,
  catalogPrices: products.flatMap((p) => (p.price === null ? [] : [{ amount: p.price, currency: p.currency }])),
  faqs,
  products,
  handoffMessages: {},
  maxWords: 80,
  maxQuestions: 1,
  ctas: []
}

const at = (minute: number) => DateTime.makeUnsafe(Date.UTC(2026, 0, 15, 10, minute))
export const lead = (text: string, minute = 10): TurnMessage => ({ from: "LEAD", text, at: at(minute) })
export const bot = (text: string, minute = 5): TurnMessage => ({ from: "BOT", text, at: at(minute) })

export const context = (overrides: Partial<TurnContext> = {}): TurnContext => ({
  organizationId: ORG,
  conversationId: CONVERSATION,
  trigger: "lead_message",
  profile,
  leadName: "Ana",
  rollingSummary: "Ana runs a bakery with 4 staff and asked about CRMs last week.",
  history: [lead("Hi, do you have a CRM for shops?", 1), bot("Yes! Acme CRM fits small shops. How many people would use it?", 2)],
  burst: [lead("We are 4. How much is the premium plan?")],
  stage: "qualification",
  intentLevel: "medium",
  sentiment: "neutral",
  conversationLanguage: null,
  timing: { now: at(11), windowOpen: true },
  nudges: { followupCount24h: 0, totalNudges: 0 },
  ...overrides
})

export const analysis = (o: {
  readonly stage?: Stage | string
  readonly confidence?: number
  readonly query?: string
  readonly intent?: IntentLevel | string
  readonly sentiment?: Sentiment | string
  readonly spam?: string
  readonly policy?: string
} = {}) => ({
  situation_summary: "Lead with a 4-person bakery asks the premium plan price.",
  lead_goal_guess: "Check if the premium plan fits the budget",
  missing_info: ["timeline"],
  detected_objections: [],
  stage_recommendation: o.stage ?? "pricing",
  intent_level: o.intent ?? "high",
  user_sentiment: o.sentiment ?? "positive",
  risk_flags: { spam_risk: o.spam ?? "low", policy_risk: o.policy ?? "low", hallucination_risk: "low" },
  need_kb: { required: (o.query ?? "premium plan price") !== "", query: o.query ?? "premium plan price" },
  confidence: o.confidence ?? 0.9
})

export const decision = (action = "SEND_NOW", o: { readonly minutes?: number; readonly why?: string } = {}) => ({
  action,
  why: o.why ?? "Direct pricing question with high intent",
  next_stage: "pricing",
  recommended_cta: null,
  followup_in_minutes: o.minutes ?? 0,
  template_required: false
})

export const draft = (text: string, language = "en") => ({
  message_text: text,
  message_language: language,
  cta_type: null,
  next_stage: "pricing",
  state_patch: { intent_level: "high", user_sentiment: "positive" },
  self_check: { guardrails_pass: true, violations: [] }
})

export const GOOD_REPLY = "The Premium plan is 49 USD per month with unlimited users and the WhatsApp inbox. Would you like to start the 14-day free trial?"

export const summary = (text = "Ana (bakery, 4 staff) asked the premium price; bot quoted 49 USD/month and offered the trial. Stage pricing, intent high.") => ({
  updated_rolling_summary: text
})

/** Every step answers well: analyze → SEND_NOW → a clean English draft → summary. */
export const goodDefaults: Readonly<Record<string, Responder>> = {
  analyze: () => ({ kind: "json", body: analysis() }),
  decide: () => ({ kind: "json", body: decision() }),
  generate: () => ({ kind: "json", body: draft(GOOD_REPLY) }),
  summarize: () => ({ kind: "json", body: summary() })
}

export const htlLayer = (
  fake: FakeLlm,
  settings: Partial<HtlSettings> = {},
  llm: Partial<LlmSettings> = {}
) =>
  Htl.layerWith({ speculative: "off", minConfidence: 0.5, ...settings }).pipe(
    Layer.provide(Llm.layerWith(fakeSettings(fake, llm))),
    Layer.provide(Knowledge.layerMemory(profile, products, faqs))
  )

/** The Htl service over the fake server. */
export const htlFor = (fake: FakeLlm, settings: Partial<HtlSettings> = {}, llm: Partial<LlmSettings> = {}) =>
  Effect.provide(Effect.service(Htl), htlLayer(fake, settings, llm))
