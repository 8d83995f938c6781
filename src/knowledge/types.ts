/** A business's knowledge as the HTL sees it: the profile excerpt, catalog prices, selected items. */
import { Schema } from "effect"
import { OrganizationId } from "../domain/ids.ts"
import { FollowUpLimitColumns, ProfileTextColumns, ReplyLimitColumns } from "../domain/businessProfile.ts"

export const CatalogPrice = Schema.Struct({ amount: Schema.Finite, currency: Schema.NullOr(Schema.String) })
export type CatalogPrice = typeof CatalogPrice.Type

export const Product = Schema.Struct({
  name: Schema.String,
  description: Schema.String,
  price: Schema.NullOr(Schema.Finite),
  currency: Schema.NullOr(Schema.String)
})
export type Product = typeof Product.Type

export const Faq = Schema.Struct({ question: Schema.String, answer: Schema.String })
export type Faq = typeof Faq.Type

/** A call to action the business offers ("book_demo": "Book a 20-minute demo", https://…). */
export const CallToAction = Schema.Struct({ key: Schema.String, label: Schema.String, url: Schema.NullOr(Schema.String) })
export type CallToAction = typeof CallToAction.Type

export const BusinessProfile = Schema.Struct({
  organizationId: OrganizationId,
  ...ProfileTextColumns,
  ...FollowUpLimitColumns,
  /** A template exists for messages outside the 24-hour window. */
  hasFollowupTemplate: Schema.Boolean,
  /** Every price of the catalog (product rows). */
  catalogPrices: Schema.Array(CatalogPrice),
  /** The business's FAQs (the first 200): prices, offers and facts it wrote there may be quoted. */
  faqs: Schema.Array(Faq),
  /** The business's products (the first 200): their names are not language evidence, their words may be quoted. */
  products: Schema.Array(Product),
  /** Its own acknowledgement when a lead is handed to a person, per language ({"es": "…"}); defaults otherwise. */
  handoffMessages: Schema.Record(Schema.String, Schema.String),
  /** A reply's limits (seed: max_words, questions_per_message). */
  ...ReplyLimitColumns,
  /** The calls to action the assistant may offer; none: Decide's free text is kept. */
  ctas: Schema.Array(CallToAction)
})
export type BusinessProfile = typeof BusinessProfile.Type

/** What a knowledge query selected for one turn's prompt. */
export const KnowledgeExcerpt = Schema.Struct({
  products: Schema.Array(Product),
  faqs: Schema.Array(Faq)
})
export type KnowledgeExcerpt = typeof KnowledgeExcerpt.Type

export const emptyExcerpt: KnowledgeExcerpt = { products: [], faqs: [] }
