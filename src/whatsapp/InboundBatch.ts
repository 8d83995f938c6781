/**
 * Storing many webhook messages with a handful of set-based statements, inside the
 * caller's transaction: what InboundStore does one message at a time (same rules: leads found by
 * number, BSUID or phone and their identities linked, one conversation per lead and channel,
 * each wamid once, the newest message on the conversation, pending follow-ups cancelled by a
 * lead's turn message, the conversation's lease taken for the engine). Rows are locked in id
 * order, so two batches never wait on each other in a circle. Statuses: src/whatsapp/InboundStatuses.ts.
 *
 * Input order is kept: a message's `ord` orders its `created_at` within the batch.
 */
import { PgClient } from "@effect/sql-pg"
import { Effect, Schema } from "effect"
import { jsonDocument } from "../db/jsonDocument.ts"
import type { Lessee } from "../records/leases.ts"
import { ConversationId, LeadId, MessageId, ScheduledActionId } from "../domain/ids.ts"
import type { InboundMessageInput, StoredInbound } from "./InboundStore.ts"
import { newestOf } from "./newestOf.ts"

/** Each conversation the rows name, once. */
const conversationsOf = (rows: ReadonlyArray<{ readonly conversation_id: string; readonly org: string }>) =>
  [...new Map(rows.map((r) => [r.conversation_id, { conversation_id: r.conversation_id, org: r.org }])).values()]

export const phoneOf = (waId: string | undefined) => waId !== undefined && /^[1-9][0-9]{6,14}$/.test(waId) ? `+${waId}` : null

const FoundLead = Schema.Array(Schema.Struct({ k: Schema.Int, id: LeadId }))
const LockedLead = Schema.Array(Schema.Struct({ id: LeadId }))
const InsertedLead = Schema.Array(Schema.Struct({ id: LeadId, organizationId: Schema.String, waId: Schema.NullOr(Schema.String), userId: Schema.NullOr(Schema.String) }))
const ConversationRow = Schema.Array(Schema.Struct({ id: ConversationId, leadId: LeadId, channelId: Schema.String }))
const InsertedMessage = Schema.Array(Schema.Struct({ id: MessageId, wamid: Schema.String }))
const CancelledRow = Schema.Array(Schema.Struct({ id: ScheduledActionId, conversationId: ConversationId, scheduledAt: Schema.Date }))
const Taken = Schema.Array(Schema.Struct({ conversationId: ConversationId }))
/** A message of the batch, by its position in the input. */
export type StoredMessages = ReadonlyMap<number, StoredInbound>

interface Identity {
  readonly k: number
  readonly org: string
  readonly wa_id: string | null
  readonly user_id: string | null
  readonly phone: string | null
  name: string | null
  ctwa: string | null
}

const identityKey = (input: InboundMessageInput) => `${input.organizationId} ${input.lead.waId ?? ""} ${input.lead.userId ?? ""}`

export const makeInboundBatch = Effect.gen(function*() {
  const pg = yield* PgClient.PgClient
  const decode = <S extends Schema.Constraint & { readonly DecodingServices: never }>(schema: S) => Effect.flatMap(Schema.decodeUnknownEffect(schema))

  /**
   * Each identity's lead by number, BSUID or phone (the number's first). One lookup by each
   * unique index, not one join with the three conditions OR-ed: PostgreSQL cannot use an index
   * for that and compared every identity with every lead of the organization (485 ms a batch of
   * 50 at 200,000 leads, 1.1–1.6 ms now: README finding (21)).
   */
  const findLeads = (identities: ReadonlyArray<Identity>) =>
    pg`WITH i AS (SELECT * FROM jsonb_to_recordset(${jsonDocument(identities)}::jsonb)
          AS i(k int, org uuid, wa_id text, user_id text, phone text))
        SELECT DISTINCT ON (i.k) i.k, l.id FROM i CROSS JOIN LATERAL (
          SELECT id, wa_id, created_at FROM leads WHERE organization_id = i.org AND wa_id = i.wa_id
          UNION ALL SELECT id, wa_id, created_at FROM leads WHERE organization_id = i.org AND user_id = i.user_id
          UNION ALL SELECT id, wa_id, created_at FROM leads WHERE organization_id = i.org AND phone = i.phone AND deleted_at IS NULL) l
        ORDER BY i.k, (l.wa_id = i.wa_id) DESC NULLS LAST, l.created_at`.pipe(decode(FoundLead))

  /** Every identity's lead, found or created; `found`: the ones that existed (their details are refreshed later). */
  const findOrCreateLeads = Effect.fnUntraced(function*(identities: ReadonlyArray<Identity>) {
    const leadOf = new Map<number, LeadId>()
    for (const f of yield* findLeads(identities)) leadOf.set(f.k, f.id)
    const missing = identities.filter((i) => !leadOf.has(i.k))
    if (missing.length > 0) {
      const inserted = yield* pg`INSERT INTO leads (organization_id, wa_id, user_id, phone, name, ctwa_clid)
          SELECT org, wa_id, user_id, phone, name, ctwa FROM jsonb_to_recordset(${jsonDocument(missing)}::jsonb)
            AS i(k int, org uuid, wa_id text, user_id text, phone text, name text, ctwa text) ORDER BY k
          ON CONFLICT DO NOTHING RETURNING id, organization_id, wa_id, user_id`.pipe(decode(InsertedLead))
      for (const row of inserted) {
        const identity = missing.find((i) => i.org === row.organizationId && i.wa_id === row.waId && i.user_id === row.userId)
        if (identity !== undefined) leadOf.set(identity.k, row.id)
      }
      // two identities of the batch for one new lead (or a concurrent insert): found now
      const still = missing.filter((i) => !leadOf.has(i.k))
      if (still.length > 0) for (const f of yield* findLeads(still)) leadOf.set(f.k, f.id)
    }
    const found = identities.filter((i) => !missing.includes(i))
    return { leadOf, found }
  })

  /**
   * The found leads whose details the batch changes (a new name, a number or BSUID learned, the
   * first ad click): locked in id order and updated. A lead whose details stand is not locked at
   * all — most messages — so a batch holds no lead a turn writes to. FOR NO KEY UPDATE: a message
   * inserted meanwhile checks its lead_id foreign key with a KEY SHARE lock, which FOR UPDATE would
   * block (PostgreSQL takes the stronger lock itself when a wa_id or BSUID is learned).
   */
  const refreshLeads = Effect.fnUntraced(function*(found: ReadonlyArray<Identity>, leadOf: ReadonlyMap<number, LeadId>) {
    if (found.length === 0) return
    const updates = [...new Map(found.map((i) => [leadOf.get(i.k), { ...i, id: leadOf.get(i.k) }])).values()]
    const changed = yield* pg`SELECT l.id FROM leads l
        JOIN jsonb_to_recordset(${jsonDocument(updates)}::jsonb) AS i(id uuid, wa_id text, user_id text, phone text, name text, ctwa text) ON l.id = i.id
        WHERE (i.name IS NOT NULL AND l.name IS DISTINCT FROM i.name) OR (i.user_id IS NOT NULL AND l.user_id IS DISTINCT FROM i.user_id)
          OR (l.wa_id IS NULL AND i.wa_id IS NOT NULL) OR (l.phone IS NULL AND i.phone IS NOT NULL)
          OR (l.ctwa_clid IS NULL AND i.ctwa IS NOT NULL)
        ORDER BY l.id FOR NO KEY UPDATE OF l`.pipe(decode(LockedLead))
    if (changed.length === 0) return
    const ids = new Set<string>(changed.map((c) => c.id))
    yield* pg`UPDATE leads l SET name = coalesce(i.name, l.name), wa_id = coalesce(l.wa_id, i.wa_id),
        user_id = coalesce(i.user_id, l.user_id), phone = coalesce(l.phone, i.phone),
        ctwa_clid = coalesce(l.ctwa_clid, i.ctwa), updated_at = now()
      FROM jsonb_to_recordset(${jsonDocument(updates.filter((u) => ids.has(String(u.id))))}::jsonb)
        AS i(id uuid, wa_id text, user_id text, phone text, name text, ctwa text)
      WHERE l.id = i.id`
  })

  /** Each (lead, channel)'s conversation, created when missing. Nothing is locked: see storeMessages. */
  const conversationsFor = Effect.fnUntraced(function*(pairs: ReadonlyArray<{ readonly org: string; readonly lead_id: LeadId; readonly channel_id: string }>) {
    const find = (of: typeof pairs) =>
      pg`SELECT c.id, c.lead_id, c.channel_id FROM conversations c
          JOIN jsonb_to_recordset(${jsonDocument(of)}::jsonb) AS i(org uuid, lead_id uuid, channel_id uuid)
            ON c.lead_id = i.lead_id AND c.channel_id = i.channel_id`.pipe(decode(ConversationRow))
    const key = (c: { readonly leadId: string; readonly channelId: string }) => `${c.leadId} ${c.channelId}`
    const conversationOf = new Map((yield* find(pairs)).map((c) => [key(c), c.id]))
    const missing = pairs.filter((p) => !conversationOf.has(`${p.lead_id} ${p.channel_id}`))
    if (missing.length > 0) {
      const created = yield* pg`INSERT INTO conversations (organization_id, lead_id, channel_id)
          SELECT org, lead_id, channel_id FROM jsonb_to_recordset(${jsonDocument(missing)}::jsonb) AS i(org uuid, lead_id uuid, channel_id uuid)
          ORDER BY lead_id
          ON CONFLICT (lead_id, channel_id) DO NOTHING RETURNING id, lead_id, channel_id`.pipe(decode(ConversationRow))
      for (const c of created) conversationOf.set(key(c), c.id)
      // created by a concurrent batch meanwhile (its insert committed while this one waited): found now
      const still = missing.filter((p) => !conversationOf.has(`${p.lead_id} ${p.channel_id}`))
      if (still.length > 0) for (const c of yield* find(still)) conversationOf.set(key(c), c.id)
    }
    return conversationOf
  })

  /**
   * Stores the messages (none of them a number change: that one goes one at a time). `lessee`:
   * the engine that takes the turns. Returns what was stored new, by input position.
   */
  const storeMessages = Effect.fn("InboundBatch.storeMessages")(function*(inputs: ReadonlyArray<InboundMessageInput>, lessee: Lessee | null) {
    const stored = new Map<number, StoredInbound>()
    if (inputs.length === 0) return stored as StoredMessages
    // one identity per (organization, number, BSUID): the latest name of the batch, the first ad click
    const identities = new Map<string, Identity>()
    for (const input of inputs) {
      const key = identityKey(input)
      const seen = identities.get(key)
      if (seen === undefined) {
        identities.set(key, {
          k: identities.size,
          org: input.organizationId,
          wa_id: input.lead.waId ?? null,
          user_id: input.lead.userId ?? null,
          phone: phoneOf(input.lead.waId),
          name: input.lead.name ?? null,
          ctwa: input.lead.ctwaClid ?? null
        })
      } else {
        seen.name = input.lead.name ?? seen.name
        seen.ctwa = seen.ctwa ?? input.lead.ctwaClid ?? null
      }
    }
    const { leadOf, found } = yield* findOrCreateLeads([...identities.values()])
    const leadFor = (input: InboundMessageInput) => leadOf.get(identities.get(identityKey(input))?.k ?? -1)

    const pairs = [...new Map(inputs.flatMap((input) => {
      const leadId = leadFor(input)
      return leadId === undefined ? [] : [[`${leadId} ${input.channelId}`, { org: input.organizationId, lead_id: leadId, channel_id: input.channelId }] as const]
    })).values()].sort((a, b) => a.lead_id.localeCompare(b.lead_id))
    const conversationOf = yield* conversationsFor(pairs)

    const rows = inputs.flatMap((input, ord) => {
      const leadId = leadFor(input)
      const conversationId = leadId === undefined ? undefined : conversationOf.get(`${leadId} ${input.channelId}`)
      if (leadId === undefined || conversationId === undefined) return []
      return [{
        ord,
        org: input.organizationId,
        conversation_id: conversationId,
        lead_id: leadId,
        type: input.type,
        content: input.content,
        payload: input.payload,
        wamid: input.wamid,
        reply_to: input.replyTo ?? null,
        ts: input.timestamp.toISOString(),
        is_turn: input.isTurn
      }]
    })
    // inserted in wamid order, the same in every batch: two batches with the same redelivered
    // wamids never wait on each other in a circle (the first of a wamid twice in a batch is the one kept)
    const inserted = yield* pg`INSERT INTO messages (organization_id, conversation_id, lead_id, message_from, type, content,
          payload, wamid, reply_to_wamid, status, wa_timestamp, created_at)
        SELECT org, conversation_id, lead_id, 'LEAD', type, content, payload, wamid, reply_to, 'received', ts,
          now() + make_interval(secs => ord / 1000000.0)
        FROM jsonb_to_recordset(${jsonDocument(rows)}::jsonb) AS i(ord int, org uuid, conversation_id uuid, lead_id uuid, type text,
          content text, payload jsonb, wamid text, reply_to text, ts timestamptz, is_turn boolean)
        ORDER BY wamid, ord
        ON CONFLICT (wamid) DO NOTHING RETURNING id, wamid`.pipe(decode(InsertedMessage))
    const idOf = new Map(inserted.map((m) => [m.wamid, m.id]))
    // a wamid twice in the batch is stored once: the first one is the new message
    const fresh = rows.filter((r) => {
      const id = idOf.get(r.wamid)
      if (id === undefined) return false
      idOf.delete(r.wamid)
      stored.set(r.ord, { messageId: id, conversationId: r.conversation_id, leadId: r.lead_id, cancelledFollowUps: [] })
      return true
    })

    // the rows a turn writes to are locked last, for as short as can be: the leads whose details
    // change, then the conversations (in id order), then their follow-ups and leases. A turn's
    // outbound commit (under its conversation's lock) that comes before sees none of these
    // messages, and they become visible only after it committed: the reply was sent first.
    yield* refreshLeads(found, leadOf)
    if (fresh.length > 0) {
      yield* pg`SELECT id FROM conversations WHERE id IN ${pg.in([...new Set(fresh.map((r) => r.conversation_id))].sort())}
        ORDER BY id FOR NO KEY UPDATE`
      yield* pg`UPDATE conversations c SET
          last_message = CASE WHEN c.last_message_at IS NULL OR c.last_message_at <= n.ts THEN n.content ELSE c.last_message END,
          last_message_at = GREATEST(c.last_message_at, n.ts),
          last_user_message_at = CASE WHEN n.turn_ts IS NULL THEN c.last_user_message_at ELSE GREATEST(c.last_user_message_at, n.turn_ts) END,
          unchecked_lead_at = now(), updated_at = now()
        FROM jsonb_to_recordset(${jsonDocument(newestOf(fresh))}::jsonb) AS n(conversation_id uuid, org uuid, content text, ts timestamptz, turn_ts timestamptz)
        WHERE c.id = n.conversation_id AND c.organization_id = n.org`
      const turns = fresh.filter((r) => r.is_turn)
      if (turns.length > 0) {
        // the conversations only (each once), not their messages: the batch's whole text was sent once already
        const replied = conversationsOf(turns)
        const cancelled = yield* pg`UPDATE scheduled_actions SET status = 'CANCELLED', cancelled_at = now(), outcome = 'lead replied'
            WHERE status = 'PENDING' AND (organization_id, conversation_id) IN
              (SELECT org, conversation_id FROM jsonb_to_recordset(${jsonDocument(replied)}::jsonb) AS i(org uuid, conversation_id uuid))
            RETURNING id, conversation_id, scheduled_at`.pipe(decode(CancelledRow))
        // each conversation's cancellations are told with its first new turn message
        const told = new Set<string>()
        for (const r of turns) {
          const s = stored.get(r.ord)
          if (s === undefined || told.has(r.conversation_id)) continue
          told.add(r.conversation_id)
          const mine = cancelled.filter((c) => c.conversationId === r.conversation_id)
          if (mine.length > 0) stored.set(r.ord, { ...s, cancelledFollowUps: mine.map((c) => ({ id: c.id, dueAt: c.scheduledAt })) })
        }
      }
    }
    // every turn message's conversation is leased to the engine (a redelivery too: see InboundStore)
    const leased = conversationsOf(rows.filter((r) => r.is_turn))
    if (lessee !== null && leased.length > 0) yield* acquireLeases(leased, lessee)
    return stored as StoredMessages
  })

  /** Takes (or keeps) the leases; a lease a live owner holds is poked instead, as the one-message path does. */
  const acquireLeases = Effect.fnUntraced(function*(keys: ReadonlyArray<{ readonly conversation_id: string; readonly org: string }>, lessee: Lessee) {
    const sorted = [...keys].sort((a, b) => a.conversation_id.localeCompare(b.conversation_id))
    const taken = yield* pg`INSERT INTO conversation_leases (conversation_id, organization_id, owner, expires_at)
        SELECT conversation_id, org, ${lessee.owner}, now() + make_interval(secs => ${lessee.ttlMs / 1000})
        FROM jsonb_to_recordset(${jsonDocument(sorted)}::jsonb) AS i(conversation_id uuid, org uuid) ORDER BY conversation_id
        ON CONFLICT (conversation_id) DO UPDATE
          SET owner = excluded.owner, expires_at = excluded.expires_at,
              poked = conversation_leases.poked AND conversation_leases.owner = excluded.owner
          WHERE conversation_leases.owner = excluded.owner OR conversation_leases.expires_at < now()
        RETURNING conversation_id`.pipe(decode(Taken))
    const mine = new Set(taken.map((t) => t.conversationId))
    const others = sorted.filter((k) => !mine.has(ConversationId.make(k.conversation_id)))
    if (others.length === 0) return
    yield* pg`UPDATE conversation_leases SET poked = true
      WHERE conversation_id IN ${pg.in(others.map((k) => k.conversation_id))} AND owner <> ${lessee.owner} AND expires_at >= now()`
  })

  return { storeMessages }
})
