/**
 * Turns Analyze's free-text `need_kb.query` into a Postgres tsquery: words OR-ed, as prefixes,
 * with common inflections trimmed ("pricing" → `pric:*`, matching "price", "prices"). Only
 * letters and digits survive, so the string is always a valid tsquery.
 */
const STOP = new Set(["the", "and", "for", "with", "what", "how", "are", "is", "de", "la", "el", "los", "las", "que", "para", "por", "con", "une", "les", "des", "est", "do", "da", "um", "uma", "your", "you", "our", "about", "qué", "cómo", "quel", "quelle", "was", "wie"])

const stem = (w: string) => (w.length >= 6 ? w.replace(/(ing|ed|es|s|ción|ciones|mente)$/u, "") : w)

export const toTsQuery = (text: string, maxTerms = 8): string | null => {
  const words = text.toLowerCase().normalize("NFC").split(/[^\p{L}\p{N}]+/u).filter((w) => w.length >= 2 && !STOP.has(w))
  const terms = [...new Set(words.map(stem))].filter((w) => w.length >= 2).slice(0, maxTerms)
  return terms.length === 0 ? null : terms.map((t) => `${t}:*`).join(" | ")
}
