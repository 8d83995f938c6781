/**
 * A text mostly in one non-Latin script names its language outright: Devanagari is Hindi (or
 * Marathi/Nepali when the business lists one), Arabic script is Arabic (or Persian/Urdu),
 * Cyrillic is Russian (or Ukrainian, Bulgarian, Serbian)…
 */
import type { Detection } from "./language.ts"

const SCRIPTS: ReadonlyArray<readonly [RegExp, ReadonlyArray<string>]> = [
  [/\p{Script=Devanagari}/u, ["hi", "mr", "ne"]],
  [/\p{Script=Arabic}/u, ["ar", "fa", "ur"]],
  [/\p{Script=Cyrillic}/u, ["ru", "uk", "bg", "sr", "kk"]],
  [/\p{Script=Greek}/u, ["el"]],
  [/\p{Script=Hebrew}/u, ["he"]],
  [/\p{Script=Thai}/u, ["th"]],
  [/\p{Script=Hangul}/u, ["ko"]],
  [/[\p{Script=Hiragana}\p{Script=Katakana}]/u, ["ja"]],
  [/\p{Script=Han}/u, ["zh", "ja"]],
  [/\p{Script=Bengali}/u, ["bn"]],
  [/\p{Script=Tamil}/u, ["ta"]],
  [/\p{Script=Telugu}/u, ["te"]],
  [/\p{Script=Gujarati}/u, ["gu"]],
  [/\p{Script=Gurmukhi}/u, ["pa"]],
  [/\p{Script=Kannada}/u, ["kn"]],
  [/\p{Script=Malayalam}/u, ["ml"]],
  [/\p{Script=Georgian}/u, ["ka"]],
  [/\p{Script=Armenian}/u, ["hy"]],
  [/\p{Script=Ethiopic}/u, ["am"]]
]

/** Letters needed in the script before it decides (one stray character does not). */
const MIN_LETTERS = 2

const LATIN = /\p{Script=Latin}/u
const LETTER = /\p{L}/u

export const scriptLanguage = (text: string, candidates: ReadonlyArray<string>): Omit<Detection, "ranked"> | null => {
  // one pass over the letters (the scripts are disjoint): most chat text is Latin and stops at the first test
  const counts = SCRIPTS.map(() => 0)
  let letters = 0
  for (const c of text) {
    if (!LETTER.test(c)) continue
    letters++
    if (LATIN.test(c)) continue
    const i = SCRIPTS.findIndex(([script]) => script.test(c))
    if (i >= 0) counts[i] = (counts[i] ?? 0) + 1
  }
  if (letters === 0) return null
  // in SCRIPTS' order: kana beside Han means Japanese (counted for Japanese first)
  let best = -1
  for (let i = 0; i < SCRIPTS.length; i++) if ((counts[i] ?? 0) > (counts[best] ?? 0)) best = i
  const n = counts[best] ?? 0
  const langs = SCRIPTS[best]?.[1]
  if (langs === undefined || n < MIN_LETTERS || n * 2 < letters) return null
  const lang = langs.find((l) => candidates.includes(l)) ?? langs[0] ?? "und"
  return { lang, confidence: n / letters, confident: true }
}
