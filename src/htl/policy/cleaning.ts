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

const LETTER_AT_END = /[\p{L}\p{M}]$/u
const LETTER_AT_START = /^[\p{L}\p{M}]/u

/**
 * Whole-phrase, case-insensitive removal of each name ("Ortodoncia invisible", "Acme CRM"),
 * longest first, each occurrence blanked in place. A plain search in the lower-cased text: one
 * regular expression per name list cost a compile per lead (their names differ) and a scan with
 * a look-behind at every position.
 */
const withoutNames = (text: string, names: ReadonlyArray<string>) => {
  const phrases = [...new Set(names.map((n) => n.trim().toLowerCase()).filter((n) => n.length >= 2))]
  if (phrases.length === 0) return text
  const lower = text.toLowerCase()
  // lower-casing kept every index (nearly always): blank occurrences in both at the same places
  if (lower.length !== text.length) return withoutNamesSlow(text, phrases)
  let out = text
  let search = lower
  for (const phrase of phrases.sort((a, b) => b.length - a.length)) {
    for (let at = search.indexOf(phrase); at !== -1; at = search.indexOf(phrase, at + 1)) {
      const end = at + phrase.length
      if (LETTER_AT_END.test(search.slice(Math.max(0, at - 2), at)) || LETTER_AT_START.test(search.slice(end, end + 2))) continue
      const blank = " ".repeat(phrase.length)
      out = out.slice(0, at) + blank + out.slice(end)
      search = search.slice(0, at) + blank + search.slice(end)
    }
  }
  return out
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** The same with a regular expression, for the rare text whose lower case changes its length. */
const withoutNamesSlow = (text: string, phrases: ReadonlyArray<string>) =>
  text.replace(new RegExp(`(?<![\\p{L}\\p{M}])(?:${phrases.map(escape).join("|")})(?![\\p{L}\\p{M}])`, "giu"), " ")

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
