/**
 * The lead's language, decided with confidence, and whether a draft is in it. Short, noisy
 * messages ("ok", "👍", an order code, an e-mail) show no language; then the conversation keeps
 * the language it had, or the business's first one. A draft is flagged only when it is
 * confidently written in a language the lead did not use: a false flag holds back a good reply.
 *
 * Evidence, strongest first: the script (Devanagari, Arabic, Cyrillic… name their language),
 * romanised Hindi words (Hinglish), a statistical detector restricted to plausible languages, and
 * chat words that belong to one language only ("gracias", "obg", "makasih", "danke").
 */
import { chatWordVotes, hinglishScore } from "./lexicon.ts"
import { cleanForDetection } from "./cleaning.ts"
import { scriptLanguage } from "./scripts.ts"

export interface LanguageScore {
  readonly lang: string
  readonly score: number
}

/** A statistical detector limited to `candidates` (Latin-script languages): scores ≥ 0, any scale. */
export type Scorer = (text: string, candidates: ReadonlyArray<string>) => ReadonlyArray<LanguageScore>

/** Latin-script languages the detector and the chat lexicon are measured on (bench/language.ts). */
export const RELIABLE: ReadonlyArray<string> = ["en", "es", "pt", "fr", "de", "it", "id"]
/**
 * Further languages a model may wrongly answer in: a draft is also checked against these (drafts are
 * whole sentences; a lead's short messages are not, so leads are read against RELIABLE only).
 */
export const DRAFT_EXTRA: ReadonlyArray<string> = ["nl", "ca", "ms", "tr", "pl", "ro", "sv"]
/** Hindi in Latin script, as Indians chat ("fees kitni hai sir"). */
export const HINGLISH = "hi-Latn"

export interface Detection {
  readonly lang: string
  /** 0–1: how sure; `confident` is whether that is enough to act on. */
  readonly confidence: number
  readonly confident: boolean
  /** Every language with evidence, strongest first, its share of all the evidence (0–1). */
  readonly ranked: ReadonlyArray<LanguageScore>
}

export interface DetectOptions {
  /** Languages the text may be in (the business's, RELIABLE, and for drafts DRAFT_EXTRA). */
  readonly candidates: ReadonlyArray<string>
  /** Words that are no evidence: the lead's name, the business's and its products' names. */
  readonly names?: ReadonlyArray<string>
  /** Languages expected here (the business's, the conversation's): the detector's odds for them are raised. */
  readonly expected?: ReadonlyArray<string>
  /**
   * Count one-language chat words ("gracias", "obg"): for a lead's short messages. A whole drafted
   * sentence is the detector's alone ("hola" and "sí" are Catalan too).
   */
  readonly chatWords?: boolean
}

/**
 * Letters a text needs before the statistical detector is heard at all, and how many more until it
 * is fully heard: detectors guess wildly on short chat ("qnto ta o anual" reads as Spanish).
 */
const MIN_LETTERS = 20
const FULL_LETTERS = 40
/** How far ahead of the runner-up (share of the evidence × its amount, 0–1) the top language must be. */
const MIN_CONFIDENCE = 0.3
/** How much likelier an expected language is than any other plausible one, before reading the text. */
const PRIOR = 2
/** Hinglish evidence needed: one distinctive word and one shared one ("fees kitni hai"). */
const HINGLISH_MIN = 1.5
/** Weight of one distinctive chat word, in probability-share units. */
const WORD_VOTE = 0.5

const normalise = (scores: ReadonlyArray<LanguageScore>): ReadonlyArray<LanguageScore> => {
  const total = scores.reduce((n, s) => n + Math.max(0, s.score), 0)
  return total <= 0 ? [] : scores.map((s) => ({ lang: s.lang, score: Math.max(0, s.score) / total }))
}

/** Detections remembered per scorer: a turn, its guardrails and its handoff notice read the same messages again. */
const remembered = new WeakMap<Scorer, Map<string, Detection | null>>()
const REMEMBERED = 2_000

/** The language of `text`, or null when it shows none at all (pure: the same question is answered once). */
export const detect = (scorer: Scorer, text: string, options: DetectOptions): Detection | null => {
  let cache = remembered.get(scorer)
  if (cache === undefined) {
    cache = new Map()
    remembered.set(scorer, cache)
  }
  const key = JSON.stringify([text, options.candidates, options.names ?? [], options.expected ?? [], options.chatWords ?? true])
  if (cache.has(key)) {
    const hit = cache.get(key) ?? null
    cache.delete(key) // most recently used last
    cache.set(key, hit)
    return hit
  }
  const found = detectUncached(scorer, text, options)
  cache.set(key, found)
  if (cache.size > REMEMBERED) cache.delete(cache.keys().next().value ?? key)
  return found
}

const detectUncached = (scorer: Scorer, text: string, options: DetectOptions): Detection | null => {
  const cleaned = cleanForDetection(text, options.names ?? [])
  const script = scriptLanguage(cleaned, options.candidates)
  if (script !== null) return { ...script, ranked: [{ lang: script.lang, score: 1 }] }
  const letters = cleaned.replace(/[^\p{L}]/gu, "").length
  if (letters === 0) return null
  const hinglish = hinglishScore(cleaned)
  if (hinglish >= HINGLISH_MIN) {
    return { lang: HINGLISH, confidence: Math.min(1, hinglish / 4), confident: true, ranked: [{ lang: HINGLISH, score: 1 }] }
  }
  const latin = options.candidates.filter((c) => RELIABLE.includes(c) || DRAFT_EXTRA.includes(c))
  const votes = options.chatWords === false ? new Map<string, number>() : chatWordVotes(cleaned, latin)
  const weight = letters < MIN_LETTERS ? 0 : Math.min(1, (letters - MIN_LETTERS + 1) / FULL_LETTERS)
  const expected = options.expected ?? []
  const model = weight === 0
    ? []
    : normalise(scorer(cleaned, latin).map((s) => (expected.includes(s.lang) ? { lang: s.lang, score: s.score * PRIOR } : s)))
  const combined = new Map<string, number>()
  for (const s of model) combined.set(s.lang, s.score * weight)
  for (const [lang, n] of votes) combined.set(lang, (combined.get(lang) ?? 0) + n * WORD_VOTE)
  const total = [...combined.values()].reduce((n, v) => n + v, 0)
  const ranked = [...combined].filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]).map(([lang, v]) => ({ lang, score: v / total }))
  const [top, second] = ranked
  if (top === undefined) return null
  // how far ahead the top language is, scaled by how much evidence there was (a 20-letter text is little)
  const amount = Math.min(1, total)
  const confidence = (top.score - (second?.score ?? 0)) * amount
  return { lang: top.lang, confidence, confident: confidence >= MIN_CONFIDENCE, ranked }
}
