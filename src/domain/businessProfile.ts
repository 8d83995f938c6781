/**
 * The columns of `business_profiles`, defined once. The engine's snapshot (src/records/snapshot.ts),
 * the HTL's knowledge (src/knowledge/Knowledge.ts) and the dashboard's settings
 * (src/dashboard/settings/profile.ts) each read the groups they need and decode them with these.
 */
import { Schema } from "effect"

/** What the business says about itself, and where it is. */
export const ProfileTextColumns = {
  businessName: Schema.String,
  description: Schema.String,
  tone: Schema.String,
  languages: Schema.Array(Schema.String),
  policies: Schema.String,
  timezone: Schema.String
}

/** How often and how late a follow-up may be sent. */
export const FollowUpLimitColumns = {
  followupMax24h: Schema.Int,
  followupMaxTotal: Schema.Int,
  followupMinMinutes: Schema.Int,
  followupMaxMinutes: Schema.Int
}

/** The approved template for a follow-up once the 24-hour window has closed. */
export const FollowUpTemplateColumns = {
  followupTemplateName: Schema.NullOr(Schema.String),
  followupTemplateLanguage: Schema.NullOr(Schema.String)
}

/** The reply limits (seed: `max_words`, `questions_per_message`). */
export const ReplyLimitColumns = {
  maxWords: Schema.Int,
  maxQuestions: Schema.Int
}
