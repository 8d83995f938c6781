/** The Generate guardrails, rule by rule, in several languages. */
import { assert, describe, it } from "@effect/vitest"
import { checkDraft, countQuestions, countWords } from "../../src/htl/policy/guardrails.ts"
import { detectLanguage, leadLanguage } from "../../src/htl/policy/language.ts"
import { unlistedAmounts } from "../../src/htl/policy/prices.ts"
import { GOOD_REPLY, profile } from "../support/htlFixtures.ts"

const ctx = (language = "en", businessText = profile.policies) => ({ language, catalogPrices: profile.catalogPrices, businessText })
const rules = (text: string, language = "en", businessText?: string) => checkDraft(text, ctx(language, businessText)).map((v) => v.rule)

describe("guardrails", () => {
  it("passes a clean reply", () => {
    assert.deepStrictEqual(rules(GOOD_REPLY), [])
    assert.deepStrictEqual(rules("El plan Premium cuesta 49 USD al mes, con usuarios ilimitados. ¿Quieres probarlo 14 días gratis?", "es"), [])
  })

  it("rejects an empty draft", () => assert.deepStrictEqual(rules("   "), ["empty"]))

  it("counts words and caps them at 80", () => {
    assert.strictEqual(countWords("Hello there — it's 49 USD!"), 5)
    const long = Array.from({ length: 81 }, () => "word").join(" ")
    assert.include(rules(long), "max_words")
    assert.notInclude(rules(Array.from({ length: 80 }, () => "word").join(" ")), "max_words")
  })

  it("allows one question, counting full-width and Arabic marks but not ¿", () => {
    assert.strictEqual(countQuestions("¿Quieres una demo?"), 1)
    assert.include(rules("Do you want a demo? Or a call?"), "max_questions")
    assert.include(rules("هل تريد عرضا؟ أو مكالمة؟", "ar"), "max_questions")
    assert.include(rules("デモはいかがですか？それとも電話？", "ja"), "max_questions")
  })

  it("detects the lead's language and rejects a reply in another one", () => {
    assert.strictEqual(detectLanguage("Hola, ¿cuánto cuesta el plan premium?"), "es")
    assert.strictEqual(detectLanguage("ok"), null)
    assert.strictEqual(leadLanguage(["ok", "Bonjour, quel est le prix du plan premium ?"], "en"), "fr")
    assert.strictEqual(leadLanguage(["ok", "?"], "es"), "es")
    assert.include(rules(GOOD_REPLY, "es"), "language")
    assert.deepStrictEqual(rules("¡Genial, gracias!", "es"), []) // too short to judge: not a violation
    assert.include(rules("El plan Premium cuesta 49 USD al mes con usuarios ilimitados y la bandeja de WhatsApp.", "en"), "language")
  })

  it("rejects claims to be human in several languages", () => {
    for (const [text, lang] of [
      ["Don't worry, I'm a real person, not a bot.", "en"],
      ["I am human and I work here.", "en"],
      ["I'm not a bot, promise-free answer here.", "en"],
      ["Tranquila, soy una persona real del equipo.", "es"],
      ["No soy un bot, te atiendo yo.", "es"],
      ["Pode ficar tranquilo, sou uma pessoa de verdade.", "pt"],
      ["Não sou um robô, fique tranquilo.", "pt"],
      ["Je suis un humain, pas un robot.", "fr"],
      ["Ich bin ein echter Mensch aus dem Team.", "de"],
      ["Sono una persona reale del team vendite.", "it"]
    ] as const) {
      assert.include(rules(text, lang), "claims_human", text)
    }
    assert.notInclude(rules("I'm the AI assistant of Acme CRM, happy to help."), "claims_human")
  })

  it("rejects guarantees and promises unless the business states them", () => {
    for (const [text, lang] of [
      ["We guarantee you will double your sales.", "en"],
      ["I promise it will work for your bakery.", "en"],
      ["You will definitely double your sales, it's risk-free.", "en"],
      ["Te garantizamos más clientes en un mes.", "es"],
      ["Garantimos resultados em 30 dias.", "pt"],
      ["Je vous promets des résultats rapides.", "fr"],
      ["Wir garantieren mehr Umsatz.", "de"]
    ] as const) {
      assert.include(rules(text, lang), "guarantee", text)
    }
    assert.notInclude(rules("I will definitely pass that on to the team."), "guarantee")
    assert.notInclude(rules("Every plan has a money-back guarantee within 30 days.", "en", "Money-back guarantee within 30 days."), "guarantee")
  })

  it("accepts catalog prices in any notation and rejects invented ones", () => {
    assert.deepStrictEqual(unlistedAmounts("Premium is $49/month, Starter US$ 19 and onboarding 299 dollars.", profile.catalogPrices), [])
    assert.deepStrictEqual(unlistedAmounts("Premium: 49,00 USD / Onboarding: 299.00 USD", profile.catalogPrices), [])
    assert.deepStrictEqual(unlistedAmounts("Premium: 49,00 €", profile.catalogPrices), ["49,00 €"]) // the catalog says USD
    assert.deepStrictEqual(unlistedAmounts("Premium is only $39 today", profile.catalogPrices), ["$39"])
    assert.deepStrictEqual(unlistedAmounts("It is 45 per month", profile.catalogPrices), ["45 per month"])
    assert.deepStrictEqual(unlistedAmounts("We are 4 people and open 24 hours a day", profile.catalogPrices), [])
    assert.include(rules("Premium is 59 USD per month."), "unlisted_price")
    assert.include(rules("Premium is 49 INR per month."), "unlisted_price")
  })

  it("rejects discounts the business does not list", () => {
    assert.include(rules("Special for you: 90% off the Premium plan!"), "unlisted_price")
    assert.notInclude(rules("Annual plans get a 10% discount."), "unlisted_price")
  })
})
