/**
 * The Generate guardrails, enforced in code whatever the model's own `self_check` says.
 * A draft with any violation is never sendable.
 */
import type { CatalogPrice } from "../../knowledge/types.ts"
import type { Violation } from "../types.ts"
import { isInLanguage } from "./language.ts"
import { firstMatch, GUARANTEES, HUMAN_CLAIMS } from "./patterns.ts"
import { unlistedAmounts, unlistedPercentages } from "./prices.ts"

export const MAX_WORDS = 80
export const MAX_QUESTIONS = 1

export interface GuardrailContext {
  /** ISO 639-1 code of the lead's latest message. */
  readonly language: string
  readonly catalogPrices: ReadonlyArray<CatalogPrice>
  /** The business's own words the prompt carried (knowledge, policies): may state %s or a guarantee. */
  readonly businessText: string
}

export const countWords = (text: string) => text.split(/\s+/u).filter((w) => /[\p{L}\p{N}]/u.test(w)).length

/** "?" and its full-width and Arabic forms; the Spanish opener "¿" is not a second question. */
export const countQuestions = (text: string) => (text.match(/[?？؟]/gu) ?? []).length

export const checkDraft = (text: string, ctx: GuardrailContext): ReadonlyArray<Violation> => {
  const violations: Array<Violation> = []
  if (text.trim().length === 0) return [{ rule: "empty", detail: "the draft is empty" }]
  const words = countWords(text)
  if (words > MAX_WORDS) violations.push({ rule: "max_words", detail: `${words} words (max ${MAX_WORDS})` })
  const questions = countQuestions(text)
  if (questions > MAX_QUESTIONS) violations.push({ rule: "max_questions", detail: `${questions} questions (max ${MAX_QUESTIONS})` })
  const language = isInLanguage(text, ctx.language)
  if (!language.ok) {
    violations.push({ rule: "language", detail: `written in ${language.detected ?? "another language"}, the lead wrote in ${ctx.language}` })
  }
  const human = firstMatch(HUMAN_CLAIMS, text)
  if (human !== null) violations.push({ rule: "claims_human", detail: `claims to be human: "${human}"` })
  const guarantee = firstMatch(GUARANTEES, text)
  if (guarantee !== null && !ctx.businessText.toLowerCase().includes(guarantee.toLowerCase())) {
    violations.push({ rule: "guarantee", detail: `guarantees or promises: "${guarantee}"` })
  }
  for (const amount of unlistedAmounts(text, ctx.catalogPrices)) {
    violations.push({ rule: "unlisted_price", detail: `price not in the catalog: "${amount}"` })
  }
  for (const pct of unlistedPercentages(text, ctx.businessText)) {
    violations.push({ rule: "unlisted_price", detail: `offer not listed by the business: "${pct}"` })
  }
  return violations
}

/** For the regenerate prompt: what to fix, in a few words each. */
export const describeViolations = (violations: ReadonlyArray<Violation>) => violations.map((v) => `- ${v.rule}: ${v.detail}`).join("\n")
