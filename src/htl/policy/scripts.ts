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

export const scriptLanguage = (text: string, candidates: ReadonlyArray<string>): Omit<Detection, "ranked"> | null => {
  const letters = [...text].filter((c) => /\p{L}/u.test(c))
  if (letters.length === 0) return null
  let best: { readonly langs: ReadonlyArray<string>; readonly n: number } | null = null
  for (const [script, langs] of SCRIPTS) {
    // kana beside Han means Japanese: count it for Japanese first
    const n = letters.filter((c) => script.test(c)).length
    if (n > (best?.n ?? 0)) best = { langs, n }
  }
  if (best === null || best.n < MIN_LETTERS || best.n * 2 < letters.length) return null
  const lang = best.langs.find((l) => candidates.includes(l)) ?? best.langs[0] ?? "und"
  return { lang, confidence: best.n / letters.length, confident: true }
}
