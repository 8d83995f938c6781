/** The Generate guardrails rule by rule, on the cases that once went wrong (the corpus test covers the rest). */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { fastTextScorer } from "../../src/htl/policy/detector.ts"
import { businessFacts, priceFacts } from "../../src/htl/policy/facts.ts"
import { checkDraft, countQuestions, countWords, guardrailContext } from "../../src/htl/policy/guardrails.ts"
import { detect, RELIABLE } from "../../src/htl/policy/language.ts"
import { quotedAmounts, unlistedAmounts } from "../../src/htl/policy/prices.ts"
import { evidenceOf, languageInstruction, replyLanguage } from "../../src/htl/policy/replyLanguage.ts"
import type { TurnContext } from "../../src/htl/types.ts"
import { emptyExcerpt } from "../../src/knowledge/types.ts"
import { bot, context, GOOD_REPLY, lead, profile } from "../support/htlFixtures.ts"

/** The rules `text` breaks as a reply to `lead` (a burst) in the fixture conversation. */
const rulesFor = (text: string, burst: ReadonlyArray<string>, overrides: Partial<TurnContext> = {}) =>
  Effect.map(fastTextScorer, (scorer) => {
    const ctx = context({ history: [], burst: burst.map((t) => lead(t)), ...overrides })
    const target = replyLanguage(scorer, evidenceOf(ctx))
    return checkDraft(text, guardrailContext(ctx, emptyExcerpt, target, scorer)).map((v) => v.rule)
  })

const languageOf = (burst: ReadonlyArray<string>, overrides: Partial<TurnContext> = {}) =>
  Effect.map(fastTextScorer, (scorer) => replyLanguage(scorer, evidenceOf(context({ history: [], burst: burst.map((t) => lead(t)), ...overrides }))))

describe("guardrails", () => {
  it.effect("passes a clean reply, and rejects an empty one", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* rulesFor(GOOD_REPLY, ["How much is the premium plan?"]), [])
      assert.deepStrictEqual(yield* rulesFor("   ", ["hi"]), ["empty"])
    }))

  it("counts words and questions as a reader would", () => {
    assert.strictEqual(countWords("Hello there — it's 49 USD!"), 5)
    assert.strictEqual(countQuestions("¿Quieres una demo?"), 1)
    assert.strictEqual(countQuestions("Book here: https://acme.example/demo?ref=wa&x=1 — which day suits you?"), 1)
    assert.strictEqual(countQuestions("هل تريد عرضا؟ أو مكالمة؟"), 2)
  })

  describe("language", () => {
    it.effect("codes, e-mails, URLs and one-word greetings do not flip the language", () =>
      Effect.gen(function*() {
        const scorer = yield* fastTextScorer
        const en = (text: string) => detect(scorer, text, { candidates: RELIABLE })
        assert.strictEqual(en("My invoice #A7X9QK looks wrong")?.lang, "en")
        assert.strictEqual(en("Can u send me the link? my email is jkowalczyk@wp.pl")?.lang, "en")
        assert.strictEqual(en("gracias")?.lang, "es")
        assert.strictEqual(en("danke")?.lang, "de")
        assert.strictEqual(en("Hola")?.lang, "es")
        assert.strictEqual(en("bom dia! vi no facebook")?.lang, "pt")
        assert.strictEqual(en("fees kitni hai sir")?.lang, "hi-Latn")
        assert.isNull(en("ok 👍"))
        assert.isNull(en("#hx1ak1bumb INV-2024-0193 https://instagram.com/p/Cx9"))
      }))

    it.effect("a burst that shows no language keeps the conversation's, else the business's first one", () =>
      Effect.gen(function*() {
        const spanish = [lead("Hola, ¿cuánto cuesta el plan premium para mi tienda?", 1), bot("El plan Premium cuesta 49 USD al mes.", 2)]
        assert.deepInclude(yield* languageOf(["ok 👍"], { history: spanish }), { code: "es", source: "lead" })
        assert.deepInclude(yield* languageOf(["#A7X9QK"], { conversationLanguage: "pt" }), { code: "pt", source: "conversation" })
        const unsure = yield* languageOf(["ok"])
        assert.strictEqual(unsure.source, "business")
        assert.includeMembers([...unsure.accepted], ["en", "es"]) // unsure: either business language is fine
        // the regenerate prompt never claims the lead wrote in a language they did not
        assert.notInclude(languageInstruction(unsure), "the lead's language")
      }))

    it.effect("a draft is held back only when it is confidently in another language", () =>
      Effect.gen(function*() {
        assert.include(yield* rulesFor(GOOD_REPLY, ["Hola, ¿cuánto cuesta el plan premium?"]), "language")
        assert.deepStrictEqual(yield* rulesFor("¡Genial, gracias!", ["Perfect, thanks"]), [])
        assert.deepStrictEqual(yield* rulesFor("El plan Premium cuesta 49 USD al mes. ¿Lo probamos?", ["ok"]), [])
      }))
  })

  describe("prices", () => {
    const acme = { ...profile, description: "Pro plan: 49 USD per month. Group workshops: 9.90 USD per person.", catalogPrices: [], faqs: [], products: [] }

    it.effect("every price or percentage the business wrote anywhere may be quoted; nothing else", () =>
      Effect.gen(function*() {
        assert.deepStrictEqual(yield* rulesFor("The Pro plan is 49 USD per month. Want to try it?", ["how much is pro?"], { profile: acme }), [])
        assert.include(yield* rulesFor("For 20 people that is 198 USD in total.", ["price for 20 people?"], { profile: acme }), "unlisted_price")
        assert.include(yield* rulesFor("Pro is 45 per month for you.", ["discount?"], { profile: acme }), "unlisted_price")
        assert.include(yield* rulesFor("Special for you: 90% off the Pro plan!", ["discount?"], { profile: acme }), "unlisted_price")
        assert.notInclude(yield* rulesFor("Annual plans get a 10% discount.", ["discount?"]), "unlisted_price") // from the policies
      }))

    it("reads the notations people write", () => {
      const values = (text: string) => quotedAmounts(text).flatMap((q) => q.values)
      assert.includeMembers(values("R$ 119,90"), [119.9])
      assert.includeMembers(values("R$1.199"), [1199])
      assert.includeMembers(values("₹1,60,000"), [160000])
      assert.includeMembers(values("1.6 lakh rupees"), [160000])
      assert.includeMembers(values("Rp 350.000"), [350000])
      assert.includeMembers(values("cuma 350rb"), [350000])
      assert.includeMembers(values("1,5 juta"), [1500000])
      assert.includeMembers(values("199,- €"), [199])
      assert.includeMembers(values("Rs. 4,500/-"), [4500])
      assert.deepStrictEqual(values("class 12 JEE, 24 hours a day, 4 people, order #A7X9QK, +34 612 345 678"), [])
    })

    it("a written currency must match; a symbol shared by several currencies matches each", () => {
      const listed = [{ amount: 49, currency: "USD" }]
      assert.deepStrictEqual(unlistedAmounts("49 € per month", listed), ["49 €"])
      assert.deepStrictEqual(unlistedAmounts("$49 a month", listed), [])
      assert.deepStrictEqual(unlistedAmounts("49 dollars", listed), [])
    })

    it("the prompt's price facts come from the profile's own sentences", () => {
      const facts = priceFacts({ ...profile, description: "A CRM. Pro plan: 49 USD per month.", policies: "Refunds within 30 days.", faqs: [{ question: "Trial?", answer: "14 days free." }] })
      assert.deepStrictEqual(facts, ["Pro plan: 49 USD per month."])
      assert.isTrue(businessFacts(profile, emptyExcerpt).percentages.has(10))
    })

    it("a profile's own facts are worked out once and serve every turn; the turn's excerpt adds its items", () => {
      const catalog = { ...profile, products: [{ name: "Pro plan", description: "Everything, 20% off the first year", price: 49, currency: "USD" }] }
      const own = businessFacts(catalog, emptyExcerpt)
      assert.strictEqual(businessFacts(catalog, emptyExcerpt), own) // the same profile: nothing scanned again
      assert.isTrue(own.percentages.has(20))
      assert.include(own.names, "Pro plan")
      assert.deepInclude(own.prices, { amount: 49, currency: "USD" })
      // a product the search found beyond the profile's own list: its price, percentage and name count too
      const found = businessFacts(catalog, { products: [{ name: "Rare add-on", description: "Setup for 99 EUR, 5% off in May", price: 15, currency: "EUR" }], faqs: [{ question: "Deposit?", answer: "A 30 EUR deposit." }] })
      assert.deepInclude(found.prices, { amount: 15, currency: "EUR" })
      assert.deepInclude(found.prices, { amount: 99, currency: "EUR" })
      assert.deepInclude(found.prices, { amount: 30, currency: "EUR" })
      assert.deepInclude(found.prices, { amount: 49, currency: "USD" })
      assert.isTrue(found.percentages.has(5) && found.percentages.has(20))
      assert.includeMembers([...found.names], ["Pro plan", "Rare add-on"])
      assert.include(found.text, "a 30 eur deposit.")
      assert.include(found.text, "everything, 20% off the first year")
      assert.deepStrictEqual(businessFacts(catalog, emptyExcerpt), own) // the excerpt changed nothing kept
      assert.strictEqual(priceFacts(catalog), priceFacts(catalog))
    })
  })

  describe("claims to be human", () => {
    it.effect("names, indirect and negated phrasings are caught", () =>
      Effect.gen(function*() {
        for (const [text, burst] of [
          ["No, I'm Jessica from the sales team, a real person 😊", "are you a bot?"],
          ["No, soy Laura, una persona real del equipo de ventas.", "¿eres un bot?"],
          ["You are talking to a human right now!", "is this automated?"],
          ["Not a bot! Ask me anything about the plans.", "r u a bot"],
          ["Aqui é a Camila, da recepção 😊", "oi"],
          ["Ich rufe dich gleich an und erkläre alles.", "können Sie mich anrufen?"],
          ["Yes! Ask me anything.", "is there a human here?"]
        ] as const) {
          assert.include(yield* rulesFor(text, [burst]), "claims_human", text)
        }
      }))

    it.effect("our team, a colleague, and the assistant saying what it is are fine", () =>
      Effect.gen(function*() {
        for (const [text, burst] of [
          ["Our team will confirm the date today.", "can you do friday?"],
          ["A colleague will confirm the price for 12 users.", "price for 12?"],
          ["I'm the AI assistant of Acme CRM, happy to help. Want a demo?", "are you a bot?"],
          ["I'm an AI assistant, not a real person, but I can pass you to the team.", "real person?"],
          ["Soy el asistente virtual de Acme CRM. ¿Te ayudo con los planes?", "hola"]
        ] as const) {
          assert.notInclude(yield* rulesFor(text, [burst]), "claims_human", text)
        }
      }))
  })

  describe("guarantees", () => {
    it.effect("promises and certainty about outcomes are caught; honest negations and interjections are not", () =>
      Effect.gen(function*() {
        for (const text of ["We guarantee you will double your sales.", "Your team will definitely close more deals.", "It's completely risk-free!"]) {
          assert.include(yield* rulesFor(text, ["does it work?"]), "guarantee", text)
        }
        assert.include(yield* rulesFor("Te garantizamos más clientes en un mes.", ["funciona?"]), "guarantee")
        for (const text of ["We can't guarantee sales results, but the 14-day trial is free.", "Definitely! The trial is free for 14 days.", "I will definitely pass that on to the team."]) {
          assert.notInclude(yield* rulesFor(text, ["does it work?"]), "guarantee", text)
        }
        assert.notInclude(yield* rulesFor("No podemos garantizar resultados, depende de cada negocio.", ["funciona?"]), "guarantee")
        const stated = { ...profile, policies: "Money-back guarantee within 30 days." }
        assert.notInclude(yield* rulesFor("Every plan has a money-back guarantee within 30 days.", ["refund?"], { profile: stated }), "guarantee")
      }))
  })
})
