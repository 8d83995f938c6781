/**
 * Storing what a webhook says, one message at a time and idempotently: the lead, the
 * conversation, each message once (`messages.wamid` unique), reactions as state. Statuses, and
 * messages in batches: src/whatsapp/InboundBatch.ts. Everything a lead message changes commits
 * in one transaction; events are published after the commit.
 */
import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer, Option, Schema } from "effect"
import type { SqlError } from "effect/sql"
import { jsonDocument } from "../db/jsonDocument.ts"
import { makeLeaseSql, type Lessee } from "../records/leases.ts"
import { StoreError } from "../records/StoreError.ts"
import { ConversationId, type ChannelId, LeadId, MessageId, type OrganizationId, ScheduledActionId } from "../domain/ids.ts"

export { StoreError }

export interface LeadIdentity {
  readonly waId: string | undefined
  readonly userId: string | undefined
  readonly name: string | undefined
  readonly ctwaClid: string | undefined
}

export interface InboundMessageInput {
  readonly organizationId: OrganizationId
  readonly channelId: ChannelId
  readonly lead: LeadIdentity
  readonly wamid: string
  readonly type: string
  readonly content: string
  readonly payload: unknown
  readonly replyTo: string | undefined
  readonly timestamp: Date
  readonly isTurn: boolean
  /** `system` user_changed_number: the lead's new number. */
  readonly newWaId: string | undefined
  /**
   * The engine process that will take the turn: a lead turn message takes the conversation's
   * lease for it in the same transaction (or pokes the owner), so a process that dies before
   * its actor starts leaves a lease that lapses and is taken over, not a forgotten message.
   */
  readonly lessee: Lessee | null
}

export interface StoredInbound {
  readonly messageId: MessageId
  readonly conversationId: ConversationId
  readonly leadId: LeadId
  readonly cancelledFollowUps: ReadonlyArray<{ readonly id: ScheduledActionId; readonly dueAt: Date }>
}

export interface StatusInput {
  readonly organizationId: OrganizationId
  readonly wamid: string
  readonly status: "sent" | "delivered" | "read" | "played" | "failed"
  readonly error: Option.Option<{ readonly code: number; readonly title: string | null; readonly details: string | null }>
  /**
   * What our send put in `biz_opaque_callback_data` (the message's id), and whom the status is
   * for (`recipient_id`, else `recipient_user_id`): how a send of unknown outcome, which has no
   * wamid, is recognised (src/whatsapp/InboundStatuses.ts)
   */
  readonly reference?: string | undefined
  readonly recipient?: string | undefined
}

export interface StatusApplied {
  readonly messageId: MessageId
  readonly conversationId: ConversationId
  /** the conversation went back to the bot: this status confirmed the send whose unknown outcome had handed it off */
  readonly released: boolean
}

const IdRow = Schema.Array(Schema.Struct({ id: Schema.String }))
const CancelledRow = Schema.Array(Schema.Struct({ id: ScheduledActionId, scheduledAt: Schema.Date }))
const decode = <S extends Schema.Constraint & { readonly DecodingServices: never }>(schema: S) => Schema.decodeUnknownEffect(schema)

const phoneOf = (waId: string | undefined) => waId !== undefined && /^[1-9][0-9]{6,14}$/.test(waId) ? `+${waId}` : null

/** Keeps PostgreSQL's own message (e.g. "invalid byte sequence"), not only "Query failed". */
const detail = (cause: unknown): string =>
  cause instanceof Error ? `${cause.message}${cause.cause === undefined ? "" : `: ${detail(cause.cause)}`}` : String(cause)

export const toStoreError = (e: SqlError.SqlError | Schema.SchemaError | StoreError) =>
  e instanceof StoreError ? e : new StoreError({ reason: e._tag === "SqlError" ? `${e.message}: ${detail(e.cause.cause)}` : e.message })

export class InboundStore extends Context.Service<InboundStore, {
  /** None when the wamid was stored before (a redelivery). */
  readonly storeMessage: (input: InboundMessageInput) => Effect.Effect<Option.Option<StoredInbound>, StoreError>
  /** The lead's reaction on a message (`undefined` removes it); false when no such message. */
  readonly setReaction: (organizationId: OrganizationId, wamid: string, emoji: string | undefined) => Effect.Effect<boolean, StoreError>
}>()("wa/InboundStore") {
  static readonly layer = Layer.effect(InboundStore, Effect.gen(function*() {
    const pg = yield* PgClient.PgClient
    const leases = yield* makeLeaseSql

    const findLead = (org: OrganizationId, l: LeadIdentity) =>
      pg`SELECT id FROM leads WHERE organization_id = ${org} AND (
          (${l.waId ?? null}::text IS NOT NULL AND wa_id = ${l.waId ?? null})
          OR (${l.userId ?? null}::text IS NOT NULL AND user_id = ${l.userId ?? null})
          OR (${phoneOf(l.waId)}::text IS NOT NULL AND phone = ${phoneOf(l.waId)} AND deleted_at IS NULL))
        ORDER BY (wa_id = ${l.waId ?? null}) DESC NULLS LAST, created_at LIMIT 1`.pipe(Effect.flatMap(decode(IdRow)))

    const upsertLead = (org: OrganizationId, l: LeadIdentity) =>
      Effect.gen(function*() {
        const found = (yield* findLead(org, l))[0]
        if (found !== undefined) {
          // link identities: a BSUID and a number seen together belong to one lead
          yield* pg`UPDATE leads SET name = coalesce(${l.name ?? null}, name), wa_id = coalesce(wa_id, ${l.waId ?? null}),
              user_id = coalesce(${l.userId ?? null}, user_id), phone = coalesce(phone, ${phoneOf(l.waId)}),
              ctwa_clid = coalesce(ctwa_clid, ${l.ctwaClid ?? null}), updated_at = now()
            WHERE id = ${found.id} AND organization_id = ${org}`
          return LeadId.make(found.id)
        }
        const inserted = yield* pg`INSERT INTO leads ${pg.insert({
          organizationId: org,
          waId: l.waId ?? null,
          userId: l.userId ?? null,
          phone: phoneOf(l.waId),
          name: l.name ?? null,
          ctwaClid: l.ctwaClid ?? null
        })} ON CONFLICT DO NOTHING RETURNING id`.pipe(Effect.flatMap(decode(IdRow)))
        const row = inserted[0] ?? (yield* findLead(org, l))[0]
        if (row === undefined) return yield* new StoreError({ reason: "lead could not be stored" })
        return LeadId.make(row.id)
      })

    const storeMessage = Effect.fn("InboundStore.storeMessage")(function*(input: InboundMessageInput) {
      const org = input.organizationId
      const leadId = yield* upsertLead(org, input.lead)
      const conversation = yield* pg`INSERT INTO conversations (organization_id, lead_id, channel_id)
          VALUES (${org}, ${leadId}, ${input.channelId})
          ON CONFLICT (lead_id, channel_id) DO UPDATE SET updated_at = now() RETURNING id`.pipe(Effect.flatMap(decode(IdRow)))
      const conversationId = ConversationId.make(conversation[0]?.id ?? "")
      const inserted = yield* pg`INSERT INTO messages ${pg.insert({
        organizationId: org,
        conversationId,
        leadId,
        messageFrom: "LEAD",
        type: input.type,
        content: input.content,
        payload: jsonDocument(input.payload),
        wamid: input.wamid,
        replyToWamid: input.replyTo ?? null,
        status: "received",
        waTimestamp: input.timestamp
      })} ON CONFLICT (wamid) DO NOTHING RETURNING id`.pipe(Effect.flatMap(decode(IdRow)))
      const message = inserted[0]
      if (input.isTurn && input.lessee !== null) yield* leases.acquire({ organizationId: org, conversationId }, input.lessee)
      if (message === undefined) return Option.none() // redelivery: stored before
      const ts = input.timestamp
      yield* pg`UPDATE conversations SET
          last_message = CASE WHEN last_message_at IS NULL OR last_message_at <= ${ts} THEN ${input.content} ELSE last_message END,
          last_message_at = GREATEST(last_message_at, ${ts}),
          last_user_message_at = CASE WHEN ${input.isTurn} THEN GREATEST(last_user_message_at, ${ts}) ELSE last_user_message_at END,
          unchecked_lead_at = now(), updated_at = now()
        WHERE id = ${conversationId} AND organization_id = ${org}`
      if (input.newWaId !== undefined) {
        yield* pg`UPDATE leads SET wa_id = ${input.newWaId}, phone = ${phoneOf(input.newWaId)}, updated_at = now()
          WHERE id = ${leadId} AND organization_id = ${org} AND NOT EXISTS (
            SELECT 1 FROM leads o WHERE o.organization_id = ${org} AND (o.wa_id = ${input.newWaId} OR o.phone = ${phoneOf(input.newWaId)}))`
      }
      const cancelled = input.isTurn
        ? yield* pg`UPDATE scheduled_actions SET status = 'CANCELLED', cancelled_at = now(), outcome = 'lead replied'
            WHERE organization_id = ${org} AND conversation_id = ${conversationId} AND status = 'PENDING'
            RETURNING id, scheduled_at`.pipe(Effect.flatMap(decode(CancelledRow)))
        : []
      return Option.some<StoredInbound>({
        messageId: MessageId.make(message.id),
        conversationId,
        leadId,
        cancelledFollowUps: cancelled.map((c) => ({ id: c.id, dueAt: c.scheduledAt }))
      })
    }, (self) => pg.withTransaction(self), Effect.mapError(toStoreError))

    const setReaction = Effect.fn("InboundStore.setReaction")(function*(org: OrganizationId, wamid: string, emoji: string | undefined) {
      const rows = yield* pg`UPDATE messages SET reaction = ${emoji === undefined || emoji === "" ? null : emoji}, updated_at = now()
        WHERE wamid = ${wamid} AND organization_id = ${org} RETURNING id`.pipe(Effect.flatMap(decode(IdRow)))
      return rows.length > 0
    }, Effect.mapError(toStoreError))

    return InboundStore.of({ storeMessage, setReaction })
  }))
}
