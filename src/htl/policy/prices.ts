/**
 * Money and percentages in free text, as people write them on WhatsApp: "$49", "49 USD",
 * "R$ 119,90", "1.199,00 €", "Rp 350.000", "350rb", "1,5 juta", "₹1,60,000", "1.6 lakh", "199,- €",
 * "45 per month", "-20 %", "10 por ciento". A draft may quote only amounts and percentages that
 * the business wrote somewhere (see ./facts.ts); anything else is an invented price or offer.
 */
import type { CatalogPrice } from "../../knowledge/types.ts"

/** Currency codes written in capitals after or before a number. */
const ISO = "USD|EUR|GBP|INR|BRL|MXN|COP|ARS|CLP|PEN|UYU|IDR|MYR|SGD|PHP|THB|VND|AED|SAR|QAR|ZAR|NGN|KES|GHS|EGP|MAD|JPY|CNY|HKD|KRW|TRY|CHF|CAD|AUD|NZD|SEK|NOK|DKK|PLN|CZK|HUF|RON|PKR|BDT|LKR|NPR"
/** Codes people also type in lower case ("49 usd"); other lower-case three-letter words are not money. */
const LOWER_OK = new Set(["usd", "eur", "gbp", "inr", "brl", "mxn", "idr", "cop", "ars", "clp", "pen", "aed", "chf", "cad", "aud"])

/** Symbols, prefixes and words → the currencies they may mean (empty: money, currency unknown). */
const CURRENCY: ReadonlyArray<readonly [RegExp, ReadonlyArray<string>]> = [
  [/^us\$$/i, ["USD"]],
  [/^r\$$/i, ["BRL"]],
  [/^s\/$/i, ["PEN"]],
  [/^rs\.?$|^₹$|^rupees?$|^rupaye$|^rupiya$|^rupias?$/i, ["INR", "PKR", "LKR", "NPR"]],
  [/^rp\.?$|^rupiah$/i, ["IDR"]],
  [/^rm$|^ringgit$/i, ["MYR"]],
  [/^\$$|^d[oó]lar(?:es|s)?$|^dollars?$|^bucks$/i, ["USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN", "ARS", "COP", "CLP", "UYU"]],
  [/^€$|^euros?$/i, ["EUR"]],
  [/^£$|^pounds?$|^libras?$/i, ["GBP"]],
  [/^¥$|^yen$/i, ["JPY", "CNY"]],
  [/^₩$/, ["KRW"]],
  [/^₺$|^lira$|^lire$/i, ["TRY"]],
  [/^₱$/, ["PHP"]],
  [/^₦$|^naira$/i, ["NGN"]],
  [/^reais$|^real$/i, ["BRL"]],
  [/^pesos?$/i, ["MXN", "ARS", "COP", "CLP", "UYU", "PHP"]],
  [/^soles$/i, ["PEN"]],
  [/^dirhams?$/i, ["AED", "MAD"]],
  [/^rand$/i, ["ZAR"]],
  [/^franken$|^francs?$/i, ["CHF"]],
  [/^z[łl]oty$|^z[łl]$/i, ["PLN"]],
  [/^kr\.?$/i, ["SEK", "NOK", "DKK"]]
]

const SYMBOL = "US\\$|R\\$|S\\/|Rs\\.?|Rp\\.?|RM|[$€£₹¥₩₺₱₦]"
const WORDS = "d[oó]lar(?:es|s)?|dollars?|bucks|euros?|pounds?|libras?|rupees?|rupaye|rupiya|rupias?|rs|rupiah|ringgit|reais|real|pesos?|soles|dirhams?|rand|naira|yen|lira|lire|franken|francs?|z[łl]oty|z[łl]|kr"
/** Indian grouping (1,60,000), grouped thousands (1.199,00 · 1 450 · 350.000), or plain (49 · 119,90 · 1.5). */
const NUMBER = "\\d{1,2}(?:,\\d{2})+,\\d{3}(?:\\.\\d{1,2})?|\\d{1,3}(?:[.,\\u00a0\\u202f ]\\d{3})+(?:[.,]\\d{1,2})?|\\d+(?:[.,]\\d{1,2})?"
/** "k", "mil", "rb"/"ribu", "jt"/"juta", "lakh", "crore", "million": a multiplier between number and currency. */
const MULTIPLIER = "k|mil|rb|ribu|jt|juta|lakhs?|lacs?|crores?|cr|millions?|millones|milh[õo]es|mio\\.?|M"
const MULTIPLIERS: ReadonlyArray<readonly [RegExp, number]> = [
  [/^(?:k|mil|rb|ribu)$/i, 1e3],
  [/^(?:lakhs?|lacs?)$/i, 1e5],
  [/^(?:jt|juta|millions?|millones|milh[õo]es|mio\.?|M)$/i, 1e6],
  [/^(?:crores?|cr)$/i, 1e7]
]

/** Multipliers that are money even without a currency ("500rb", "1,5 juta", "1.6 lakh"). */
const MONEY_MULTIPLIER = "rb|ribu|jt|juta|lakhs?|lacs?|crores?"

const AMOUNT = new RegExp(
  `(?<![\\p{L}\\d])(?:(${SYMBOL}|${ISO})\\s?(${NUMBER})(?:\\s?(${MULTIPLIER})(?![\\p{L}]))?(?:\\s?(?:,-|,–|\\/-))?` +
    `|(${NUMBER})(?:\\s?(${MULTIPLIER}))?\\s?(?:,-\\s?|,–\\s?|\\/-\\s?)?(${SYMBOL}|(?<![\\p{L}])(?:${ISO}|${WORDS})(?![\\p{L}]))` +
    `|(${NUMBER})\\s?(${MONEY_MULTIPLIER})(?![\\p{L}]))`,
  "giu"
)
/** A bare number priced per period, seat or person ("39 per month", "39/mes", "65 la séance") is a price too. */
const PER_UNIT = new RegExp(
  `(?<![\\p{L}\\d$€£₹¥.,])(${NUMBER})\\s?(?:\\/|per|por|par|pro|al|ao|la|le|il|a|an)\\s?` +
    `(?:month|mo|year|yr|week|day|hour|hr|user|seat|person|head|session|class|night|` +
    `mes|año|ano|semana|d[ií]a|hora|usuario|persona|pessoa|m[eê]s|aula|` +
    `mois|an|semaine|jour|heure|s[ée]ance|personne|monat|jahr|woche|tag|stunde|nutzer|` +
    `mese|anno|settimana|giorno|ora|utente|bulan|tahun|minggu|hari|jam|orang|kelas|mahina)(?![\\p{L}])`,
  "giu"
)
const PERCENT = /(\d+(?:[.,]\d+)?)\s?%|(\d+(?:[.,]\d+)?)\s?(?:percent|per\s?cent|por\s?ciento|pour\s?cent|por\s?cento|prozent|per\s?cento|persen)(?![\p{L}])/giu

/** All readings of a written number: "4.999" is 4999 (es, de, id) or 4.999 (en); "1,60,000" is 160000. */
export const readings = (raw: string): ReadonlyArray<number> => {
  const s = raw.replace(/[\u00a0\u202f ]/g, " ").trim()
  const out = new Set<number>([Number(s.replace(/\D/g, ""))])
  const lastSep = Math.max(s.lastIndexOf("."), s.lastIndexOf(","))
  if (lastSep >= 0) {
    const decimals = s.slice(lastSep + 1).replace(/\D/g, "")
    const whole = s.slice(0, lastSep).replace(/\D/g, "")
    if (decimals.length <= 3) out.add(Number(`${whole}.${decimals}`))
  }
  return [...out].filter(Number.isFinite)
}

export interface QuotedAmount {
  readonly text: string
  readonly values: ReadonlyArray<number>
  /** The currencies the written symbol or word may mean; empty when it does not say. */
  readonly currencies: ReadonlyArray<string>
}

const currenciesOf = (token: string | undefined): ReadonlyArray<string> | null => {
  if (token === undefined) return []
  const t = token.trim()
  if (/^[A-Za-z]{3}$/.test(t) && new RegExp(`^(?:${ISO})$`).test(t.toUpperCase())) {
    // a lower-case three-letter word is a currency only when people really type it so
    return t === t.toUpperCase() || LOWER_OK.has(t) ? [t.toUpperCase()] : null
  }
  return CURRENCY.find(([pattern]) => pattern.test(t))?.[1] ?? []
}

const multiplierOf = (token: string | undefined) =>
  token === undefined ? 1 : MULTIPLIERS.find(([pattern]) => pattern.test(token.trim()))?.[1] ?? 1

interface Found extends QuotedAmount {
  readonly start: number
  readonly end: number
}

const scan = (text: string): ReadonlyArray<Found> => {
  const found: Array<Found> = []
  for (const m of text.matchAll(AMOUNT)) {
    const [, prefix, n1, mult1, n2, mult2, suffix, n3, mult3] = m
    const currencies = currenciesOf(prefix ?? suffix)
    if (currencies === null) continue
    const factor = multiplierOf(mult1 ?? mult2 ?? mult3)
    found.push({
      text: m[0].trim(),
      values: readings(n1 ?? n2 ?? n3 ?? "0").map((v) => v * factor),
      currencies,
      start: m.index,
      end: m.index + m[0].length
    })
  }
  for (const m of text.matchAll(PER_UNIT)) {
    const end = m.index + m[0].length
    if (found.some((f) => m.index < f.end + 2 && end > f.start - 2)) continue
    found.push({ text: m[0].trim(), values: readings(m[1] ?? "0"), currencies: [], start: m.index, end })
  }
  return found
}

export const quotedAmounts = (text: string): ReadonlyArray<QuotedAmount> =>
  scan(text).map(({ text, values, currencies }) => ({ text, values, currencies }))

/** Every amount in `text` as catalog prices (one per possible currency; null when it does not say). */
export const pricesIn = (text: string): ReadonlyArray<CatalogPrice> =>
  quotedAmounts(text).flatMap((q) =>
    q.values.flatMap((amount): ReadonlyArray<CatalogPrice> =>
      q.currencies.length === 0 ? [{ amount, currency: null }] : q.currencies.map((currency) => ({ amount, currency }))
    )
  )

const same = (a: number, b: number) => Math.abs(a - b) < 0.005

const matches = (q: QuotedAmount, p: CatalogPrice) =>
  q.values.some((v) => same(v, p.amount)) && (q.currencies.length === 0 || p.currency === null || q.currencies.includes(p.currency))

/** Amounts in `text` that the business never wrote (a currency, when written, must match too). */
export const unlistedAmounts = (text: string, listed: ReadonlyArray<CatalogPrice>): ReadonlyArray<string> =>
  quotedAmounts(text).filter((q) => !listed.some((p) => matches(q, p))).map((q) => q.text)

/** The percentages written in `text`, as numbers. */
export const percentagesIn = (text: string): ReadonlyArray<number> =>
  [...text.matchAll(PERCENT)].map((m) => Number((m[1] ?? m[2] ?? "").replace(",", ".")))

/** Percentages in `text` that the business never wrote (a discount it does not list is an invented offer). */
export const unlistedPercentages = (text: string, listed: ReadonlySet<number>): ReadonlyArray<string> =>
  [...text.matchAll(PERCENT)]
    .filter((m) => !listed.has(Number((m[1] ?? m[2] ?? "").replace(",", "."))))
    .map((m) => m[0].trim())

/** Whether `text` states an amount of money or a percentage (a price fact worth showing the model). */
export const hasPriceFact = (text: string) => scan(text).length > 0 || percentagesIn(text).length > 0
