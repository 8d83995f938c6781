/**
 * A bot never guarantees or promises an outcome: "I guarantee", "te lo aseguro", "c'est promis",
 * "risk-free", "your son will definitely clear JEE", "selection pakka hai", "ombaknya pasti bagus".
 * Not caught: honest negations ("we can't guarantee results", "guarantee hum nahi de sakte"),
 * certainty as an interjection ("Com certeza! …", "Ji zaroor!", "Yes, definitely."),
 * a first-person commitment ("I'll definitely pass it on"), and guarantees the business itself
 * states (a "money-back guarantee" in its policies).
 */
import { findAll, isNegated, startsSentence, unicodeWords } from "./phrases.ts"

/** Guarantee and promise words. */
const PROMISES = [
  /\bguarant\w*/iu,
  /\b(?:i|we)\s+(?:promise|assure\s+you|swear)\b|\bi\s+promise\b|\bpromised\b|\bmake\s+sure\s+of\s+it\b/iu,
  /\bgarant\w*/iu,
  /\b(?:te|le|les|lo|os|vos)?\s*(?:prometo|prometemos|aseguro|aseguramos|asseguro|asseguramos)\b|\bprometid[oa]\b|\bpromessa\b/iu,
  /\b(?:je\s+(?:vous\s+|te\s+)?(?:promets|assure|jure)|c'est\s+promis|c’est\s+promis|promis\b)/iu,
  /\bversprech\w*|\bverspreche\b|\bversprochen\b/iu,
  /\b(?:te\s+lo\s+|ve\s+lo\s+|glielo\s+)?(?:prometto|promettiamo|assicuro|assicuriamo)\b/iu,
  /\b(?:dijamin|jaminan|jamin|janji)\b/iu,
  /\b(?:pakka|wada|waada|vaada)\b|गारंटी|वादा/iu
].map(unicodeWords)

/** Claims that nothing can go wrong. */
const NO_RISK = [
  /\b(?:risk[-\s]?free|no\s+risk|zero\s+risk|without\s+(?:any\s+)?risk|can(?:'|’|no)t\s+(?:fail|go\s+wrong))\b/iu,
  /\b(?:sin\s+riesgo|cero\s+riesgo|ning[uú]n\s+riesgo|s[ií]\s+o\s+s[ií])\b/iu,
  /\b(?:sem\s+risco|risco\s+zero|nenhum\s+risco|n[aã]o\s+tem\s+risco)\b/iu,
  /\b(?:aucun\s+risque|sans\s+risque|z[ée]ro\s+risque|[aà]\s+coup\s+s[uû]r|sans\s+aucun\s+doute|j'en\s+suis\s+(?:s[uû]re?|certaine?)|j’en\s+suis\s+(?:s[uû]re?|certaine?))\b/iu,
  /\b(?:kein\s+risiko|risikofrei|ohne\s+risiko)\b/iu,
  /\b(?:nessun\s+rischio|senza\s+rischi[o]?|zero\s+rischi)\b/iu,
  /\b(?:tanpa\s+risiko|ga\s+bakal\s+sia-sia|nggak\s+bakal\s+sia-sia)\b/iu,
  /\b100\s?%\s+(?:sure|certain|guaranteed|results?|seguro|garantizado|garantido|sicuro|sûr|sicher|pasti)\b/iu
].map(unicodeWords)

/** Certainty about what will happen: flagged mid-sentence, not as an opening interjection. */
const CERTAINTY = [
  /\b(?:definitely|surely|certainly|for\s+sure|without\s+a\s+doubt|no\s+doubt)\b/iu,
  /\b(?:seguro\s+que|sin\s+duda|con\s+seguridad|seguramente\s+vas)\b/iu,
  /\b(?:com\s+certeza|certamente|sem\s+d[uú]vida)\b/iu,
  /\b(?:forc[ée]ment|certainement|s[uû]rement)\b/iu,
  /\b(?:auf\s+jeden\s+fall|garantiert|ganz\s+sicher|definitiv|bestimmt)\b/iu,
  /\b(?:sicuramente|di\s+sicuro|senza\s+dubbio|certamente)\b/iu,
  /\b(?:pasti|tentu\s+saja\s+bisa)\b/iu,
  /\b(?:zaroor|zarur|definitely)\b/iu
].map(unicodeWords)

/** A first-person subject just before a certainty word: a commitment of the bot's own, not an outcome. */
const FIRST_PERSON = /(?:^|[^\p{L}])(?:i|i'll|i’ll|we|we'll|we’ll|yo|nosotros|eu|n[oó]s|a\s+gente|je|nous|on|ich|wir|io|noi|aku|saya|kami|kita|main|hum)\s+(?:\p{L}+\s+){0,2}$/iu

export interface GuaranteeContext {
  /** Everything the business wrote, lower-cased: a guarantee it states itself may be repeated. */
  readonly businessText: string
}

const statedByBusiness = (phrase: string, c: GuaranteeContext) => c.businessText.includes(phrase.toLowerCase())

/** The phrase by which `draft` guarantees or promises an outcome, or null. */
export const guarantee = (draft: string, c: GuaranteeContext): string | null => {
  for (const f of findAll([...PROMISES, ...NO_RISK], draft)) {
    if (!isNegated(draft, f.start, f.end) && !statedByBusiness(f.phrase, c)) return f.phrase
  }
  for (const f of findAll(CERTAINTY, draft)) {
    // "Com certeza! …", "Ji zaroor!", "Yes, definitely." are interjections, not forecasts
    const interjection = startsSentence(draft, f.start) || /^\s*[!.]/u.test(draft.slice(f.end))
    if (interjection || isNegated(draft, f.start, f.end)) continue
    if (FIRST_PERSON.test(draft.slice(Math.max(0, f.start - 40), f.start))) continue
    return f.phrase
  }
  return null
}
