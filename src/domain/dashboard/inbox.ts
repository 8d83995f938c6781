/**
 * What the web inbox needs beyond lists: one conversation with its lead and summary, its activity
 * (the HTL's decision per turn, handoffs, takeovers), its follow-ups (and cancelling one), and the
 * WhatsApp templates the organization knows of (for a send when the 24-hour window is closed).
 */
import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
import { Action, Transport } from "../enums.ts"
import { Authorization } from "./auth.ts"
import { ConflictWire, NotFoundWire, ValidationErrorWire } from "./errors.ts"
import { ConversationItem } from "./conversations.ts"
import { Cursor, Limit, Page, Uuid } from "./fields.ts"
import { Lead } from "./leads.ts"
import { RequestValidation } from "./validation.ts"

export const ConversationDetail = Schema.Struct({
  conversation: ConversationItem,
  lead: Lead,
  /** The HTL's rolling summary of the conversation ("" before the first one). */
  rolling_summary: Schema.String,
  /** The lead's newest message: free text may be sent for 24 hours after it. */
  last_user_message_at: Schema.NullOr(Schema.String),
  window_open: Schema.Boolean,
  window_closes_at: Schema.NullOr(Schema.String),
  /** The lead (or this conversation) asked for no more follow-ups. */
  opted_out: Schema.Boolean,
  /** The reply language earlier turns settled on (ISO 639-1, or "hi-Latn"). */
  language: Schema.NullOr(Schema.String),
  channel: Schema.Struct({
    id: Schema.String,
    display_phone_number: Schema.String,
    transport: Transport,
    health: Schema.String
  })
})
export type ConversationDetail = typeof ConversationDetail.Type

export const Violation = Schema.Struct({ rule: Schema.String, detail: Schema.String })
export type Violation = typeof Violation.Type

/** One HTL step of a turn, as audited (no message text beyond the step's short summaries). */
export const TurnStep = Schema.Struct({
  step: Schema.String,
  outcome: Schema.String,
  latency_ms: Schema.NullOr(Schema.Int),
  tokens_in: Schema.NullOr(Schema.Int),
  tokens_out: Schema.NullOr(Schema.Int),
  model: Schema.NullOr(Schema.String),
  input: Schema.NullOr(Schema.String),
  output: Schema.NullOr(Schema.String),
  /** Decide only: the action after the policy had its say (it may override the model). */
  final_action: Schema.NullOr(Action),
  /** Generate only: the guardrail rules the draft broke (it was not sent). */
  violations: Schema.Array(Violation)
})
export type TurnStep = typeof TurnStep.Type

/**
 * An entry of a conversation's activity, newest first:
 * `decision` — a lead turn's action and why (`steps`: its HTL steps, also a later summary);
 * `steps` — HTL steps no decision claims (a follow-up's turn);
 * `handoff` — the bot gave it to a person (`reason`); `takeover` / `release` — a person did (`by_user_id`).
 */
export const ActivityItem = Schema.Struct({
  id: Schema.String,
  at: Schema.String,
  kind: Schema.Literals(["decision", "steps", "handoff", "takeover", "release"]),
  action: Schema.NullOr(Action),
  reason: Schema.NullOr(Schema.String),
  by_user_id: Schema.NullOr(Schema.String),
  steps: Schema.Array(TurnStep)
})
export type ActivityItem = typeof ActivityItem.Type

export const ActivityPage = Page(ActivityItem)
export type ActivityPage = typeof ActivityPage.Type

export const ActivityQuery = Schema.Struct({ limit: Limit, cursor: Cursor })
export type ActivityQuery = typeof ActivityQuery.Type

export const FollowUpItem = Schema.Struct({
  id: Schema.String,
  status: Schema.Literals(["PENDING", "EXECUTED", "CANCELLED"]),
  due_at: Schema.String,
  created_at: Schema.String,
  /** Why the bot chose to wait (Decide's words). */
  why: Schema.NullOr(Schema.String),
  /** Outside the 24-hour window it goes out as the business's template. */
  template_required: Schema.Boolean,
  /** How it ended: "sent: …", "skipped: …", "cancelled: …" (null while pending). */
  outcome: Schema.NullOr(Schema.String)
})
export type FollowUpItem = typeof FollowUpItem.Type

/** Pending follow-ups (soonest first), then the latest finished ones. */
export const FollowUpList = Schema.Struct({ items: Schema.Array(FollowUpItem) })
export type FollowUpList = typeof FollowUpList.Type

export const TemplateItem = Schema.Struct({
  name: Schema.String,
  language: Schema.String,
  /** `followup`: the business profile's follow-up template; `sent`: sent before by this organization. */
  source: Schema.Literals(["followup", "sent"]),
  /** Parameters the last send of it used ({{1}}, {{2}} …), a hint for the next one. */
  parameters: Schema.Int
})
export type TemplateItem = typeof TemplateItem.Type

export const TemplateList = Schema.Struct({ items: Schema.Array(TemplateItem) })
export type TemplateList = typeof TemplateList.Type

const idParams = { id: Uuid }

export class InboxApi extends HttpApiGroup.make("inbox")
  .add(
    HttpApiEndpoint.get("conversation", "/conversations/:id", {
      params: idParams,
      success: ConversationDetail,
      error: NotFoundWire
    }),
    HttpApiEndpoint.get("activity", "/conversations/:id/activity", {
      params: idParams,
      query: ActivityQuery,
      success: ActivityPage,
      error: [NotFoundWire, ValidationErrorWire]
    }),
    HttpApiEndpoint.get("followups", "/conversations/:id/followups", {
      params: idParams,
      success: FollowUpList,
      error: NotFoundWire
    }),
    HttpApiEndpoint.post("cancelFollowUp", "/conversations/:id/followups/:followup_id/cancel", {
      params: { id: Uuid, followup_id: Uuid },
      success: FollowUpItem,
      /** 409: it is no longer pending (it fired or was cancelled meanwhile). */
      error: [NotFoundWire, ConflictWire]
    }),
    HttpApiEndpoint.get("templates", "/organization/templates", { success: TemplateList })
  )
  .middleware(RequestValidation)
  .middleware(Authorization)
{}
