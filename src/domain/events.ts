/**
 * Domain events published on the in-process bus (src/events) and streamed to dashboards.
 * Every event names its organization, so a subscriber only ever sees its own tenant.
 */
import { Schema } from "effect"
import { Action, ConversationMode, MessageFrom, MessageStatus } from "./enums.ts"
import { ConversationId, LeadId, MessageId, OrganizationId, ScheduledActionId, UserId, Wamid } from "./ids.ts"

const base = { organizationId: OrganizationId, conversationId: ConversationId, at: Schema.DateTimeUtc }

export class MessageStored extends Schema.TaggedClass<MessageStored>()("MessageStored", {
  ...base,
  messageId: MessageId,
  leadId: LeadId,
  from: MessageFrom,
  type: Schema.String,
  /** Text for dashboards; never put on spans or metrics. */
  content: Schema.String
}) {}

export class MessageStatusChanged extends Schema.TaggedClass<MessageStatusChanged>()("MessageStatusChanged", {
  ...base,
  messageId: MessageId,
  wamid: Wamid,
  status: MessageStatus,
  errorCode: Schema.NullOr(Schema.Int)
}) {}

export class TurnDecided extends Schema.TaggedClass<TurnDecided>()("TurnDecided", {
  ...base,
  action: Action,
  why: Schema.String
}) {}

export class ModeChanged extends Schema.TaggedClass<ModeChanged>()("ModeChanged", {
  ...base,
  mode: ConversationMode,
  /** handoff (by the bot), takeover or release (by a user) */
  kind: Schema.Literals(["handoff", "takeover", "release"]),
  reason: Schema.NullOr(Schema.String),
  byUserId: Schema.NullOr(UserId),
  /** Who has the conversation now: the assignee of a handoff, the user who took over; null on release. */
  assignedTo: Schema.optional(Schema.NullOr(UserId))
}) {}

/** An admin gave the conversation to someone else (or to nobody). */
export class AssignmentChanged extends Schema.TaggedClass<AssignmentChanged>()("AssignmentChanged", {
  ...base,
  assignedTo: Schema.NullOr(UserId),
  byUserId: UserId
}) {}

export class FollowUpChanged extends Schema.TaggedClass<FollowUpChanged>()("FollowUpChanged", {
  ...base,
  scheduledActionId: ScheduledActionId,
  change: Schema.Literals(["scheduled", "fired", "cancelled", "skipped"]),
  dueAt: Schema.DateTimeUtc,
  reason: Schema.NullOr(Schema.String)
}) {}

export const DomainEvent = Schema.Union([MessageStored, MessageStatusChanged, TurnDecided, ModeChanged, AssignmentChanged, FollowUpChanged])
export type DomainEvent = typeof DomainEvent.Type
