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

const textsOf = (faqs: KnowledgeExcerpt["faqs"], products: KnowledgeExcerpt["products"]) => [
  ...faqs.flatMap((f) => [f.question, f.answer]),
  ...products.map((p) => `${p.name}: ${p.description}`)
]

const factsOf = (texts: ReadonlyArray<string>, products: KnowledgeExcerpt["products"], listed: ReadonlyArray<CatalogPrice>, names: ReadonlyArray<string>): BusinessFacts => ({
  prices: [
    ...listed,
    ...products.flatMap((p) => (p.price === null ? [] : [{ amount: p.price, currency: p.currency }])),
    ...texts.flatMap(pricesIn)
  ],
  percentages: new Set(texts.flatMap(percentagesIn)),
  text: texts.join("\n").toLowerCase(),
  names: [...names, ...products.map((p) => p.name)].filter((n) => n.trim() !== "")
})

/**
 * The profile's own facts, worked out once per profile: the knowledge service hands the same
 * object to every turn while the organization's knowledge is unchanged (a catalog of 200 products
 * is 200 descriptions to scan for amounts, per draft, otherwise).
 */
const ofProfile = new WeakMap<BusinessProfile, BusinessFacts>()
const profileFacts = (profile: BusinessProfile): BusinessFacts => {
  const kept = ofProfile.get(profile)
  if (kept !== undefined) return kept
  const facts = factsOf(
    [profile.description, profile.policies, ...textsOf(profile.faqs, profile.products)],
    profile.products,
    profile.catalogPrices,
    [profile.businessName]
  )
  ofProfile.set(profile, facts)
  return facts
}

export const businessFacts = (profile: BusinessProfile, excerpt: KnowledgeExcerpt): BusinessFacts => {
  const own = profileFacts(profile)
  if (excerpt.faqs.length === 0 && excerpt.products.length === 0) return own
  const found = factsOf(textsOf(excerpt.faqs, excerpt.products), excerpt.products, [], [])
  return {
    prices: [...own.prices, ...found.prices],
    percentages: new Set([...own.percentages, ...found.percentages]),
    text: `${own.text}\n${found.text}`,
    names: [...own.names, ...found.names]
  }
}

const priceSentences = new WeakMap<BusinessProfile, ReadonlyArray<string>>()

/** Sentences of the description, policies and FAQ answers that state a price or a percentage (once per profile). */
export const priceFacts = (profile: BusinessProfile): ReadonlyArray<string> => {
  const kept = priceSentences.get(profile)
  if (kept !== undefined) return kept
  const found = [profile.description, profile.policies, ...profile.faqs.map((f) => f.answer)]
    .flatMap((text) => text.split(/(?<=[.!?;])\s+|\n+/u))
    .map((sentence) => sentence.trim())
    .filter((sentence) => sentence !== "" && hasPriceFact(sentence))
  priceSentences.set(profile, found)
  return found
}
