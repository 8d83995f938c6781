/**
 * What language detection must not see: URLs, e-mail addresses, handles and hashtags, order and
 * invoice codes, numbers, emoji and symbols, and names (the lead's, the business's, its
 * products'). "My invoice #A7X9QK" is English whatever the code looks like; "jkowalczyk@wp.pl" is
 * not Polish evidence.
 */

const URL = /(?:https?:\/\/|www\.)\S+|\b[\p{L}\d-]+(?:\.[\p{L}\d-]+)*\.(?:com|net|org|io|co|app|me|ly|gl|info|biz|shop|store|[a-z]{2})(?:\.[a-z]{2})?(?:\/\S*)?(?=$|[\s,;!?)])/giu
const EMAIL = /[\p{L}\d._%+-]+@[\p{L}\d-]+(?:\.[\p{L}\d-]+)+/gu
const HANDLE = /[@#]\S+/gu
/** Any token with a digit: codes (hx1ak1bumb, INV-2024-0193), amounts, dates, phone numbers. */
const WITH_DIGIT = /\S*\d\S*/gu
/** Everything but letters, combining marks, apostrophes, hyphens and spaces. */
const NOT_LETTER = /[^\p{L}\p{M}'’\s-]+/gu

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** Compiled name patterns by their name list: a business's names are the same every turn. */
const namePatterns = new Map<string, RegExp | null>()
const NAME_PATTERNS_KEPT = 512

const namePattern = (names: ReadonlyArray<string>) => {
  const key = names.join("\u0000")
  const known = namePatterns.get(key)
  if (known !== undefined) return known
  const phrases = [...new Set(names.map((n) => n.trim()).filter((n) => n.length >= 2))]
  const alternatives = phrases.sort((a, b) => b.length - a.length).map(escape).join("|")
  const pattern = phrases.length === 0 ? null : new RegExp(`(?<![\\p{L}\\p{M}])(?:${alternatives})(?![\\p{L}\\p{M}])`, "giu")
  if (namePatterns.size >= NAME_PATTERNS_KEPT) namePatterns.clear()
  namePatterns.set(key, pattern)
  return pattern
}

/** Whole-phrase, case-insensitive removal of each name ("Ortodoncia invisible", "Acme CRM"). */
const withoutNames = (text: string, names: ReadonlyArray<string>) => {
  const pattern = namePattern(names)
  return pattern === null ? text : text.replace(pattern, " ")
}

/** A person's name as phrases to remove: whole, and each word of 3+ letters ("Nico Ferreyra" → "Nico", "Ferreyra"). */
export const personName = (name: string): ReadonlyArray<string> =>
  [name, ...name.split(/[^\p{L}\p{M}'’-]+/u).filter((w) => w.length >= 3)]

export const cleanForDetection = (text: string, names: ReadonlyArray<string>): string =>
  withoutNames(text.normalize("NFC"), names)
    .replace(EMAIL, " ")
    .replace(URL, " ")
    .replace(HANDLE, " ")
    .replace(WITH_DIGIT, " ")
    .replace(NOT_LETTER, " ")
    .replace(/(?<=\s|^)['’-]+|['’-]+(?=\s|$)/gu, " ")
    .replace(/\s+/gu, " ")
    .trim()
    // detectors are trained on ordinary text: "AR CONDICIONADO QUEBRADO" reads as Portuguese only in lower case
    .toLowerCase()
