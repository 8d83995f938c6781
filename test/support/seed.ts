/** Minimal tenant data for engine tests: an organization with a channel, a lead and a conversation. */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import type { ChannelId, ConversationId, LeadId, OrganizationId } from "../../src/domain/ids.ts"

export interface Seeded {
  readonly organizationId: OrganizationId
  readonly channelId: ChannelId
  readonly leadId: LeadId
  readonly conversationId: ConversationId
}

export const seedConversation = (options: { readonly tag: string; readonly phoneNumberId?: string; readonly waId?: string }) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const [org] = yield* sql<{ id: OrganizationId }>`
      INSERT INTO organizations (name, invite_code) VALUES (${`Org ${options.tag}`}, ${`inv-${options.tag}`}) RETURNING id`
    const organizationId = org?.id
    if (organizationId === undefined) return yield* Effect.die("no organization")
    const [channel] = yield* sql<{ id: ChannelId }>`
      INSERT INTO channels (organization_id, phone_number_id, transport)
      VALUES (${organizationId}, ${options.phoneNumberId ?? `pn-${options.tag}`}, 'sandbox') RETURNING id`
    const waId = options.waId ?? "15550001111"
    const [lead] = yield* sql<{ id: LeadId }>`
      INSERT INTO leads (organization_id, wa_id, phone, name) VALUES (${organizationId}, ${waId}, ${`+${waId}`}, 'Ana') RETURNING id`
    const [conversation] = yield* sql<{ id: ConversationId }>`
      INSERT INTO conversations (organization_id, lead_id, channel_id)
      VALUES (${organizationId}, ${lead?.id ?? ""}, ${channel?.id ?? ""}) RETURNING id`
    if (channel === undefined || lead === undefined || conversation === undefined) return yield* Effect.die("seed failed")
    return { organizationId, channelId: channel.id, leadId: lead.id, conversationId: conversation.id } satisfies Seeded
  })
