/**
 * Business knowledge for the HTL: an organization's profile (with all catalog prices, for the
 * price guardrail) and, per turn, the few products and FAQs that match Analyze's knowledge query
 * (Postgres full-text search), so a prompt carries only what it needs. Every query is scoped by
 * organization_id.
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import { SqlClient, SqlSchema } from "effect/sql"
import { OrganizationId } from "../domain/ids.ts"
import { toTsQuery } from "./query.ts"
import { type BusinessProfile, CallToAction, emptyExcerpt, type Faq, type KnowledgeExcerpt, type Product } from "./types.ts"
import { FollowUpLimitColumns, FollowUpTemplateColumns, ProfileTextColumns, ReplyLimitColumns } from "../domain/businessProfile.ts"

export class KnowledgeUnavailable extends Schema.TaggedError<KnowledgeUnavailable>()("KnowledgeUnavailable", {
  reason: Schema.String
}) {}

export interface KnowledgeShape {
  /**
   * The profile; an organization without a row gets the schema defaults. `revision`: the
   * organization's knowledge revision as the caller read it (a turn's snapshot): a profile read at
   * that revision may be answered from memory. Without it, the profile is read.
   */
  readonly profile: (organizationId: OrganizationId, revision?: number) => Effect.Effect<BusinessProfile, KnowledgeUnavailable>
  /** Up to `limit` products and `limit` FAQs ranked by full-text match on `query`. */
  readonly search: (organizationId: OrganizationId, query: string, limit?: number) => Effect.Effect<KnowledgeExcerpt, KnowledgeUnavailable>
}

export const defaultProfile = (organizationId: OrganizationId): BusinessProfile => ({
  organizationId,
  businessName: "",
  description: "",
  tone: "friendly, concise, professional",
  languages: ["en"],
  policies: "",
  timezone: "UTC",
  followupMax24h: 2,
  followupMaxTotal: 5,
  followupMinMinutes: 30,
  followupMaxMinutes: 2880,
  hasFollowupTemplate: false,
  catalogPrices: [],
  faqs: [],
  products: [],
  handoffMessages: {},
  maxWords: 80,
  maxQuestions: 1,
  ctas: []
})

/** FAQs and products a profile carries (the rest stay searchable, not quotable by the guardrails). */
const MAX_ITEMS = 200

const ProfileRow = Schema.Struct({
  ...ProfileTextColumns,
  ...FollowUpLimitColumns,
  followupTemplateName: FollowUpTemplateColumns.followupTemplateName,
  handoffMessages: Schema.Record(Schema.String, Schema.String),
  ...ReplyLimitColumns,
  ctas: Schema.Array(CallToAction)
})
/** numeric(14,2) comes back as text: decoded to a number here, at the edge. */
const PriceRow = Schema.Struct({ price: Schema.FiniteFromString, currency: Schema.NullOr(Schema.String) })
const ProductRow = Schema.Struct({
  name: Schema.String,
  description: Schema.String,
  price: Schema.NullOr(Schema.FiniteFromString),
  currency: Schema.NullOr(Schema.String)
})
const FaqRow = Schema.Struct({ question: Schema.String, answer: Schema.String })
/** The organization with its profile row (when there is one) and all it wrote, in one round trip. */
const OrganizationRow = Schema.Struct({
  knowledgeRevision: Schema.Int,
  profile: Schema.NullOr(ProfileRow),
  prices: Schema.Array(PriceRow),
  faqs: Schema.Array(FaqRow),
  products: Schema.Array(ProductRow)
})
const SearchRequest = Schema.Struct({ organizationId: OrganizationId, tsquery: Schema.String, limit: Schema.Int })
const SearchRow = Schema.Struct({ products: Schema.Array(ProductRow), faqs: Schema.Array(FaqRow) })

/**
 * The text of the profiles kept in memory, at most (characters: a catalog of 200 long product
 * descriptions is ≈ 0.4 M; a typical profile a few thousand).
 */
const REMEMBERED_CHARS = 4_000_000

/** About how much text a profile holds (what it costs to keep). */
const textOf = (p: BusinessProfile) =>
  p.businessName.length + p.description.length + p.policies.length + p.tone.length + 500 +
  p.products.reduce((n, x) => n + x.name.length + x.description.length + 50, 0) +
  p.faqs.reduce((n, x) => n + x.question.length + x.answer.length + 20, 0)

/**
 * The profile last read per organization and the knowledge revision it is good for, so a turn
 * whose snapshot shows the same revision takes it from memory (and the same object: what is
 * derived from it is kept per object, src/htl/policy/facts.ts). The least recently used go first
 * once the profiles kept hold more than REMEMBERED_CHARS characters of text.
 */
export const makeProfileMemory = () => {
  const kept = new Map<OrganizationId, { readonly revision: number; readonly profile: BusinessProfile; readonly chars: number }>()
  let chars = 0
  const forget = (organizationId: OrganizationId) => {
    const entry = kept.get(organizationId)
    if (entry === undefined) return
    kept.delete(organizationId)
    chars -= entry.chars
  }
  return {
    get: (organizationId: OrganizationId, revision: number): BusinessProfile | undefined => {
      const entry = kept.get(organizationId)
      if (entry === undefined || entry.revision !== revision) return undefined
      kept.delete(organizationId) // most recently used last
      kept.set(organizationId, entry)
      return entry.profile
    },
    /** `profile` is good for `revision` (undefined: for none — an organization that is gone) */
    keep: (organizationId: OrganizationId, revision: number | undefined, profile: BusinessProfile) => {
      forget(organizationId)
      const size = textOf(profile)
      if (revision === undefined || size > REMEMBERED_CHARS) return
      kept.set(organizationId, { revision, profile, chars: size })
      chars += size
      for (const oldest of kept.keys()) {
        if (chars <= REMEMBERED_CHARS) break
        forget(oldest)
      }
    }
  }
}

const unavailable = (e: { readonly message: string }) => new KnowledgeUnavailable({ reason: e.message.slice(0, 200) })

export const makeSqlKnowledge = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  const organization = SqlSchema.findOneOption({
    Request: OrganizationId,
    Result: OrganizationRow,
    execute: (organizationId) => sql`
      SELECT o.knowledge_revision,
        (SELECT json_build_object(
            'businessName', p.business_name, 'description', p.description, 'tone', p.tone, 'languages', p.languages,
            'policies', p.policies, 'timezone', p.timezone, 'followupMax24h', p.followup_max_24h,
            'followupMaxTotal', p.followup_max_total, 'followupMinMinutes', p.followup_min_minutes,
            'followupMaxMinutes', p.followup_max_minutes, 'followupTemplateName', p.followup_template_name,
            'handoffMessages', p.handoff_messages, 'maxWords', p.max_words, 'maxQuestions', p.max_questions,
            'ctas', p.ctas)
         FROM business_profiles p WHERE p.organization_id = o.id) AS profile,
        (SELECT coalesce(json_agg(json_build_object('price', x.price::text, 'currency', x.currency)), '[]')
         FROM (SELECT DISTINCT price, currency FROM business_products
               WHERE organization_id = o.id AND price IS NOT NULL) x) AS prices,
        (SELECT coalesce(json_agg(json_build_object('question', f.question, 'answer', f.answer)), '[]')
         FROM (SELECT question, answer FROM business_faqs WHERE organization_id = o.id
               ORDER BY created_at, id LIMIT ${MAX_ITEMS}) f) AS faqs,
        (SELECT coalesce(json_agg(json_build_object('name', b.name, 'description', b.description,
                                                    'price', b.price::text, 'currency', b.currency)), '[]')
         FROM (SELECT name, description, price, currency FROM business_products WHERE organization_id = o.id
               ORDER BY created_at, id LIMIT ${MAX_ITEMS}) b) AS products
      FROM organizations o WHERE o.id = ${organizationId}`
  })
  /**
   * The best products and FAQs for a query, in one statement (one connection and one round trip
   * a turn's lookup, where two queries side by side took two of the pool's connections).
   */
  const matches = SqlSchema.findOne({
    Request: SearchRequest,
    Result: SearchRow,
    execute: ({ organizationId, tsquery, limit }) => sql`
      SELECT
        (SELECT coalesce(json_agg(json_build_object('name', p.name, 'description', p.description,
                                                    'price', p.price::text, 'currency', p.currency)), '[]')
         FROM (SELECT name, description, price, currency FROM business_products
               WHERE organization_id = ${organizationId} AND search @@ q
               ORDER BY ts_rank(search, q) DESC, name LIMIT ${limit}) p) AS products,
        (SELECT coalesce(json_agg(json_build_object('question', f.question, 'answer', f.answer)), '[]')
         FROM (SELECT question, answer FROM business_faqs
               WHERE organization_id = ${organizationId} AND search @@ q
               ORDER BY ts_rank(search, q) DESC, question LIMIT ${limit}) f) AS faqs
      FROM to_tsquery('simple', ${tsquery}) AS q`
  })

  const read = Effect.fnUntraced(function*(organizationId: OrganizationId) {
    const base = defaultProfile(organizationId)
    const found = yield* organization(organizationId)
    if (Option.isNone(found)) return { revision: undefined, profile: base }
    const { knowledgeRevision: revision, profile: row, prices, faqs, products } = found.value
    const written = {
      catalogPrices: prices.map((p) => ({ amount: p.price, currency: p.currency })),
      faqs,
      products
    }
    if (row === null) return { revision, profile: { ...base, ...written } }
    const { followupTemplateName, ...rest } = row
    return { revision, profile: { ...base, ...rest, languages: [...rest.languages], hasFollowupTemplate: followupTemplateName !== null, ...written } }
  })

  const memory = makeProfileMemory()
  const profile = Effect.fn("Knowledge.profile")(function*(organizationId: OrganizationId, revision?: number) {
    const kept = revision === undefined ? undefined : memory.get(organizationId, revision)
    if (kept !== undefined) return kept
    const fresh = yield* read(organizationId)
    // the revision and the profile come from one statement, so they agree
    memory.keep(organizationId, fresh.revision, fresh.profile)
    return fresh.profile
  }, Effect.mapError(unavailable))

  const search = Effect.fn("Knowledge.search")(function*(organizationId: OrganizationId, query: string, limit = 3) {
    const tsquery = toTsQuery(query)
    if (tsquery === null) return emptyExcerpt
    return yield* matches({ organizationId, tsquery, limit })
  }, Effect.mapError(unavailable))

  return { profile, search } satisfies KnowledgeShape
})

/** In-memory knowledge (benches, eval, tests without a database): naive word matching. */
export const makeMemoryKnowledge = (profile: BusinessProfile, products: ReadonlyArray<Product>, faqs: ReadonlyArray<Faq>): KnowledgeShape => {
  const matches = (query: string, text: string) => {
    const q = toTsQuery(query)
    if (q === null) return 0
    const words = text.toLowerCase().split(/[^\p{L}\p{N}]+/u)
    return q.split(" | ").map((t) => t.slice(0, -2)).filter((t) => words.some((w) => w.startsWith(t))).length
  }
  const top = <A>(items: ReadonlyArray<A>, text: (a: A) => string, query: string, limit: number) =>
    items.map((a) => ({ a, score: matches(query, text(a)) })).filter((x) => x.score > 0)
      .sort((x, y) => y.score - x.score).slice(0, limit).map((x) => x.a)
  return {
    profile: (organizationId) => Effect.succeed({ ...profile, organizationId, faqs: faqs.slice(0, MAX_ITEMS), products: products.slice(0, MAX_ITEMS) }),
    search: (_, query, limit = 3) =>
      Effect.succeed({
        products: top(products, (p) => `${p.name} ${p.description}`, query, limit),
        faqs: top(faqs, (f) => `${f.question} ${f.answer}`, query, limit)
      })
  }
}

export class Knowledge extends Context.Service<Knowledge, KnowledgeShape>()("wa/Knowledge") {
  static readonly layer = Layer.effect(Knowledge, Effect.map(makeSqlKnowledge, Knowledge.of))
  static readonly layerMemory = (profile: BusinessProfile, products: ReadonlyArray<Product>, faqs: ReadonlyArray<Faq>) =>
    Layer.succeed(Knowledge, Knowledge.of(makeMemoryKnowledge(profile, products, faqs)))
}
