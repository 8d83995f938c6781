/**
 * The realistic guardrail corpus of test/fixtures/guardrails/: eight businesses, and per language
 * lead bursts with a correct reply (must pass every check) and drafts that break one rule each
 * (must be caught). Decoded with Schema; each case becomes the TurnContext a real turn would see.
 */
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { DateTime, Schema } from "effect"
import { ConversationId, OrganizationId } from "../../src/domain/ids.ts"
import { MessageFrom } from "../../src/domain/enums.ts"
import type { TurnContext } from "../../src/htl/types.ts"
import { defaultProfile } from "../../src/knowledge/Knowledge.ts"
import { type BusinessProfile, Faq, Product } from "../../src/knowledge/types.ts"

export const CORPUS_DIR = new URL("../fixtures/guardrails/", import.meta.url).pathname

const Business = Schema.Struct({
  businessName: Schema.String,
  description: Schema.String,
  tone: Schema.String,
  languages: Schema.Array(Schema.String),
  policies: Schema.String,
  timezone: Schema.String,
  products: Schema.Array(Product),
  faqs: Schema.Array(Faq)
})

const Turn = {
  id: Schema.String,
  business: Schema.String,
  leadName: Schema.optional(Schema.NullOr(Schema.String)),
  history: Schema.optional(Schema.Array(Schema.Struct({ from: MessageFrom, text: Schema.String }))),
  lead: Schema.Array(Schema.String),
  note: Schema.optional(Schema.String)
}

export const Rule = Schema.Literals(["max_words", "max_questions", "language", "claims_human", "guarantee", "unlisted_price"])
export type Rule = typeof Rule.Type

const CorpusFile = Schema.Struct({
  language: Schema.String,
  cases: Schema.Array(Schema.Struct({ ...Turn, reply: Schema.String, language: Schema.String })),
  violations: Schema.Array(Schema.Struct({ ...Turn, draft: Schema.String, rule: Rule }))
})

export interface CorpusCase {
  /** The file's language ("hinglish" file: "hi-Latn"). */
  readonly group: string
  /** "main", or "holdout": written later by other hands and first run untuned (README, "Guardrails"). */
  readonly part: "main" | "holdout"
  readonly id: string
  readonly context: TurnContext
  readonly text: string
  /** Correct replies: the language the reply is written in. */
  readonly language: string | null
  /** Violations: the rule the draft breaks. */
  readonly rule: Rule | null
  readonly note: string
}

const ORG = OrganizationId.make("00000000-0000-4000-8000-0000000c0c01")
const CONVERSATION = ConversationId.make("00000000-0000-4000-8000-0000000c0c02")
const NOW = DateTime.makeUnsafe(Date.UTC(2026, 10, 18, 11, 0))
const at = (minutesAgo: number) => DateTime.makeUnsafe(Date.UTC(2026, 10, 18, 11, 0) - minutesAgo * 60_000)

const profileOf = (b: typeof Business.Type): BusinessProfile => ({
  ...defaultProfile(ORG),
  businessName: b.businessName,
  description: b.description,
  tone: b.tone,
  languages: [...b.languages],
  policies: b.policies,
  timezone: b.timezone,
  hasFollowupTemplate: true,
  catalogPrices: b.products.flatMap((p) => (p.price === null ? [] : [{ amount: p.price, currency: p.currency }])),
  faqs: b.faqs,
  products: b.products
})

const read = (file: string): unknown => JSON.parse(readFileSync(join(CORPUS_DIR, file), "utf8"))
const decodeBusinesses = Schema.decodeUnknownSync(Schema.Record(Schema.String, Business))
const decodeFile = Schema.decodeUnknownSync(CorpusFile)

export const loadBusinesses = (): ReadonlyMap<string, BusinessProfile> =>
  new Map(Object.entries(decodeBusinesses(read("businesses.json"))).map(([k, b]) => [k, profileOf(b)]))

export const loadCorpus = (): ReadonlyArray<CorpusCase> => {
  const businesses = loadBusinesses()
  const list = (dir: string) => readdirSync(join(CORPUS_DIR, dir)).filter((f) => f.endsWith(".json") && f !== "businesses.json").sort()
  const files = [...list(".").map((f) => ({ file: f, part: "main" as const })), ...list("holdout").map((f) => ({ file: join("holdout", f), part: "holdout" as const }))]
  return files.flatMap(({ file, part }) => {
    const data = decodeFile(read(file))
    const contextOf = (t: { readonly business: string; readonly leadName?: string | null | undefined; readonly history?: ReadonlyArray<{ readonly from: MessageFrom; readonly text: string }> | undefined; readonly lead: ReadonlyArray<string> }): TurnContext => {
      const profile = businesses.get(t.business)
      if (profile === undefined) throw new Error(`${file}: unknown business "${t.business}"`)
      const history = t.history ?? []
      return {
        organizationId: ORG,
        conversationId: CONVERSATION,
        trigger: "lead_message",
        profile,
        leadName: t.leadName ?? null,
        rollingSummary: "",
        history: history.map((m, i) => ({ from: m.from, text: m.text, at: at(60 - i) })),
        burst: t.lead.map((text, i) => ({ from: "LEAD", text, at: at(5 - i) })),
        stage: "qualification",
        intentLevel: "unknown",
        sentiment: "neutral",
        timing: { now: NOW, windowOpen: true },
        nudges: { followupCount24h: 0, totalNudges: 0 },
        conversationLanguage: null
      }
    }
    return [
      ...data.cases.map((c): CorpusCase => ({
        group: data.language, part, id: c.id, context: contextOf(c), text: c.reply, language: c.language, rule: null, note: c.note ?? ""
      })),
      ...data.violations.map((v): CorpusCase => ({
        group: data.language, part, id: v.id, context: contextOf(v), text: v.draft, language: null, rule: v.rule, note: v.note ?? ""
      }))
    ]
  })
}
