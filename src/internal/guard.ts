/**
 * What a worker may name over the internal RPC. Workers serve every tenant, so the API checks
 * that each call holds together: a conversation belongs to the organization the call names, a
 * message or follow-up belongs to that conversation, a send goes through a channel of that
 * organization to the lead of one of its conversations that has a pending bot reply under a live
 * lease, and a forwarded delivery is signed like the public webhook requires. Anything else is
 * `Refused`, before a row is read or written for it.
 */
import { Effect, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { type ChannelId, ConversationId, type ConversationKey, type MessageId, OrganizationId, type ScheduledActionId } from "../domain/ids.ts"
import type { SendTarget } from "../conversations/sender.ts"
import { StoreError } from "../records/StoreError.ts"
import { WEBHOOK_MAX_BYTES } from "../domain/WhatsAppApi.ts"
import { decodeRows } from "../db/rows.ts"
import { verifySignature } from "../whatsapp/Signature.ts"
import { encodeSigner } from "../whatsapp/Signer.ts"
import { WebhookSecrets } from "../whatsapp/WebhookSecrets.ts"
import { Refused } from "./InternalRpcs.ts"

/** Conversations never change organization: a pair seen together once stays valid. */
const VERIFIED_MAX = 100_000

const orStoreError = Effect.mapError(StoreError.from)

const Owned = Schema.Struct({ organizationId: OrganizationId, conversationId: ConversationId })
type Owned = typeof Owned.Type

const organizationRows = decodeRows(Schema.Struct({ organizationId: OrganizationId }))
const ownedRows = decodeRows(Owned)
const messageRows = decodeRows(Schema.Struct({ ...Owned.fields, messageFrom: Schema.String }))
const targetRows = decodeRows(Schema.Struct({ conversations: Schema.Int, pending: Schema.Boolean, read: Schema.Boolean }))

export const makeGuard = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const secrets = yield* WebhookSecrets
  const verified = new Map<ConversationId, OrganizationId>()

  const remember = (key: ConversationKey) => {
    if (verified.size >= VERIFIED_MAX) {
      const oldest = verified.keys().next()
      if (oldest.done !== true) verified.delete(oldest.value)
    }
    verified.set(key.conversationId, key.organizationId)
  }

  /**
   * The conversation is the named organization's. One that does not exist passes: every
   * operation on it finds nothing, and inserts are refused by the composite foreign keys.
   */
  const conversation = Effect.fn("Internal.guard.conversation")(function*(key: ConversationKey) {
    if (verified.get(key.conversationId) === key.organizationId) return
    const [row] = yield* sql`
      SELECT organization_id FROM conversations WHERE id = ${key.conversationId}`.pipe(organizationRows, orStoreError)
    if (row === undefined) return
    if (row.organizationId !== key.organizationId) {
      return yield* new Refused({ reason: `conversation ${key.conversationId} is not a conversation of organization ${key.organizationId}` })
    }
    remember(key)
  })

  /** A row that exists (a message, a follow-up) must be in the named conversation of the named organization. */
  const within = (what: string, id: string, key: ConversationKey, row: Owned | undefined) =>
    row === undefined || (row.organizationId === key.organizationId && row.conversationId === key.conversationId)
      ? Effect.void
      : Effect.fail(new Refused({ reason: `${what} ${id} is not in conversation ${key.conversationId} of organization ${key.organizationId}` }))

  /** The message is in the conversation; `bot`: and it is a bot message (the only kind a worker sends). */
  const message = Effect.fn("Internal.guard.message")(function*(key: ConversationKey, id: MessageId, options: { readonly bot: boolean }) {
    yield* conversation(key)
    const [row] = yield* sql`
      SELECT organization_id, conversation_id, message_from FROM messages WHERE id = ${id}`.pipe(messageRows, orStoreError)
    yield* within("message", id, key, row)
    if (options.bot && row !== undefined && row.messageFrom !== "BOT") {
      return yield* new Refused({ reason: `message ${id} is not a bot message` })
    }
  })

  const followUp = Effect.fn("Internal.guard.followUp")(function*(key: ConversationKey, id: ScheduledActionId) {
    yield* conversation(key)
    const [row] = yield* sql`
      SELECT organization_id, conversation_id FROM scheduled_actions WHERE id = ${id}`.pipe(ownedRows, orStoreError)
    yield* within("follow-up", id, key, row)
  })

  /** The channel is the target organization's, and the target is the lead of a conversation on it. */
  const target = Effect.fn("Internal.guard.target")(function*(target: SendTarget, wamid: string | null) {
    const [channel] = yield* sql`
      SELECT organization_id FROM channels WHERE id = ${target.channelId}`.pipe(organizationRows, orStoreError)
    if (channel === undefined || channel.organizationId !== target.organizationId) {
      return yield* new Refused({ reason: `channel ${target.channelId} is not a channel of organization ${target.organizationId}` })
    }
    if (target.waId === null && target.userId === null) return yield* new Refused({ reason: "the target names no lead" })
    // the recipient is the number, else the business-scoped user id (as the sender picks it)
    const [found] = yield* sql`
      SELECT count(*)::int AS conversations,
             coalesce(bool_or(EXISTS (SELECT 1 FROM conversation_leases cl WHERE cl.conversation_id = c.id AND cl.expires_at >= now())
                              AND EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.organization_id = c.organization_id
                                            AND m.message_from = 'BOT' AND m.status = 'pending')), false) AS pending,
             coalesce(bool_or(EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.organization_id = c.organization_id
                                        AND m.wamid = ${wamid})), false) AS read
      FROM conversations c JOIN leads l ON l.id = c.lead_id AND l.organization_id = c.organization_id
      WHERE c.organization_id = ${target.organizationId} AND c.channel_id = ${target.channelId}
        AND ((${target.waId}::text IS NOT NULL AND l.wa_id = ${target.waId})
          OR (${target.waId}::text IS NULL AND l.user_id = ${target.userId}))`.pipe(targetRows, orStoreError)
    if (found === undefined || found.conversations === 0) {
      return yield* new Refused({ reason: `the target is not the lead of a conversation of organization ${target.organizationId} on channel ${target.channelId}` })
    }
    return found
  })

  /** A send: the target holds together and its conversation has a pending bot reply under a live lease. */
  const send = Effect.fn("Internal.guard.send")(function*(t: SendTarget) {
    const found = yield* target(t, null)
    if (!found.pending) {
      return yield* new Refused({ reason: "the target's conversation has no pending bot reply under a live lease" })
    }
  })

  /** A read receipt: the target holds together and the message is one of its conversation's. */
  const read = Effect.fn("Internal.guard.read")(function*(t: SendTarget, wamid: string) {
    const found = yield* target(t, wamid)
    if (!found.read) return yield* new Refused({ reason: "the message to mark read is not in the target's conversation" })
  })

  /**
   * A delivery a worker forwards, checked again as the public webhook checks it: the size, then
   * the HMAC over the exact bytes with the one secret of the route it came in on (`channelId`: a
   * channel's route, that channel's secret; null: the bare route, the deployment's). Returns who
   * vouched for it (`signedBy`), as intake would have recorded it.
   */
  const delivery = Effect.fn("Internal.guard.delivery")(function*(body: Uint8Array, signature: string, channelId: ChannelId | null) {
    if (body.byteLength > WEBHOOK_MAX_BYTES) {
      return yield* new Refused({ reason: `the forwarded delivery is larger than ${WEBHOOK_MAX_BYTES} bytes` })
    }
    const secret = channelId === null
      ? secrets.deployment
      : Option.flatMap(yield* secrets.forChannel(channelId).pipe(orStoreError), (keys) => keys.secret)
    if (Option.isNone(secret)) {
      return yield* new Refused({ reason: `no app secret can sign deliveries of ${channelId === null ? "the bare webhook route" : `channel ${channelId}`}` })
    }
    if (!verifySignature(signature === "" ? undefined : signature, body, secret.value)) {
      return yield* new Refused({ reason: "the forwarded delivery's X-Hub-Signature-256 does not verify" })
    }
    const { fingerprint } = secret.value
    return encodeSigner(channelId === null ? { _tag: "Deployment", fingerprint } : { _tag: "Channel", fingerprint, channelId })
  })

  return { conversation, message, followUp, send, read, delivery }
})
