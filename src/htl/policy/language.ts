/**
 * Language checks with `tinyld` (n-gram detection, 60+ languages). Short texts ("ok", "hi") give
 * no answer; then the caller falls back to earlier messages or the business's first language.
 */
import { detectAll } from "tinyld"

const MIN_WORDS = 3

/** ISO 639-1 code of `text`, or null when the text is too short or ambiguous to tell. */
export const detectLanguage = (text: string): string | null => {
  const cleaned = text.replace(/https?:\/\/\S+/g, " ").replace(/[\d.,:;!?¿¡%$€£₹+\-*/()"'«»]+/g, " ").trim()
  if (cleaned.length < 3) return null
  const top = detectAll(cleaned)[0]
  return top === undefined || top.lang === "" ? null : top.lang
}

/** The language a reply must be in: the lead's latest message that tells, else the fallback. */
export const leadLanguage = (leadTextsNewestFirst: ReadonlyArray<string>, fallback: string): string => {
  for (const text of leadTextsNewestFirst) {
    const lang = detectLanguage(text)
    if (lang !== null) return lang
  }
  return fallback
}

/**
 * Whether `draft` is written in `expected`. A draft is off only when the detector is clearly
 * for another language: `expected` is not its top language and scores under half of the top.
 */
export const isInLanguage = (draft: string, expected: string): { readonly ok: boolean; readonly detected: string | null } => {
  const text = draft.replace(/https?:\/\/\S+/g, " ")
  // two words ("¡Genial, gracias!") are too few to tell a language reliably
  if (text.split(/\s+/u).filter((w) => /\p{L}{2,}/u.test(w)).length < MIN_WORDS) return { ok: true, detected: null }
  const scores = detectAll(text)
  const top = scores[0]
  if (top === undefined || top.lang === "" || top.lang === expected) return { ok: true, detected: top?.lang ?? null }
  const mine = scores.find((s) => s.lang === expected)?.accuracy ?? 0
  return { ok: mine >= top.accuracy / 2, detected: top.lang }
}
