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
import { type BusinessProfile, emptyExcerpt, type Faq, type KnowledgeExcerpt, type Product } from "./types.ts"

export class KnowledgeUnavailable extends Schema.TaggedError<KnowledgeUnavailable>()("KnowledgeUnavailable", {
  reason: Schema.String
}) {}

export interface KnowledgeShape {
  /** The profile; an organization without a row gets the schema defaults. */
  readonly profile: (organizationId: OrganizationId) => Effect.Effect<BusinessProfile, KnowledgeUnavailable>
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
  catalogPrices: []
})

const ProfileRow = Schema.Struct({
  businessName: Schema.String,
  description: Schema.String,
  tone: Schema.String,
  languages: Schema.Array(Schema.String),
  policies: Schema.String,
  timezone: Schema.String,
  followupMax24h: Schema.Int,
  followupMaxTotal: Schema.Int,
  followupMinMinutes: Schema.Int,
  followupMaxMinutes: Schema.Int,
  followupTemplateName: Schema.NullOr(Schema.String)
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
const SearchRequest = Schema.Struct({ organizationId: OrganizationId, tsquery: Schema.String, limit: Schema.Int })

const unavailable = (e: { readonly message: string }) => new KnowledgeUnavailable({ reason: e.message.slice(0, 200) })

export const makeSqlKnowledge = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  const profileRow = SqlSchema.findOneOption({
    Request: OrganizationId,
    Result: ProfileRow,
    execute: (organizationId) => sql`
      SELECT business_name, description, tone, languages, policies, timezone, followup_max_24h AS followup_max24h,
             followup_max_total, followup_min_minutes, followup_max_minutes, followup_template_name
      FROM business_profiles WHERE organization_id = ${organizationId}`
  })
  const prices = SqlSchema.findAll({
    Request: OrganizationId,
    Result: PriceRow,
    execute: (organizationId) => sql`
      SELECT DISTINCT price::text AS price, currency FROM business_products
      WHERE organization_id = ${organizationId} AND price IS NOT NULL`
  })
  const products = SqlSchema.findAll({
    Request: SearchRequest,
    Result: ProductRow,
    execute: ({ organizationId, tsquery, limit }) => sql`
      SELECT name, description, price::text AS price, currency
      FROM business_products
      WHERE organization_id = ${organizationId} AND search @@ to_tsquery('simple', ${tsquery})
      ORDER BY ts_rank(search, to_tsquery('simple', ${tsquery})) DESC, name
      LIMIT ${limit}`
  })
  const faqs = SqlSchema.findAll({
    Request: SearchRequest,
    Result: FaqRow,
    execute: ({ organizationId, tsquery, limit }) => sql`
      SELECT question, answer FROM business_faqs
      WHERE organization_id = ${organizationId} AND search @@ to_tsquery('simple', ${tsquery})
      ORDER BY ts_rank(search, to_tsquery('simple', ${tsquery})) DESC, question
      LIMIT ${limit}`
  })

  const profile = Effect.fn("Knowledge.profile")(function*(organizationId: OrganizationId) {
    const row = yield* profileRow(organizationId)
    const catalogPrices = (yield* prices(organizationId)).map((p) => ({ amount: p.price, currency: p.currency }))
    const base = defaultProfile(organizationId)
    if (Option.isNone(row)) return { ...base, catalogPrices }
    const { followupTemplateName, ...rest } = row.value
    return { ...base, ...rest, languages: [...rest.languages], hasFollowupTemplate: followupTemplateName !== null, catalogPrices }
  }, Effect.mapError(unavailable))

  const search = Effect.fn("Knowledge.search")(function*(organizationId: OrganizationId, query: string, limit = 3) {
    const tsquery = toTsQuery(query)
    if (tsquery === null) return emptyExcerpt
    const request = { organizationId, tsquery, limit }
    const [p, f] = yield* Effect.all([products(request), faqs(request)], { concurrency: 2 })
    return { products: p, faqs: f }
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
    profile: (organizationId) => Effect.succeed({ ...profile, organizationId }),
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
