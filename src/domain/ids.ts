/** Branded ids: an OrganizationId can never be passed where a LeadId is expected. */
import { Schema } from "effect"

export const OrganizationId = Schema.String.pipe(Schema.brand("OrganizationId"))
export type OrganizationId = typeof OrganizationId.Type
export const UserId = Schema.String.pipe(Schema.brand("UserId"))
export type UserId = typeof UserId.Type
export const ChannelId = Schema.String.pipe(Schema.brand("ChannelId"))
export type ChannelId = typeof ChannelId.Type
export const LeadId = Schema.String.pipe(Schema.brand("LeadId"))
export type LeadId = typeof LeadId.Type
export const ConversationId = Schema.String.pipe(Schema.brand("ConversationId"))
export type ConversationId = typeof ConversationId.Type
export const MessageId = Schema.String.pipe(Schema.brand("MessageId"))
export type MessageId = typeof MessageId.Type
export const ScheduledActionId = Schema.String.pipe(Schema.brand("ScheduledActionId"))
export type ScheduledActionId = typeof ScheduledActionId.Type
/** WhatsApp's message id (`wamid.…`), inbound and outbound. */
export const Wamid = Schema.String.pipe(Schema.brand("Wamid"))
export type Wamid = typeof Wamid.Type
/** The business number's id in the Graph API (routes a webhook to a channel). */
export const PhoneNumberId = Schema.String.pipe(Schema.brand("PhoneNumberId"))
export type PhoneNumberId = typeof PhoneNumberId.Type

/** One conversation of one organization: what every engine operation and lease is keyed by. */
export interface ConversationKey {
  readonly organizationId: OrganizationId
  readonly conversationId: ConversationId
}
