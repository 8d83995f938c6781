/**
 * Business knowledge for the HTL: an organization's profile (with all catalog prices, for the
 * price guardrail) and, per turn, the few products and FAQs that match Analyze's knowledge query
 * (Postgres full-text search), so a prompt carries only what it needs. Every query is scoped by
 * organization_id.
 */
import { Context, Effect, Layer, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { OrganizationId } from "../domain/ids.ts"
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

interface ProfileRow {
  readonly businessName: string
  readonly description: string
  readonly tone: string
  readonly languages: ReadonlyArray<string>
  readonly policies: string
  readonly timezone: string
  readonly followupMax24h: number
  readonly followupMaxTotal: number
  readonly followupMinMinutes: number
  readonly followupMaxMinutes: number
  readonly followupTemplateName: string | null
}
interface ProductRow {
  readonly name: string
  readonly description: string
  readonly price: string | null
  readonly currency: string | null
}

const unavailable = (e: { readonly message: string }) => new KnowledgeUnavailable({ reason: e.message.slice(0, 200) })

const toProduct = (r: ProductRow): Product => ({
  name: r.name,
  description: r.description,
  price: r.price === null ? null : Number(r.price),
  currency: r.currency
})

export const makeSqlKnowledge = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  const profile = Effect.fn("Knowledge.profile")(function*(organizationId: OrganizationId) {
    const rows = yield* sql<ProfileRow>`
      SELECT business_name, description, tone, languages, policies, timezone, followup_max_24h AS followup_max24h,
             followup_max_total, followup_min_minutes, followup_max_minutes, followup_template_name
      FROM business_profiles WHERE organization_id = ${organizationId}`
    const prices = yield* sql<{ readonly price: string; readonly currency: string | null }>`
      SELECT DISTINCT price, currency FROM business_products
      WHERE organization_id = ${organizationId} AND price IS NOT NULL`
    const base = defaultProfile(organizationId)
    const row = rows[0]
    const catalogPrices = prices.map((p) => ({ amount: Number(p.price), currency: p.currency }))
    if (row === undefined) return { ...base, catalogPrices }
    const { followupTemplateName, ...rest } = row
    return { ...base, ...rest, languages: [...row.languages], hasFollowupTemplate: followupTemplateName !== null, catalogPrices }
  }, Effect.mapError(unavailable))

  const search = Effect.fn("Knowledge.search")(function*(organizationId: OrganizationId, query: string, limit = 3) {
    const tsquery = toTsQuery(query)
    if (tsquery === null) return emptyExcerpt
    const products = yield* sql<ProductRow>`
      SELECT name, description, price::text AS price, currency
      FROM business_products
      WHERE organization_id = ${organizationId} AND search @@ to_tsquery('simple', ${tsquery})
      ORDER BY ts_rank(search, to_tsquery('simple', ${tsquery})) DESC, name
      LIMIT ${limit}`
    const faqs = yield* sql<Faq>`
      SELECT question, answer FROM business_faqs
      WHERE organization_id = ${organizationId} AND search @@ to_tsquery('simple', ${tsquery})
      ORDER BY ts_rank(search, to_tsquery('simple', ${tsquery})) DESC, question
      LIMIT ${limit}`
    return { products: products.map(toProduct), faqs: [...faqs] }
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
