/** Analytics over a period and today's counts (SPEC §8). */
import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
import { Action, IntentLevel, Stage } from "../enums.ts"
import { Authorization } from "./auth.ts"
import { ValidationErrorWire } from "./errors.ts"
import { RequestValidation } from "./validation.ts"

const IsoDate = Schema.String.check(
  Schema.isMaxLength(64, { message: "must be at most 64 characters" }),
  Schema.makeFilter((s: string) => Number.isNaN(Date.parse(s)) ? "must be an ISO date or timestamp" : undefined)
)

/** The longest period one report covers. */
export const MAX_ANALYTICS_DAYS = 366

/** [from, to): `to` defaults to now, `from` to 30 days before `to`; at most MAX_ANALYTICS_DAYS long. */
export const AnalyticsQuery = Schema.Struct({ from: Schema.optional(IsoDate), to: Schema.optional(IsoDate) })
export type AnalyticsQuery = typeof AnalyticsQuery.Type

export const Analytics = Schema.Struct({
  from: Schema.String,
  to: Schema.String,
  /** Conversations by their current stage, every stage listed (greeting → closed). */
  funnel: Schema.Array(Schema.Struct({ stage: Stage, count: Schema.Int })),
  intents: Schema.Array(Schema.Struct({ intent_level: IntentLevel, count: Schema.Int })),
  handoff: Schema.Struct({
    /** Conversations with lead activity in the period. */
    conversations: Schema.Int,
    /** …of which handed to a human by the bot (conversation_events.event_type = 'handoff'). */
    handed_off: Schema.Int,
    rate: Schema.Number,
    reasons: Schema.Array(Schema.Struct({ reason: Schema.String, count: Schema.Int }))
  }),
  followups: Schema.Struct({ scheduled: Schema.Int, sent: Schema.Int, cancelled: Schema.Int, answered: Schema.Int }),
  /** Median seconds from a conversation's first lead message to the first reply (bot or human). */
  median_first_response_seconds: Schema.NullOr(Schema.Number),
  /** Messages per UTC day (days without any are left out): from leads, and from the bot or a person. */
  messages_per_day: Schema.Array(Schema.Struct({ day: Schema.String, inbound: Schema.Int, outbound: Schema.Int })),
  /** Lead turns decided in the period, every action listed (conversation_events.event_type = 'turn'). */
  turns_by_action: Schema.Array(Schema.Struct({ action: Action, count: Schema.Int })),
  llm_usage: Schema.Array(Schema.Struct({
    day: Schema.String,
    tokens_in: Schema.Int,
    tokens_out: Schema.Int,
    estimated_cost_usd: Schema.Number
  }))
})
export type Analytics = typeof Analytics.Type

export const DashboardStats = Schema.Struct({
  /** Start of today in the organization's timezone (business profile, else UTC). */
  since: Schema.String,
  conversations_today: Schema.Int,
  active_conversations: Schema.Int,
  human_mode: Schema.Int,
  messages_in: Schema.Int,
  messages_out: Schema.Int,
  pending_followups: Schema.Int
})
export type DashboardStats = typeof DashboardStats.Type

export class AnalyticsApi extends HttpApiGroup.make("analytics")
  .add(
    HttpApiEndpoint.get("analytics", "/analytics/", {
      query: AnalyticsQuery,
      success: Analytics,
      error: ValidationErrorWire
    }),
    HttpApiEndpoint.get("stats", "/dashboard/stats", { success: DashboardStats })
  )
  .middleware(RequestValidation)
  .middleware(Authorization)
{}
