/**
 * The inbox consumer's work for one delivery: decode the envelope, then every entry, change,
 * message and status of it. Routes by `metadata.phone_number_id`. A part is stored only if who
 * vouched for the delivery (Signer) may speak for that number: a channel's route for that
 * channel's number only; the deployment's secret (bare route) for numbers of the quick-setup
 * organization without a secret of their own. Other parts, parts for a disabled channel (a
 * secret that cannot be opened) and unknown numbers are logged and dropped.
 *
 * Deliveries processed at the same time are stored together (a group commit: one transaction,
 * set-based statements, src/whatsapp/ingestWrites.ts); each caller gets its own parts' results
 * and publishes its own events once they are committed.
 */
import { Cache, Context, DateTime, Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { Lessee } from "../records/leases.ts"
import { type DomainEvent, FollowUpChanged, MessageStored } from "../domain/events.ts"
import type { OrganizationId } from "../domain/ids.ts"
import { EventBus } from "../events/EventBus.ts"
import type { InboxItem } from "../inbox/Inbox.ts"
import { count, webhookDeliveries } from "../observability/metrics.ts"
import { tagWithSpan } from "../observability/traceContext.ts"
import { makeGroupCommit } from "../db/groupCommit.ts"
import { type Channel, Channels, ChannelStoreError, keptBriefly } from "./Channels.ts"
import type { StoreError } from "./InboundStore.ts"
import { statusEvents } from "./InboundStatuses.ts"
import { makeIngestWrites, type Part, type PartResult } from "./ingestWrites.ts"
import type { Contact } from "./payload/common.ts"
import { decodeChangeValue, decodeMessage, decodeStatus, EnvelopeFromJson, StatusValue } from "./payload/envelope.ts"
import { describe } from "./payload/describe.ts"
import { findDefaultOrganization } from "./QuickSetup.ts"
import type { AppSecret } from "./Signature.ts"
import { decodeSigner, type Signer } from "./Signer.ts"
import { WebhookSecrets } from "./WebhookSecrets.ts"

export const IngestOutcome = Schema.Union([
  Schema.TaggedStruct("Processed", {}),
  Schema.TaggedStruct("Undecodable", { reason: Schema.String })
])
export type IngestOutcome = typeof IngestOutcome.Type

/** What one delivery did: the outcome and the events it published (in order). */
export interface Ingested {
  readonly outcome: IngestOutcome
  readonly events: ReadonlyArray<DomainEvent>
}

const decodeEnvelope = Schema.decodeUnknownEffect(EnvelopeFromJson)
const isStatusValue = Schema.is(StatusValue)
const textDecoder = new TextDecoder()

const timestampOf = (s: string) => {
  const seconds = Number(s)
  return Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : new Date()
}

export class Ingest extends Context.Service<Ingest, {
  /**
   * Stores one delivery and publishes what happened. `lessee`: the engine process that will
   * take the turns of its messages (see InboundStore).
   */
  readonly process: (item: InboxItem, lessee: Lessee | null) => Effect.Effect<Ingested, StoreError | ChannelStoreError>
}>()("wa/Ingest") {
  static readonly layer = Layer.effect(Ingest, Effect.gen(function*() {
    const channels = yield* Channels
    const secrets = yield* WebhookSecrets
    const bus = yield* EventBus
    const sql = yield* SqlClient.SqlClient

    // the quick-setup organization never changes once it exists: read until found, then kept
    let quickSetupOrg = Option.none<OrganizationId>()
    const quickSetupOrganization = Effect.suspend(() =>
      Option.isSome(quickSetupOrg) ? Effect.succeed(quickSetupOrg) : findDefaultOrganization().pipe(
        Effect.tap((found) => Effect.sync(() => void (quickSetupOrg = found))),
        Effect.provideService(SqlClient.SqlClient, sql),
        Effect.mapError((e) => new ChannelStoreError({ reason: e.message }))
      )
    )

    // a number's channel and the secret its deliveries must carry, kept briefly (as the webhook's keys)
    const byNumber = yield* keptBriefly((phoneNumberId: string) =>
      Effect.map(channels.findByPhoneNumberId(phoneNumberId), Option.map((channel) => ({ channel, expected: secrets.effectiveFor(channel) })))
    )

    /** Why `signer` may not speak for `channel`'s number; none when it may. */
    const refusal = Effect.fnUntraced(function*(signer: Signer, channel: Channel, expected: Option.Option<AppSecret>) {
      if (channel.unreadable.length > 0) return Option.some(`channel disabled: its ${channel.unreadable.join(", ")} cannot be opened`)
      if (signer._tag === "Channel") {
        return signer.channelId === channel.id && Option.isSome(expected) && expected.value.fingerprint === signer.fingerprint
          ? Option.none()
          : Option.some("signed for another channel's route")
      }
      const deployment = secrets.deployment
      if (Option.isSome(deployment) && deployment.value.fingerprint === signer.fingerprint) {
        if (Option.isSome(channel.appSecret)) return Option.some("the channel has its own app secret (use its route)")
        const org = yield* quickSetupOrganization
        return Option.isSome(org) && org.value === channel.organizationId
          ? Option.none()
          : Option.some("signed with the deployment's secret for another organization's number")
      }
      // stored before webhook routes existed: verified with the channel's own secret
      return Option.isSome(channel.appSecret) && Option.isSome(expected) && expected.value.fingerprint === signer.fingerprint
        ? Option.none()
        : Option.some("signed by another app's secret")
    })

    /**
     * A message of the delivery, ready to store (the span that prepared it is its turn's link).
     * Its span captures no stack trace (`Effect.fn`'s trace and frame cost ≈ 4 µs a call).
     */
    const message = Effect.fnUntraced(function*(channel: Channel, contacts: ReadonlyArray<Contact>, raw: unknown, parts: Array<Part>) {
      const decoded = decodeMessage(raw)
      if (Option.isNone(decoded)) return yield* Effect.logWarning("message without id/timestamp skipped")
      const d = decoded.value
      const m = d.message
      const org = channel.organizationId
      if (d._tag === "Known" && d.message.type === "reaction") {
        const r = d.message.reaction
        return parts.push({ _tag: "Reaction", organizationId: org, wamid: r.message_id, emoji: r.emoji })
      }
      const contact = contacts.find((c) =>
        (m.from !== undefined && c.wa_id === m.from) || (m.from_user_id !== undefined && c.user_id === m.from_user_id)
      ) ?? (contacts.length === 1 ? contacts[0] : undefined)
      const waId = m.from ?? contact?.wa_id
      const userId = m.from_user_id ?? contact?.user_id
      if (waId === undefined && userId === undefined) return yield* Effect.logWarning("message without a sender skipped")
      const described = describe(d)
      parts.push({
        _tag: "Message",
        origin: yield* Effect.currentParentSpan.pipe(Effect.option),
        input: {
          organizationId: org,
          channelId: channel.id,
          lead: { waId, userId, name: contact?.profile?.name ?? contact?.profile?.username, ctwaClid: m.referral?.ctwa_clid },
          wamid: m.id,
          type: described.type,
          content: described.content,
          payload: raw,
          replyTo: described.replyTo,
          timestamp: timestampOf(m.timestamp),
          isTurn: described.isTurn,
          lessee: null,
          newWaId: d._tag === "Known" && d.message.type === "system" && d.message.system.type === "user_changed_number"
            ? d.message.system.wa_id
            : undefined
        }
      })
    }, Effect.withSpan("Ingest.message", {}, { captureStackTrace: false }))

    const status = Effect.fnUntraced(function*(channel: Channel, raw: unknown, parts: Array<Part>) {
      const decoded = decodeStatus(raw)
      if (Option.isNone(decoded)) return yield* Effect.logWarning("status not understood, skipped")
      const st = decoded.value
      const value = st.status
      if (!isStatusValue(value)) return yield* Effect.logInfo("status value not handled").pipe(Effect.annotateLogs({ status: value }))
      const e = st.errors?.[0]
      yield* Effect.annotateCurrentSpan({ "wa.status": value, ...(e === undefined ? {} : { "wa.graph.error_code": e.code, "error.type": String(e.code) }) })
      parts.push({
        _tag: "Status",
        at: timestampOf(st.timestamp),
        input: {
          organizationId: channel.organizationId,
          wamid: st.id,
          status: value,
          error: Option.fromNullishOr(e).pipe(Option.map((x) => ({ code: x.code, title: x.title ?? x.message ?? null, details: x.error_data?.details ?? null }))),
          reference: st.biz_opaque_callback_data,
          recipient: st.recipient_id ?? st.recipient_user_id
        }
      })
    }, Effect.withSpan("Ingest.status", {}, { captureStackTrace: false }))

    /** Decodes and authorizes a delivery: the parts to store, or why it can never be processed. */
    const prepare = Effect.fnUntraced(function*(item: InboxItem) {
      const envelope = yield* decodeEnvelope(textDecoder.decode(item.body)).pipe(Effect.option)
      if (Option.isNone(envelope)) return Option.none<Array<Part>>()
      const parts: Array<Part> = []
      const signer = decodeSigner(item.signedBy)
      for (const entry of envelope.value.entry) {
        for (const change of entry.changes) {
          if (change.field !== "messages") {
            yield* Effect.logInfo("webhook field not handled").pipe(Effect.annotateLogs({ field: change.field }))
            continue
          }
          const value = decodeChangeValue(change.value)
          const phoneNumberId = Option.getOrUndefined(value)?.metadata?.phone_number_id
          if (Option.isNone(value) || phoneNumberId === undefined) {
            yield* Effect.logWarning("change without metadata.phone_number_id skipped")
            continue
          }
          const found = yield* Cache.get(byNumber, phoneNumberId)
          const channel = Option.map(found, (f) => f.channel)
          const log = Effect.annotateLogs({ phoneNumberId, wabaId: entry.id })
          if (Option.isNone(channel)) {
            yield* Effect.logWarning("webhook for an unknown phone_number_id dropped").pipe(log)
            continue
          }
          const refused = yield* refusal(signer, channel.value, Option.flatMap(found, (f) => f.expected))
          if (Option.isSome(refused)) {
            yield* Effect.logWarning(`webhook part dropped: ${refused.value}`).pipe(log, Effect.annotateLogs({ channelId: channel.value.id }))
            yield* count(webhookDeliveries, { outcome: channel.value.unreadable.length > 0 ? "channel_disabled" : "foreign_number" })
            continue
          }
          for (const error of value.value.errors ?? []) {
            yield* Effect.logWarning("WhatsApp reported an error").pipe(log, Effect.annotateLogs({ code: error.code, title: error.title ?? "" }))
          }
          for (const raw of value.value.messages ?? []) yield* message(channel.value, value.value.contacts ?? [], raw, parts)
          for (const raw of value.value.statuses ?? []) yield* status(channel.value, raw, parts)
        }
      }
      return Option.some(parts)
    })

    const writes = yield* makeIngestWrites
    /** Deliveries prepared at the same time are stored together: one transaction (src/db/groupCommit.ts). */
    const storeParts = yield* makeGroupCommit({ maxBatch: 256, writers: 2, capacity: 4_096, write: writes.write })

    /** What the stored parts announce, in the delivery's order. */
    const eventsOf = Effect.fnUntraced(function*(parts: ReadonlyArray<Part>, results: ReadonlyArray<PartResult>) {
      const events: Array<DomainEvent> = []
      for (const [i, part] of parts.entries()) {
        const result = results[i]
        if (part._tag === "Reaction") {
          yield* Effect.logDebug(result?._tag === "Reaction" && result.found ? "reaction applied" : "reaction to an unknown message ignored")
        } else if (part._tag === "Status") {
          if (result?._tag !== "Status" || Option.isNone(result.applied)) {
            yield* Effect.logDebug("status ignored (unknown message or not newer)")
            continue
          }
          events.push(...statusEvents(part.input, part.at, result.applied.value))
        } else {
          const input = part.input
          if (result?._tag !== "Message" || Option.isNone(result.stored)) {
            yield* Effect.logDebug("redelivered message ignored").pipe(Effect.annotateLogs({ wamid: input.wamid }))
            continue
          }
          const s = result.stored.value
          const at = DateTime.fromDateUnsafe(input.timestamp)
          yield* Effect.logInfo("lead message stored").pipe(
            Effect.annotateLogs({ conversationId: s.conversationId, messageId: s.messageId, type: input.type })
          )
          for (const f of s.cancelledFollowUps) {
            events.push(new FollowUpChanged({
              organizationId: input.organizationId,
              conversationId: s.conversationId,
              at,
              scheduledActionId: f.id,
              change: "cancelled",
              dueAt: DateTime.fromDateUnsafe(f.dueAt),
              reason: "lead replied"
            }))
          }
          // system notices (number changed …) are stored but are not lead turns
          if (!input.isTurn) continue
          // the actor's turn links to the span that prepared it (the delivery's trace)
          events.push(tagWithSpan(new MessageStored({
            organizationId: input.organizationId,
            conversationId: s.conversationId,
            at,
            messageId: s.messageId,
            leadId: s.leadId,
            from: "LEAD",
            type: input.type,
            content: input.content
          }), part.origin))
        }
      }
      return events
    })

    // no span of its own: the consumer's span (InboxConsumer.handle) is the delivery's
    const process = Effect.fnUntraced(function*(item: InboxItem, lessee: Lessee | null) {
      const parts = yield* prepare(item)
      if (Option.isNone(parts)) return { outcome: { _tag: "Undecodable", reason: "not a WhatsApp webhook envelope" }, events: [] } satisfies Ingested
      const results = parts.value.length === 0 ? [] : yield* storeParts({ parts: parts.value, lessee })
      const events = yield* eventsOf(parts.value, results)
      // published once everything is stored (an actor reads what the events announce)
      yield* bus.publishAll(events)
      return { outcome: { _tag: "Processed" }, events } satisfies Ingested
    })

    return Ingest.of({ process })
  }))
}
