/**
 * The Generate guardrails, enforced in code whatever the model's own `self_check` says. A draft
 * with any violation is never sendable; a correct draft must never be held back, so every check
 * is measured on a realistic corpus in both directions (test/htl/corpus.test.ts).
 */
import type { KnowledgeExcerpt } from "../../knowledge/types.ts"
import type { TurnContext, Violation } from "../types.ts"
import { humanClaim } from "./claims.ts"
import { personName } from "./cleaning.ts"
import { type BusinessFacts, businessFacts } from "./facts.ts"
import { guarantee } from "./guarantees.ts"
import type { Scorer } from "./language.ts"
import { unlistedAmounts, unlistedPercentages } from "./prices.ts"
import { checkLanguage, languageName, type LanguageTarget } from "./replyLanguage.ts"


export interface GuardrailContext {
  readonly target: LanguageTarget
  readonly facts: BusinessFacts
  readonly businessLanguages: ReadonlyArray<string>
  /** The lead's messages this turn: what they asked shapes what an answer implies. */
  readonly leadMessages: ReadonlyArray<string>
  /** The lead's name: a greeting with it is not another language, nor a staff name. */
  readonly leadName: string | null
  readonly maxWords: number
  readonly maxQuestions: number
  readonly scorer: Scorer
}

export const guardrailContext = (ctx: TurnContext, excerpt: KnowledgeExcerpt, target: LanguageTarget, scorer: Scorer): GuardrailContext => ({
  target,
  facts: businessFacts(ctx.profile, excerpt),
  businessLanguages: ctx.profile.languages,
  leadMessages: ctx.burst.filter((m) => m.from === "LEAD").map((m) => m.text),
  leadName: ctx.leadName,
  maxWords: ctx.profile.maxWords,
  maxQuestions: ctx.profile.maxQuestions,
  scorer
})

const URLS = /(?:https?:\/\/|www\.)\S+/giu

export const countWords = (text: string) => text.split(/\s+/u).filter((w) => /[\p{L}\p{N}]/u.test(w)).length

/** "?" and its full-width and Arabic forms (not inside a URL); the Spanish opener "¿" is not a second question. */
export const countQuestions = (text: string) => (text.replace(URLS, " ").match(/[?？؟]/gu) ?? []).length

export const checkDraft = (text: string, g: GuardrailContext): ReadonlyArray<Violation> => {
  if (text.trim().length === 0) return [{ rule: "empty", detail: "the draft is empty" }]
  const violations: Array<Violation> = []
  const words = countWords(text)
  if (words > g.maxWords) violations.push({ rule: "max_words", detail: `${words} words (max ${g.maxWords})` })
  const questions = countQuestions(text)
  if (questions > g.maxQuestions) violations.push({ rule: "max_questions", detail: `${questions} questions (max ${g.maxQuestions})` })
  const names = [...g.facts.names, ...(g.leadName === null ? [] : personName(g.leadName))]
  const language = checkLanguage(g.scorer, text, g.target, g.businessLanguages, names)
  if (!language.ok) violations.push({ rule: "language", detail: `written in ${languageName(language.detected)}; ${languageWanted(g.target)}` })
  const human = humanClaim(text, { leadMessages: g.leadMessages, names })
  if (human !== null) violations.push({ rule: "claims_human", detail: `implies being a person: ${human}` })
  const promise = guarantee(text, { businessText: g.facts.text })
  if (promise !== null) violations.push({ rule: "guarantee", detail: `guarantees or promises: "${promise}"` })
  for (const amount of unlistedAmounts(text, g.facts.prices)) {
    violations.push({ rule: "unlisted_price", detail: `an amount the business never wrote: "${amount}" (quote its own figures only, never a total or the lead's numbers)` })
  }
  for (const pct of unlistedPercentages(text, g.facts.percentages)) {
    violations.push({ rule: "unlisted_price", detail: `a percentage the business never wrote: "${pct}" (quote its own figures only, never the lead's)` })
  }
  return violations
}

/** What the regenerate prompt asks for: never a language the lead did not write in, stated as theirs. */
const languageWanted = (target: LanguageTarget) => {
  switch (target.source) {
    case "lead":
      return `the lead writes in ${languageName(target.code)}`
    case "conversation":
      return `this conversation is in ${languageName(target.code)}`
    case "business":
      return `write in the lead's language, or ${languageName(target.code)} if unclear`
  }
}

/** For the regenerate prompt: what to fix, in a few words each. */
export const describeViolations = (violations: ReadonlyArray<Violation>) => violations.map((v) => `- ${v.rule}: ${v.detail}`).join("\n")
