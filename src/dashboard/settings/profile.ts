/** The business profile (SPEC §4): one row per organization plus its products and FAQs. */
import { Effect, Schema } from "effect"
import type { SqlClient } from "effect/sql"
import type { BusinessProfile } from "../../domain/dashboard/settings.ts"
import type { OrganizationId } from "../../domain/ids.ts"
import { DEFAULT_OVERDUE_MINUTES } from "../../handoffs/overdue.ts"
import { decodeRows } from "../../db/rows.ts"
import { FollowUpLimitColumns, FollowUpTemplateColumns, ProfileTextColumns, ReplyLimitColumns } from "../../domain/businessProfile.ts"
import { CallToAction } from "../../knowledge/types.ts"
import { jsonDocument } from "../../db/jsonDocument.ts"

const ProfileRow = Schema.Struct({
  ...ProfileTextColumns,
  quietHoursStart: Schema.NullOr(Schema.String),
  quietHoursEnd: Schema.NullOr(Schema.String),
  ...FollowUpLimitColumns,
  ...FollowUpTemplateColumns,
  handoffMessages: Schema.Record(Schema.String, Schema.String),
  handoffOverdueMinutes: Schema.Int,
  ...ReplyLimitColumns,
  ctas: Schema.Array(CallToAction)
})
const ProductRow = Schema.Struct({
  name: Schema.String,
  description: Schema.String,
  price: Schema.NullOr(Schema.Number),
  currency: Schema.NullOr(Schema.String)
})
const FaqRow = Schema.Struct({ question: Schema.String, answer: Schema.String })

/** What an organization without a saved profile sees: the table's defaults. */
const DEFAULTS = {
  businessName: "",
  description: "",
  tone: "friendly, concise, professional",
  languages: ["en"],
  policies: "",
  timezone: "UTC",
  quietHoursStart: null,
  quietHoursEnd: null,
  followupMax24h: 2,
  followupMaxTotal: 5,
  followupMinMinutes: 30,
  followupMaxMinutes: 2880,
  followupTemplateName: null,
  followupTemplateLanguage: null,
  handoffMessages: {},
  handoffOverdueMinutes: DEFAULT_OVERDUE_MINUTES,
  maxWords: 80,
  maxQuestions: 1,
  ctas: []
}

export const readProfile = Effect.fn("Settings.readProfile")(function*(sql: SqlClient.SqlClient, org: OrganizationId) {
  const [row] = yield* sql`
    SELECT business_name, description, tone, languages, policies, timezone,
           to_char(quiet_hours_start, 'HH24:MI') AS quiet_hours_start, to_char(quiet_hours_end, 'HH24:MI') AS quiet_hours_end,
           followup_max_24h, followup_max_total, followup_min_minutes, followup_max_minutes,
           followup_template_name, followup_template_language, handoff_messages, handoff_overdue_minutes,
           max_words, max_questions, ctas
    FROM business_profiles WHERE organization_id = ${org}`.pipe(decodeRows(ProfileRow))
  const products = yield* sql`
    SELECT name, description, price::float8 AS price, currency FROM business_products
    WHERE organization_id = ${org} ORDER BY created_at, id`.pipe(decodeRows(ProductRow))
  const faqs = yield* sql`
    SELECT question, answer FROM business_faqs WHERE organization_id = ${org} ORDER BY created_at, id`.pipe(decodeRows(FaqRow))
  const p = row ?? DEFAULTS
  const profile: BusinessProfile = {
    business_name: p.businessName,
    description: p.description,
    tone: p.tone,
    languages: p.languages,
    policies: p.policies,
    timezone: p.timezone,
    quiet_hours_start: p.quietHoursStart,
    quiet_hours_end: p.quietHoursEnd,
    followup: {
      max_per_24h: p.followupMax24h,
      max_total: p.followupMaxTotal,
      min_minutes: p.followupMinMinutes,
      max_minutes: p.followupMaxMinutes,
      template_name: p.followupTemplateName,
      template_language: p.followupTemplateLanguage
    },
    products,
    faqs,
    handoff: { messages: p.handoffMessages, overdue_minutes: p.handoffOverdueMinutes },
    reply_limits: { max_words: p.maxWords, max_questions: p.maxQuestions },
    ctas: p.ctas
  }
  return profile
}, Effect.orDie)

/** Replaces the profile, its products and its FAQs in one transaction. */
export const writeProfile = Effect.fn("Settings.writeProfile")(function*(sql: SqlClient.SqlClient, org: OrganizationId, p: BusinessProfile) {
  const languages = jsonDocument(p.languages)
  yield* sql`
    INSERT INTO business_profiles (organization_id, business_name, description, tone, languages, policies, timezone,
      quiet_hours_start, quiet_hours_end, followup_max_24h, followup_max_total, followup_min_minutes,
      followup_max_minutes, followup_template_name, followup_template_language, updated_at)
    VALUES (${org}, ${p.business_name}, ${p.description}, ${p.tone},
      ARRAY(SELECT jsonb_array_elements_text(${languages}::jsonb)), ${p.policies}, ${p.timezone},
      ${p.quiet_hours_start}::time, ${p.quiet_hours_end}::time, ${p.followup.max_per_24h}, ${p.followup.max_total},
      ${p.followup.min_minutes}, ${p.followup.max_minutes}, ${p.followup.template_name}, ${p.followup.template_language}, now())
    ON CONFLICT (organization_id) DO UPDATE SET business_name = EXCLUDED.business_name,
      description = EXCLUDED.description, tone = EXCLUDED.tone, languages = EXCLUDED.languages,
      policies = EXCLUDED.policies, timezone = EXCLUDED.timezone, quiet_hours_start = EXCLUDED.quiet_hours_start,
      quiet_hours_end = EXCLUDED.quiet_hours_end, followup_max_24h = EXCLUDED.followup_max_24h,
      followup_max_total = EXCLUDED.followup_max_total, followup_min_minutes = EXCLUDED.followup_min_minutes,
      followup_max_minutes = EXCLUDED.followup_max_minutes, followup_template_name = EXCLUDED.followup_template_name,
      followup_template_language = EXCLUDED.followup_template_language, updated_at = now()`
  if (p.reply_limits !== undefined) {
    yield* sql`UPDATE business_profiles SET max_words = ${p.reply_limits.max_words}, max_questions = ${p.reply_limits.max_questions}
      WHERE organization_id = ${org}`
  }
  if (p.ctas !== undefined) {
    yield* sql`UPDATE business_profiles SET ctas = ${jsonDocument(p.ctas)}::jsonb WHERE organization_id = ${org}`
  }
  if (p.handoff !== undefined) {
    yield* sql`UPDATE business_profiles SET handoff_messages = ${jsonDocument(p.handoff.messages)}::jsonb,
        handoff_overdue_minutes = ${p.handoff.overdue_minutes} WHERE organization_id = ${org}`
  }
  yield* sql`DELETE FROM business_products WHERE organization_id = ${org}`
  yield* sql`DELETE FROM business_faqs WHERE organization_id = ${org}`
  // created_at keeps the given order (now() is the same for the whole transaction)
  const base = Date.now()
  yield* Effect.forEach(p.products, (x, i) =>
    sql`INSERT INTO business_products ${sql.insert({
      organizationId: org, name: x.name.trim(), description: x.description, price: x.price, currency: x.currency,
      createdAt: new Date(base + i)
    })}`, { discard: true })
  yield* Effect.forEach(p.faqs, (x, i) =>
    sql`INSERT INTO business_faqs ${sql.insert({ organizationId: org, question: x.question, answer: x.answer, createdAt: new Date(base + i) })}`, { discard: true })
}, (effect, sql) => sql.withTransaction(effect), Effect.orDie)
