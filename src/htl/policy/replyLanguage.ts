/**
 * Which language a reply must be in, and whether a draft is. The lead's language comes from what
 * the lead wrote, with confidence; when the burst shows none ("ok", "👍", a code), the language
 * the conversation already had, else the business's first language. A draft is held back only
 * when it is confidently in a language the lead did not use.
 */
import { clip, SHOWN_CHARS, shownBurst } from "../prompts/render.ts"
import type { TurnContext } from "../types.ts"
import { personName } from "./cleaning.ts"
import { detect, type Detection, DRAFT_EXTRA, HINGLISH, RELIABLE, type Scorer } from "./language.ts"

export interface LanguageTarget {
  /** What the reply is asked to be written in. */
  readonly code: string
  /** Where that came from: the lead's messages, the conversation so far, or the business (unsure). */
  readonly source: "lead" | "conversation" | "business"
  /** A draft confidently in any of these passes. */
  readonly accepted: ReadonlyArray<string>
}

export interface LanguageEvidence {
  /** The lead's messages of this burst the prompts show, oldest first. */
  readonly burst: ReadonlyArray<string>
  /** Earlier lead messages, oldest first. */
  readonly earlierLead: ReadonlyArray<string>
  /** Earlier messages of the bot and the team, oldest first (the language the conversation had). */
  readonly earlierOurs: ReadonlyArray<string>
  /** The language the conversation settled on in earlier turns, if known. */
  readonly conversationLanguage: string | null
  readonly businessLanguages: ReadonlyArray<string>
  /** Words that are no evidence of a language: the lead's, the business's and its products' names. */
  readonly names: ReadonlyArray<string>
}

const unique = (xs: ReadonlyArray<string>) => [...new Set(xs)]

/** Languages that are one another's fair answer: a Hinglish lead may get English or Hindi. */
const kin = (code: string, businessLanguages: ReadonlyArray<string>): ReadonlyArray<string> => {
  if (code === HINGLISH) return [HINGLISH, "en", "hi"]
  if (code === "hi") return ["hi", HINGLISH]
  if (code === "en" && businessLanguages.includes("hi")) return ["en", HINGLISH]
  return [code]
}

export const candidatesFor = (businessLanguages: ReadonlyArray<string>) => unique([...businessLanguages, ...RELIABLE])

/**
 * A language with this share of a lead's mixed text is one the lead used too; the business's home
 * language needs less ("we need catering x un evento" may be answered in Italian by a Milan caterer).
 */
const MIXED_SHARE = 0.35
const MIXED_SHARE_HOME = 0.1

export const replyLanguage = (scorer: Scorer, e: LanguageEvidence): LanguageTarget => {
  const candidates = candidatesFor(e.businessLanguages)
  const expected = [...e.businessLanguages, ...(e.conversationLanguage === null ? [] : [e.conversationLanguage])]
  const look = (texts: ReadonlyArray<string>) =>
    texts.length === 0 ? null : detect(scorer, texts.join("\n"), { candidates, names: e.names, expected })
  // the newest messages first: a lead who switched language mid-burst is answered in the new one
  let fromBurst: Detection | null = null
  for (let n = 1; n <= e.burst.length && fromBurst?.confident !== true; n++) fromBurst = look(e.burst.slice(-n))
  const whole = e.burst.length > 1 ? look(e.burst) : fromBurst
  // what the lead wrote in, even unsure or mixed ("we need catering x un evento"): never held against a draft
  const used = [...(fromBurst === null ? [] : [fromBurst.lang]), ...(whole?.ranked ?? [])
    .filter((r) => r.score >= (r.lang === e.businessLanguages[0] ? MIXED_SHARE_HOME : MIXED_SHARE))
    .map((r) => r.lang)]
  const target = (code: string, source: LanguageTarget["source"], extra: ReadonlyArray<string>): LanguageTarget => ({
    code,
    source,
    accepted: unique([...kin(code, e.businessLanguages), ...used.flatMap((l) => kin(l, e.businessLanguages)), ...extra])
  })
  if (fromBurst?.confident === true) return target(fromBurst.lang, "lead", [])
  const fromLead = look([...e.earlierLead, ...e.burst])
  if (fromLead?.confident === true) return target(fromLead.lang, "lead", [])
  const settled: Detection | null = e.conversationLanguage === null
    ? look(e.earlierOurs)
    : { lang: e.conversationLanguage, confidence: 1, confident: true, ranked: [] }
  if (settled?.confident === true) return target(settled.lang, "conversation", [])
  return target(e.businessLanguages[0] ?? "en", "business", [...e.businessLanguages, ...(fromLead === null ? [] : [fromLead.lang])])
}

export type LanguageCheck =
  | { readonly ok: true; readonly detected: string | null }
  | { readonly ok: false; readonly detected: string }

/** Whether `draft` may go to a lead whose reply language is `target`. Unsure never fails. */
export const checkLanguage = (
  scorer: Scorer,
  draft: string,
  target: LanguageTarget,
  businessLanguages: ReadonlyArray<string>,
  names: ReadonlyArray<string>
): LanguageCheck => {
  const candidates = unique([...candidatesFor(businessLanguages), ...DRAFT_EXTRA, ...target.accepted])
  const found = detect(scorer, draft, { candidates, names, expected: target.accepted, chatWords: false })
  if (found === null || !found.confident || target.accepted.includes(found.lang)) return { ok: true, detected: found?.lang ?? null }
  return { ok: false, detected: found.lang }
}

const NAMES: Readonly<Record<string, string>> = {
  en: "English", es: "Spanish", pt: "Portuguese", fr: "French", de: "German", it: "Italian", id: "Indonesian",
  nl: "Dutch", hi: "Hindi", ar: "Arabic", ru: "Russian", tr: "Turkish", pl: "Polish", ms: "Malay", zh: "Chinese",
  ja: "Japanese", ko: "Korean", [HINGLISH]: "Hinglish (Hindi in Latin letters, mixed with English)"
}

/** "Spanish (es)", for prompts and audit details. */
export const languageName = (code: string) => (NAMES[code] === undefined ? code : `${NAMES[code]} (${code})`)

/** The instruction for Generate: never a language the lead did not write in, stated as certain. */
export const languageInstruction = (target: LanguageTarget) => {
  switch (target.source) {
    case "lead":
      return `write in ${languageName(target.code)}, the lead's language`
    case "conversation":
      return `write in ${languageName(target.code)}, the language of this conversation`
    case "business":
      return `write in the language the lead writes in; if it is unclear, in ${languageName(target.code)}`
  }
}

/** What a turn knows about the languages in play. */
export const evidenceOf = (ctx: TurnContext, excerptNames: ReadonlyArray<string> = []): LanguageEvidence => ({
  // what the prompts show of the burst (the model answers that): a lead's long paste is read once, not whole
  burst: shownBurst(ctx.burst.filter((m) => m.from === "LEAD")).map((m) => clip(m.text, SHOWN_CHARS)),
  earlierLead: ctx.history.filter((m) => m.from === "LEAD").map((m) => m.text),
  earlierOurs: ctx.history.filter((m) => m.from !== "LEAD").map((m) => m.text),
  conversationLanguage: ctx.conversationLanguage,
  businessLanguages: ctx.profile.languages,
  names: [
    ...(ctx.leadName === null ? [] : personName(ctx.leadName)),
    ctx.profile.businessName,
    ...ctx.profile.products.map((p) => p.name),
    ...excerptNames
  ].filter((n) => n.trim() !== "")
})
