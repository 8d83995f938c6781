/**
 * Every amount of money and every percentage in a draft must come from the business: amounts
 * must equal a catalog price, percentages must appear in the knowledge the prompt carried
 * (a discount the business does not list is an invented offer).
 */
import type { CatalogPrice } from "../../knowledge/types.ts"

const SYMBOLS: Readonly<Record<string, string>> = {
  "$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "₹": "INR", "Rs": "INR", "Rs.": "INR", "¥": "JPY", "R$": "BRL",
  "₩": "KRW", "₺": "TRY", "₱": "PHP", "₦": "NGN", "Rp": "IDR", "S/": "PEN", "RM": "MYR"
}
const WORDS = "dollars?|usd|euros?|eur|pounds?|gbp|rupees?|inr|pesos?|mxn|cop|ars|clp|reais|real|brl|soles|pen|rupiah|idr|ringgit|dirhams?|aed|rand|zar|naira|ngn|yen|jpy"
const NUMBER = "\\d{1,3}(?:[ .,\\u00a0\\u202f]\\d{3})+(?:[.,]\\d{1,2})?|\\d+(?:[.,]\\d{1,2})?"
const SYMBOL = "US\\$|R\\$|S\\/|Rs\\.?|Rp|RM|[$€£₹¥₩₺₱₦]"
const AMOUNT = new RegExp(
  `(?:(${SYMBOL})\\s?(${NUMBER})(?:\\s?(k))?)|(?:(${NUMBER})(?:\\s?(k))?\\s?(${SYMBOL}|\\b(?:${WORDS})\\b|\\b[A-Z]{3}\\b))`,
  "giu"
)
/** A bare number priced per period or seat ("39 per month", "39/mes") is a price too. */
const PER_UNIT = new RegExp(
  `(?<![\\d$€£₹¥.,])(${NUMBER})\\s?(?:\\/|per|a|an|al|por|par|pro|al|ao)\\s?(?:month|mo|year|yr|week|day|user|seat|person|mes|año|ano|semana|mois|an|semaine|monat|jahr|woche|mese|anno|usuario|utente|persona|pessoa|mês)\\b`,
  "giu"
)
const PERCENT = /(\d+(?:[.,]\d+)?)\s?%|(\d+(?:[.,]\d+)?)\s?(?:percent|por\s?ciento|pour\s?cent|por\s?cento|prozent|per\s?cento|persen)\b/giu

/** All readings of a written number: "4.999" is 4999 (es/de) or 4.999 (en). */
export const readings = (raw: string): ReadonlyArray<number> => {
  const s = raw.replace(/[\u00a0\u202f ]/g, " ").trim()
  const digits = s.replace(/[^\d]/g, "")
  const out = new Set<number>([Number(digits)])
  const lastSep = Math.max(s.lastIndexOf("."), s.lastIndexOf(","))
  if (lastSep >= 0) {
    const decimals = s.slice(lastSep + 1).replace(/\D/g, "")
    const whole = s.slice(0, lastSep).replace(/\D/g, "")
    if (decimals.length <= 2) out.add(Number(`${whole}.${decimals}`))
    if (decimals.length === 3) out.add(Number(`${whole}.${decimals}`))
  }
  return [...out].filter(Number.isFinite)
}

export interface QuotedAmount {
  readonly text: string
  readonly values: ReadonlyArray<number>
  readonly currency: string | null
}

const currencyOf = (token: string | undefined): string | null => {
  if (token === undefined) return null
  const t = token.trim()
  const symbol = SYMBOLS[t]
  if (symbol !== undefined) return symbol
  return /^[A-Za-z]{3}$/.test(t) ? t.toUpperCase() : null
}

const CURRENCY_WORDS = new Set(WORDS.replace(/\?/g, "").split("|"))
/** "2 for", "49 per": three letters after a number are a currency code only in capitals, or a known word. */
const isAmount = (m: RegExpMatchArray) => {
  const unit = m[6]?.trim()
  if (unit === undefined || !/^[A-Za-z]{3}$/.test(unit)) return true
  return unit === unit.toUpperCase() || CURRENCY_WORDS.has(unit.toLowerCase())
}

export const quotedAmounts = (text: string): ReadonlyArray<QuotedAmount> => {
  const withCurrency = [...text.matchAll(AMOUNT)].filter(isAmount).map((m) => {
    const number = m[2] ?? m[4] ?? "0"
    const thousands = (m[3] ?? m[5]) !== undefined
    const values = readings(number).map((v) => (thousands ? v * 1000 : v))
    return { text: m[0].trim(), values, currency: currencyOf(m[1] ?? m[6]), at: m.index }
  })
  const bare = [...text.matchAll(PER_UNIT)]
    .filter((m) => !withCurrency.some((w) => Math.abs(w.at - m.index) <= 4))
    .map((m) => ({ text: m[0].trim(), values: readings(m[1] ?? "0"), currency: null, at: m.index }))
  return [...withCurrency, ...bare].map(({ at: _, ...q }) => q)
}

const same = (a: number, b: number) => Math.abs(a - b) < 0.005

/** Amounts in `text` that match no catalog price (a currency, when written, must match too). */
export const unlistedAmounts = (text: string, catalog: ReadonlyArray<CatalogPrice>): ReadonlyArray<string> =>
  quotedAmounts(text)
    .filter((q) =>
      !catalog.some((p) =>
        q.values.some((v) => same(v, p.amount)) &&
        (q.currency === null || p.currency === null || q.currency === p.currency || !/^[A-Z]{3}$/.test(q.currency))
      )
    )
    .map((q) => q.text)

/** Percentages in `text` that the business's own text (knowledge, policies) does not state. */
export const unlistedPercentages = (text: string, businessText: string): ReadonlyArray<string> => {
  const listed = new Set([...businessText.matchAll(PERCENT)].map((m) => Number((m[1] ?? m[2] ?? "").replace(",", "."))))
  return [...text.matchAll(PERCENT)]
    .filter((m) => !listed.has(Number((m[1] ?? m[2] ?? "").replace(",", "."))))
    .map((m) => m[0].trim())
}
