/**
 * Matching phrases in chat text, in several languages: Unicode word boundaries, clauses, and
 * negation ("we can't guarantee", "no podemos garantizar", "guarantee hum nahi de sakte").
 */

/**
 * A letter or digit, for word boundaries: ASCII letters and digits, then whole blocks — Latin with
 * every accent (and combining marks: a decomposed "é" stays one word), Greek, Cyrillic, Armenian,
 * Hebrew, Arabic, the Indic scripts, Thai, Georgian, Hangul, Vietnamese's Latin, kana and CJK,
 * full-width forms — less the sentence marks inside them (Greek, Arabic, the Devanagari danda).
 * Not `[\p{L}\p{N}]`: V8 drops a pattern's compiled code at major garbage collections and compiles
 * it again on its next use, and with that class in four lookarounds per boundary the guardrails'
 * patterns took 200–400 ms to compile — a stall of the whole process in the middle of a turn,
 * several times a minute under load (README "Benchmarks"). With a few ranges: about 25 ms (and
 * 0.3 ms to check a draft, from 0.1). Case-insensitivity is off inside the class (`(?-i:…)`):
 * the ranges are closed under case already, and V8 need not compute their case closure at each
 * compile.
 */
const W = "(?-i:[0-9A-Za-z\\u00AA\\u00B5\\u00BA\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u037D\\u037F-\\u0386\\u0388-\\u060B\\u060D-\\u061A" +
  "\\u061C-\\u061E\\u0620-\\u0963\\u0966-\\u1FFF\\u3040-\\u9FFF\\uAC00-\\uD7AF\\uFF10-\\uFF5A])"

const BOUNDARY = `(?:(?<=${W})(?!${W})|(?<!${W})(?=${W}))`

/**
 * Each pattern's twin without its boundaries. A boundary only narrows what a pattern matches, so
 * where the twin finds nothing the pattern finds nothing either — and the twin is cheap: the
 * boundary's lookarounds, tried at every position of the text, were most of a draft check's time
 * (README "Benchmarks"), while without them V8 scans for the pattern's words directly. Most texts
 * match none of a list's patterns, so most patterns never run.
 */
const loose = new WeakMap<RegExp, RegExp>()

/** `\b` is ASCII-only in JS regexps, even with /u: make it a boundary of the letters and digits above. */
export const unicodeWords = (p: RegExp) => {
  const flags = p.flags.includes("u") ? p.flags : `${p.flags}u`
  const exact = new RegExp(p.source.replaceAll("\\b", BOUNDARY), flags)
  loose.set(exact, new RegExp(p.source.replaceAll("\\b", ""), flags.replace("g", "")))
  return exact
}

/** False when `p` (made by `unicodeWords`) cannot match `text`; true when it may. */
export const mayMatch = (p: RegExp, text: string): boolean => loose.get(p)?.test(text) ?? true

/** Words that negate what follows them in the same clause. */
const NEGATIONS = new Set(
  ("not no never cannot can't cant don't dont won't wont isn't doesn't didn't nobody nothing neither nor without " +
    "nunca ni tampoco nadie nada ningún ninguna ninguno " +
    "não nao nem nenhum nenhuma ninguém " +
    "ne n' pas jamais rien aucun aucune sans " +
    "nicht kein keine keinen keiner keinem nie niemals niemand ohne " +
    "non nn mai nessun nessuno nessuna niente senza " +
    "tidak tak ga gak nggak enggak engga gk bukan belum tanpa " +
    "nahi nahin nhi mat").split(" ")
)
/** Hindi puts the negation after the verb ("guarantee hum nahi de sakte", "bot nahi hoon"). */
const HINDI_AFTER = ["nahi", "nahin", "nhi", "mat"]
/** So does German, after a verb ("garantieren können wir keinen Platz") — not after a noun ("KI-Assistent … nicht"). */
const GERMAN_AFTER = ["nicht", "kein", "keine", "keinen", "keiner", "keinem"]
export const AFTER_NOUN: ReadonlySet<string> = new Set(HINDI_AFTER)
export const AFTER_VERB: ReadonlySet<string> = new Set([...HINDI_AFTER, ...GERMAN_AFTER])
/** Words after a phrase searched for a negation, within its clause. */
const WINDOW_AFTER = 8

/** Clause marks: punctuation, and emoji (chat's full stop). */
const CLAUSE_END = /[.!?;:,\n…]|\p{Extended_Pictographic}/u
const CLAUSE_TAIL = new RegExp(`(?:${CLAUSE_END.source})(?:(?!${CLAUSE_END.source})[\\s\\S])*$`, "u")

const wordsOf = (s: string) =>
  s.toLowerCase().replace(/’/g, "'").split(/[^\p{L}\p{M}']+/u).flatMap((w) => (w.startsWith("n'") ? ["n'", w.slice(2)] : [w])).filter((w) => w !== "")

/** The clause around a match: its text before the match, and after it up to the next clause mark. */
const clauseAround = (text: string, start: number, end: number) => {
  const head = text.slice(0, start)
  const tail = text.slice(end)
  const lastMark = CLAUSE_TAIL.exec(head)
  const nextMark = CLAUSE_END.exec(tail)
  return {
    before: lastMark === null ? head : head.slice(lastMark.index),
    after: nextMark === null ? tail : tail.slice(0, nextMark.index)
  }
}

/** Whether the phrase at [start, end) is negated: a negation up to `window` words before it in its clause (Hindi, German: after it). */
export const isNegated = (text: string, start: number, end: number, after: ReadonlySet<string> = AFTER_VERB, window = 4) => {
  const clause = clauseAround(text, start, end)
  const b = wordsOf(clause.before).slice(-window)
  const a = wordsOf(clause.after).slice(0, WINDOW_AFTER)
  return b.some((w) => NEGATIONS.has(w) || w.endsWith("n't")) || a.some((w) => after.has(w))
}

/** Whether the match at `index` starts its sentence (after optional interjection-like emoji or punctuation). */
export const startsSentence = (text: string, index: number) => {
  let i = index - 1
  while (i >= 0 && !/[.!?\n…]/u.test(text[i] ?? "") && !/[\p{L}\p{N}]/u.test(text[i] ?? "")) i--
  return i < 0 || /[.!?\n…]/u.test(text[i] ?? "")
}

export interface Found {
  readonly phrase: string
  readonly start: number
  readonly end: number
}

/** Each pattern's global twin, made once (patterns are module constants). */
const globals = new WeakMap<RegExp, RegExp>()
export const globalOf = (p: RegExp) => {
  let g = globals.get(p)
  if (g === undefined) {
    g = new RegExp(p.source, p.flags.includes("g") ? p.flags : `${p.flags}g`)
    globals.set(p, g)
  }
  return g
}

/** Every match of every pattern (global matching), in text order. */
export const findAll = (patterns: ReadonlyArray<RegExp>, text: string): ReadonlyArray<Found> =>
  patterns
    .flatMap((p) => (mayMatch(p, text) ? [...text.matchAll(globalOf(p))] : []))
    .map((m) => ({ phrase: m[0].trim(), start: m.index, end: m.index + m[0].length }))
    .sort((a, b) => a.start - b.start)

/** Each list's patterns' twins as one alternation (made once per list). */
const gates = new WeakMap<ReadonlyArray<RegExp>, RegExp | null>()
/** False when none of `patterns` (made by `unicodeWords`) can match `text`: one scan instead of one a pattern. */
export const mayMatchAny = (patterns: ReadonlyArray<RegExp>, text: string): boolean => {
  let gate = gates.get(patterns)
  if (gate === undefined) {
    const twins = patterns.map((p) => loose.get(p))
    gate = twins.every((t) => t !== undefined && t.flags === twins[0]?.flags)
      ? new RegExp(twins.map((t) => `(?:${t?.source})`).join("|"), twins[0]?.flags)
      : null
    gates.set(patterns, gate)
  }
  return gate === null || gate.test(text)
}
