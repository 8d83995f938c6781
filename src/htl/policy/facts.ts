/**
 * What the business wrote, as the guardrails and the prompt need it. "The business's text" is all
 * of it: description, policies, FAQ questions and answers, product rows. Any price or percentage
 * written anywhere there may be quoted; a guarantee it states itself may be repeated.
 */
import type { BusinessProfile, CatalogPrice, KnowledgeExcerpt } from "../../knowledge/types.ts"
import { hasPriceFact, percentagesIn, pricesIn } from "./prices.ts"

export interface BusinessFacts {
  /** Every amount the business wrote: catalog prices and amounts in its text. */
  readonly prices: ReadonlyArray<CatalogPrice>
  readonly percentages: ReadonlySet<number>
  /** All of its words, lower-cased (a guarantee it states may be repeated). */
  readonly text: string
  /** Its own name and its products' names: not evidence of a reply's language. */
  readonly names: ReadonlyArray<string>
}

const textsOf = (profile: BusinessProfile, excerpt: KnowledgeExcerpt) => [
  profile.description,
  profile.policies,
  ...[...profile.faqs, ...excerpt.faqs].flatMap((f) => [f.question, f.answer]),
  ...[...profile.products, ...excerpt.products].map((p) => `${p.name}: ${p.description}`)
]

export const businessFacts = (profile: BusinessProfile, excerpt: KnowledgeExcerpt): BusinessFacts => {
  const texts = textsOf(profile, excerpt)
  const products = [...profile.products, ...excerpt.products]
  return {
    prices: [
      ...profile.catalogPrices,
      ...products.flatMap((p) => (p.price === null ? [] : [{ amount: p.price, currency: p.currency }])),
      ...texts.flatMap(pricesIn)
    ],
    percentages: new Set(texts.flatMap(percentagesIn)),
    text: texts.join("\n").toLowerCase(),
    names: [profile.businessName, ...products.map((p) => p.name)].filter((n) => n.trim() !== "")
  }
}

/** Sentences of the description, policies and FAQ answers that state a price or a percentage. */
export const priceFacts = (profile: BusinessProfile): ReadonlyArray<string> =>
  [profile.description, profile.policies, ...profile.faqs.map((f) => f.answer)]
    .flatMap((text) => text.split(/(?<=[.!?;])\s+|\n+/u))
    .map((sentence) => sentence.trim())
    .filter((sentence) => sentence !== "" && hasPriceFact(sentence))
