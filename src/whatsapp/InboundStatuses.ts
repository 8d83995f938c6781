/**
 * Applying many statuses of our messages with a few set-based statements, inside the caller's
 * transaction: a status only moves a message forward (sent < delivered < read < played; failed
 * after sent), and for one wamid several times in a batch the furthest wins. A send whose outcome
 * was unknown is recognised by the reference it was sent with, and the handoff it caused undone.
 * Rows are locked in id order, as src/whatsapp/InboundBatch.ts locks its own.
 */
import { PgClient } from "@effect/sql-pg"
import { DateTime, Effect, Schema } from "effect"
import { jsonDocument } from "../db/jsonDocument.ts"
import { type DomainEvent, MessageStatusChanged, ModeChanged } from "../domain/events.ts"
import { ConversationId, MessageId, Wamid } from "../domain/ids.ts"
import { sendFailedReason } from "../domain/outbound.ts"
import type { StatusApplied, StatusInput } from "./InboundStore.ts"

/** pending/unknown < sent < failed < delivered < read < played: a status never moves left. */
const RANK = "ARRAY['pending','unknown','sent','failed','delivered','read','played']::text[]"

/** Decodes a statement's rows (a mismatch fails the batch, which is then stored one delivery at a time). */
const decode = <S extends Schema.Constraint & { readonly DecodingServices: never }>(schema: S) => Effect.flatMap(Schema.decodeUnknownEffect(schema))

const AppliedStatus = Schema.Array(Schema.Struct({ k: Schema.Int, id: MessageId, conversationId: ConversationId }))
const LockedStatusTarget = Schema.Array(Schema.Struct({ id: MessageId, unconfirmed: Schema.Boolean }))
const MessageIds = Schema.Array(Schema.Struct({ id: MessageId }))
const Released = Schema.Array(Schema.Struct({ messageId: MessageId }))

/** How a lead turn (or a follow-up) hands off after a send of unknown outcome. */
const HANDED_OFF_UNCONFIRMED = sendFailedReason({ code: null, title: "SendOutcomeUnknown" })
/** The mode reason, and the release's audit reason, when a confirmed send undoes its handoff. */
export const SEND_CONFIRMED = "send_confirmed"

/** Our messages' ids (uuid_v7): only such a reference can name one. */
const MESSAGE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** The statuses that name one of our messages by reference, as rows for `adoptConfirmedSends`. */
const referencesOf = (inputs: ReadonlyArray<StatusInput>) =>
  inputs.flatMap((s) =>
    s.reference !== undefined && MESSAGE_ID.test(s.reference) && s.recipient !== undefined
      ? [{ org: s.organizationId, wamid: s.wamid, ref: s.reference.toLowerCase(), recipient: s.recipient }]
      : []
  )

/**
 * A send whose outcome was unknown (a timeout or a reset after the request left) has no wamid,
 * so its statuses would find nothing; they name it by the reference it was sent with
 * (`biz_opaque_callback_data`: its id). Such a message takes the status's wamid, and the status
 * then applies as to any other: Meta had it, and the dashboard shows it sent, delivered or read
 * rather than unknown. Only a message still `unknown` without a wamid, of the status's
 * organization, written to the status's recipient; the caller holds the rows' locks.
 */
const adoptConfirmedSends = (pg: PgClient.PgClient, rows: ReturnType<typeof referencesOf>) =>
  pg`UPDATE messages m SET wamid = i.wamid, updated_at = now()
      FROM jsonb_to_recordset(${jsonDocument(rows)}::jsonb) AS i(org uuid, wamid text, ref uuid, recipient text), leads l
      WHERE m.id = i.ref AND m.organization_id = i.org AND m.status = 'unknown' AND m.wamid IS NULL
        AND l.id = m.lead_id AND (l.wa_id = i.recipient OR l.user_id = i.recipient)
        AND NOT EXISTS (SELECT 1 FROM messages x WHERE x.wamid = i.wamid)
      RETURNING m.id`.pipe(decode(MessageIds))

/**
 * The handoffs those sends caused, undone: the conversation goes back to the bot when the bot
 * handed it off for that send and nobody has touched it since (no takeover, release or other
 * handoff, no message of ours after it) and Meta did not fail it. The lead had the reply; a
 * person would otherwise answer a conversation that needed nobody. Audited as a release.
 */
const releaseConfirmed = (pg: PgClient.PgClient, messageIds: ReadonlyArray<MessageId>) =>
  pg`WITH released AS (
      UPDATE conversations c SET mode = 'bot', mode_reason = ${SEND_CONFIRMED}, mode_changed_by = NULL, mode_changed_at = now(),
             assigned_to = NULL, decided_message_id = NULL, updated_at = now()
      FROM messages m
      WHERE m.id IN ${pg.in(messageIds)} AND m.status <> 'failed' AND m.message_from = 'BOT'
        AND c.id = m.conversation_id AND c.organization_id = m.organization_id
        AND c.mode = 'human' AND c.mode_changed_by IS NULL AND starts_with(c.mode_reason, ${HANDED_OFF_UNCONFIRMED})
        AND c.mode_changed_at >= m.created_at
        AND NOT EXISTS (SELECT 1 FROM messages n WHERE n.conversation_id = m.conversation_id
                          AND n.message_from IN ('BOT', 'HUMAN') AND (n.created_at, n.id) > (m.created_at, m.id))
      RETURNING c.id, c.organization_id, m.id AS message_id),
    audited AS (
      INSERT INTO conversation_events (organization_id, conversation_id, event_type, outcome, details)
      SELECT organization_id, id, 'release', 'bot', jsonb_build_object('reason', ${SEND_CONFIRMED}::text) FROM released)
    SELECT message_id FROM released`.pipe(decode(Released))

export const makeInboundStatuses = Effect.gen(function*() {
  const pg = yield* PgClient.PgClient

  /** Applies the statuses; for one wamid several times in the batch, the furthest status wins. By input position. */
  const applyStatuses = Effect.fn("InboundStatuses.applyStatuses")(function*(inputs: ReadonlyArray<StatusInput>) {
    const applied = new Map<number, StatusApplied>()
    if (inputs.length === 0) return applied as ReadonlyMap<number, StatusApplied>
    const rows = inputs.map((s, k) => {
      const error = s.error._tag === "Some" ? s.error.value : null
      return { k, org: s.organizationId, wamid: s.wamid, status: s.status, code: error?.code ?? null, title: error?.title ?? null, details: error?.details ?? null }
    })
    // the rows the statuses name, by wamid or by reference, locked in id order (one round trip:
    // every status of ours carries its reference, and nearly always the wamid finds the same row)
    const references = referencesOf(inputs)
    const wamids = pg.in([...new Set(rows.map((r) => r.wamid))])
    const locked = yield* (references.length === 0
      ? pg`SELECT id, false AS unconfirmed FROM messages WHERE wamid IN ${wamids} ORDER BY id FOR UPDATE`
      : pg`SELECT id, (wamid IS NULL AND status = 'unknown') AS unconfirmed FROM messages
          WHERE wamid IN ${wamids} OR id IN ${pg.in([...new Set(references.map((r) => r.ref))])} ORDER BY id FOR UPDATE`).pipe(decode(LockedStatusTarget))
    const adopted = locked.some((r) => r.unconfirmed) ? yield* adoptConfirmedSends(pg, references) : []
    const done = yield* pg`UPDATE messages m SET status = b.status,
          error_code = coalesce(b.code, m.error_code), error_title = coalesce(b.title, m.error_title),
          error_details = coalesce(b.details, m.error_details), updated_at = now()
        FROM (SELECT DISTINCT ON (org, wamid) * FROM jsonb_to_recordset(${jsonDocument(rows)}::jsonb)
                AS i(k int, org uuid, wamid text, status text, code int, title text, details text)
              ORDER BY org, wamid, array_position(${pg.unsafe(RANK)}, status) DESC, k DESC) b
        WHERE m.wamid = b.wamid AND m.organization_id = b.org
          AND array_position(${pg.unsafe(RANK)}, m.status) < array_position(${pg.unsafe(RANK)}, b.status)
        RETURNING b.k, m.id, m.conversation_id`.pipe(decode(AppliedStatus))
    const released = new Set<string>()
    if (adopted.length > 0) {
      for (const r of yield* releaseConfirmed(pg, adopted.map((a) => a.id))) released.add(r.messageId)
      yield* Effect.logInfo("sends of unknown outcome confirmed by their statuses").pipe(
        Effect.annotateLogs({ messages: adopted.map((a) => a.id).join(","), handoffsUndone: released.size })
      )
    }
    for (const d of done) applied.set(d.k, { messageId: d.id, conversationId: d.conversationId, released: released.has(d.id) })
    return applied as ReadonlyMap<number, StatusApplied>
  })

  return { applyStatuses }
})

/** What an applied status announces: the message's new status, and the release when it undid a handoff. */
export const statusEvents = (input: StatusInput, at: Date, applied: StatusApplied): ReadonlyArray<DomainEvent> => {
  const error = input.error._tag === "Some" ? input.error.value : null
  const base = { organizationId: input.organizationId, conversationId: applied.conversationId, at: DateTime.fromDateUnsafe(at) }
  const changed = new MessageStatusChanged({ ...base, messageId: applied.messageId, wamid: Wamid.make(input.wamid), status: input.status, errorCode: error?.code ?? null })
  if (!applied.released) return [changed]
  return [changed, new ModeChanged({ ...base, mode: "bot", kind: "release", reason: SEND_CONFIRMED, byUserId: null, assignedTo: null })]
}
