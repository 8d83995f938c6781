/** Admin settings: WhatsApp channels (secrets write-only), business profile, follow-up policy, invites. */
import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema } from "effect/http-api"
import { Transport } from "../enums.ts"
import { Authorization } from "./auth.ts"
import { ConflictWire, ForbiddenWire, ValidationErrorWire } from "./errors.ts"
import { Chars, ListOf, Text } from "./fields.ts"
import { RequestValidation } from "./validation.ts"

export const CreateChannelPayload = Schema.Struct({
  phone_number_id: Text(64),
  display_phone_number: Schema.optional(Schema.String.check(Schema.isMaxLength(32, { message: "must be at most 32 characters" }))),
  access_token: Schema.optional(Text(4096)),
  app_secret: Schema.optional(Text(512)),
  verify_token: Schema.optional(Text(512)),
  transport: Transport
})
export type CreateChannelPayload = typeof CreateChannelPayload.Type

/** A channel as shown to the dashboard: which secrets are set, never their values. */
export const Channel = Schema.Struct({
  id: Schema.String,
  phone_number_id: Schema.String,
  display_phone_number: Schema.String,
  transport: Transport,
  health: Schema.String,
  has_access_token: Schema.Boolean,
  has_app_secret: Schema.Boolean,
  has_verify_token: Schema.Boolean
})
export type Channel = typeof Channel.Type

const TimeOfDay = Schema.String.check(
  Schema.isPattern(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, { message: "must be a time of day HH:MM" })
)

const isTimeZone = (tz: string) => Intl.supportedValuesOf("timeZone").includes(tz) || tz === "UTC"
const TimeZone = Schema.String.check(
  Schema.makeFilter((s: string) => isTimeZone(s) ? undefined : "must be an IANA time zone such as Europe/Madrid")
)
const Count = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 1000 }, { message: "must be between 0 and 1000" }))
const Minutes = Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 43_200 }, { message: "must be between 1 and 43200" }))
const Currency = Schema.String.check(Schema.isPattern(/^[A-Z]{3}$/, { message: "must be an ISO 4217 code such as USD" }))

export const Product = Schema.Struct({
  name: Text(200),
  description: Schema.String,
  price: Schema.NullOr(Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0, { message: "must not be negative" }))),
  currency: Schema.NullOr(Currency)
})

export const Faq = Schema.Struct({ question: Text(1000), answer: Text(4000) })

export const FollowUpPolicy = Schema.Struct({
  max_per_24h: Count,
  max_total: Count,
  min_minutes: Minutes,
  max_minutes: Minutes,
  template_name: Schema.NullOr(Schema.String),
  template_language: Schema.NullOr(Schema.String)
})

/** What happens when the bot hands a lead to a person. */
export const HandoffSettings = Schema.Struct({
  /** The lead's notice per language ({"es": "…"}); a language without one gets the built-in text. */
  messages: Schema.Record(
    Schema.String.check(Schema.isPattern(/^[a-z]{2,3}(?:-[A-Za-z]{2,4})?$/, { message: "must be a language code such as es or hi-Latn" })),
    Text(500)
  ),
  /** A handed-off lead without a person's reply for this long is overdue. */
  overdue_minutes: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 10_080 }, { message: "must be between 1 and 10080" }))
})
export type HandoffSettings = typeof HandoffSettings.Type

/** A reply's limits (seed: max_words, questions_per_message). */
export const ReplyLimits = Schema.Struct({
  max_words: Schema.Int.check(Schema.isBetween({ minimum: 20, maximum: 300 }, { message: "must be between 20 and 300" })),
  max_questions: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 3 }, { message: "must be between 0 and 3" }))
})
export type ReplyLimits = typeof ReplyLimits.Type

/** A call to action the assistant may offer; the conversation keeps its `key` (`recommended_cta`). */
export const CallToAction = Schema.Struct({
  key: Schema.String.check(Schema.isPattern(/^[a-z0-9_]{1,40}$/, { message: "must be 1-40 lower-case letters, digits or _" })),
  label: Text(120),
  url: Schema.NullOr(Schema.String.check(Schema.isPattern(/^https?:\/\/\S{1,2000}$/, { message: "must be an http(s) URL" })))
})

export const BusinessProfile = Schema.Struct({
  business_name: Schema.String,
  description: Schema.String,
  tone: Schema.String,
  languages: Schema.Array(Text(16)),
  policies: Schema.String,
  timezone: TimeZone,
  quiet_hours_start: Schema.NullOr(TimeOfDay),
  quiet_hours_end: Schema.NullOr(TimeOfDay),
  followup: FollowUpPolicy,
  products: Schema.Array(Product),
  faqs: Schema.Array(Faq),
  /** Omitted on PUT: left as it is. */
  handoff: Schema.optional(HandoffSettings),
  /** Omitted on PUT: left as it is (default 80 words, 1 question). */
  reply_limits: Schema.optional(ReplyLimits),
  /** Omitted on PUT: left as it is. */
  ctas: Schema.optional(Schema.Array(CallToAction))
})
export type BusinessProfile = typeof BusinessProfile.Type

/**
 * What a PUT may store: the profile with every text and list bounded. Reads use `BusinessProfile`,
 * which shows what is stored as it is (a profile saved before these limits still reads back).
 */
export const BusinessProfileUpdate = Schema.Struct({
  ...BusinessProfile.fields,
  business_name: Chars(200),
  description: Chars(10_000),
  tone: Chars(200),
  languages: ListOf(Text(16), 20),
  policies: Chars(10_000),
  followup: Schema.Struct({
    ...FollowUpPolicy.fields,
    template_name: Schema.NullOr(Chars(512)),
    template_language: Schema.NullOr(Chars(16))
  }),
  products: ListOf(Schema.Struct({ ...Product.fields, description: Chars(2000) }), 500),
  faqs: ListOf(Faq, 500),
  handoff: Schema.optional(Schema.Struct({
    ...HandoffSettings.fields,
    messages: HandoffSettings.fields.messages.check(Schema.isMaxProperties(50, { message: "must have at most 50 languages" }))
  })),
  ctas: Schema.optional(ListOf(CallToAction, 20))
})

export const Invite = Schema.Struct({ invite_code: Schema.String })
export type Invite = typeof Invite.Type

export class SettingsApi extends HttpApiGroup.make("settings")
  .add(
    HttpApiEndpoint.post("createChannel", "/channels", {
      payload: CreateChannelPayload,
      success: Channel.pipe(HttpApiSchema.status(201)),
      error: [ForbiddenWire, ConflictWire]
    }),
    HttpApiEndpoint.get("listChannels", "/channels", { success: Schema.Array(Channel) }),
    HttpApiEndpoint.get("getProfile", "/organization/profile", { success: BusinessProfile }),
    HttpApiEndpoint.put("putProfile", "/organization/profile", {
      payload: BusinessProfileUpdate,
      success: BusinessProfile,
      error: [ForbiddenWire, ValidationErrorWire]
    }),
    HttpApiEndpoint.get("getInvite", "/organization/invite", { success: Invite, error: ForbiddenWire }),
    HttpApiEndpoint.post("rotateInvite", "/organization/invite/rotate", { success: Invite, error: ForbiddenWire })
  )
  .middleware(RequestValidation)
  .middleware(Authorization)
{}
