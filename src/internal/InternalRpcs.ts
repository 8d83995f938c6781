/**
 * The internal RPC group: what a `worker` (no database) asks of the `api` role. Served at
 * `/internal/rpc` (HTTP, ndjson) on its own port (INTERNAL_PORT, never the public one) behind
 * `X-Internal-Secret`; never part of the public OpenAPI document. One procedure per operation
 * of the engine store, follow-ups, knowledge, the HTL audit, the sender and intake, plus the
 * event bridge (worker → API, API → workers). What a call may name is checked by the API
 * (src/internal/guard.ts): a refusal is `Refused`.
 */
import { Schema } from "effect"
import { Rpc, RpcGroup } from "effect/rpc"
import { Acquired, LeaseKey, Lessee, Released, Renewed } from "../records/leases.ts"
import { SendFailed, SendTarget } from "../conversations/sender.ts"
import { OutboundBody } from "../domain/outbound.ts"
import { Snapshot } from "../records/snapshot.ts"
import { Recovered } from "../records/EngineStore.ts"
import { StoreError } from "../records/StoreError.ts"
import { BotTurnState, Commit, FollowUpRow, HandoffOutcome, NotSent, Outbound } from "../records/writes.ts"
import { DomainEvent } from "../domain/events.ts"
import { ChannelId, MessageId, OrganizationId, ScheduledActionId } from "../domain/ids.ts"
import { Claimed, ClaimRequest, FollowUpSignal, ReleaseRequest, ScheduleOutcome } from "../records/followUpStore.ts"
import { StepRecord } from "../htl/types.ts"
import { KnowledgeUnavailable } from "../knowledge/Knowledge.ts"
import { BusinessProfile, KnowledgeExcerpt } from "../knowledge/types.ts"
import { IngestOutcome } from "../whatsapp/Ingest.ts"

/**
 * The API would not do what a worker asked: the call names things that do not belong together
 * (another organization's conversation or channel), a send with no pending reply under a live
 * lease, or a forwarded delivery whose signature does not verify.
 */
export class Refused extends Schema.TaggedError<Refused>()("Refused", { reason: Schema.String }) {
  override get message() {
    return this.reason
  }
}

const key = { key: LeaseKey }
const lease = { key: LeaseKey, lessee: Lessee }

const StoreFailure = Schema.Union([StoreError, Refused])

/** One engine-store operation: fails with StoreError, or Refused when it names what is not the caller's to touch. */
const store = <const Tag extends string, P extends Schema.Struct.Fields, S extends Schema.Top>(tag: Tag, payload: P, success: S) =>
  Rpc.make(tag, { payload, success, error: StoreFailure })

export class InternalRpcs extends RpcGroup.make(
  store("store.snapshot", key, Schema.NullOr(Snapshot)),
  store("store.newestLeadMessage", key, Schema.NullOr(MessageId)),
  store("store.commitOutbound", { key: LeaseKey, message: Outbound, answers: Schema.NullOr(MessageId), owner: Schema.NullOr(Schema.String) }, Commit),
  store("store.markSent", { key: LeaseKey, messageId: MessageId, wamid: Schema.String }, Schema.Void),
  store("store.markNotSent", { key: LeaseKey, messageId: MessageId, outcome: NotSent }, Schema.Void),
  store("store.recordBotTurn", { key: LeaseKey, state: BotTurnState }, Schema.Void),
  store("store.markDecided", { key: LeaseKey, messageId: MessageId }, Schema.Void),
  store("store.handoff", { key: LeaseKey, reason: Schema.String }, HandoffOutcome),
  store("store.saveSummary", { key: LeaseKey, summary: Schema.String }, Schema.Void),
  store("store.countNudge", key, Schema.Void),
  store("store.optOut", key, Schema.Boolean),
  store("store.leadWroteSince", { key: LeaseKey, since: Schema.Date }, Schema.Boolean),
  store("store.followUpRow", { key: LeaseKey, id: ScheduledActionId }, Schema.NullOr(FollowUpRow)),
  store("store.acquireLease", lease, Acquired),
  store("store.renewLease", lease, Renewed),
  store("store.releaseLease", lease, Released),
  store("store.takeExpiredLeases", { lessee: Lessee, limit: Schema.Int }, Schema.Array(LeaseKey)),
  store("store.claimDueFollowUps", { request: ClaimRequest }, Schema.Array(Claimed)),
  store("store.releaseFollowUpClaims", { request: ReleaseRequest }, Schema.Void),
  store("store.nextFollowUpWake", { claimTtlMs: Schema.Finite }, Schema.NullOr(Schema.Date)),
  store("store.recover", { pendingOlderThanMs: Schema.Finite }, Recovered),
  store("followUps.schedule", {
    key: LeaseKey,
    dueAt: Schema.Finite,
    context: Schema.Record(Schema.String, Schema.Unknown)
  }, ScheduleOutcome),
  store("followUps.reschedule", {
    key: LeaseKey,
    id: ScheduledActionId,
    dueAt: Schema.Finite,
    context: Schema.Record(Schema.String, Schema.Unknown),
    why: Schema.String,
    limit: Schema.Int
  }, ScheduleOutcome),
  store("followUps.amend", { key: LeaseKey, id: ScheduledActionId, outcome: Schema.String }, Schema.Void),
  store("followUps.complete", {
    key: LeaseKey,
    id: ScheduledActionId,
    status: Schema.Literals(["EXECUTED", "CANCELLED"]),
    outcome: Schema.String
  }, Schema.Void),
  store("followUps.cancelPending", { key: LeaseKey, reason: Schema.String }, Schema.Int),
  store("audit.record", { key: LeaseKey, steps: Schema.Array(StepRecord) }, Schema.Void),
  Rpc.make("knowledge.profile", { payload: { organizationId: OrganizationId, revision: Schema.optional(Schema.Int) }, success: BusinessProfile, error: KnowledgeUnavailable }),
  Rpc.make("knowledge.search", {
    payload: { organizationId: OrganizationId, query: Schema.String, limit: Schema.optional(Schema.Int) },
    success: KnowledgeExcerpt,
    error: KnowledgeUnavailable
  }),
  /**
   * The API sends: channel tokens never leave it. Only through a channel of the target's
   * organization, to the lead of a conversation there that has a pending bot reply under a live lease.
   */
  Rpc.make("sender.send", {
    payload: { target: SendTarget, body: OutboundBody, reference: Schema.optionalKey(MessageId) },
    success: Schema.Struct({ wamid: Schema.String }),
    error: Schema.Union([SendFailed, Refused])
  }),
  Rpc.make("sender.markRead", { payload: { target: SendTarget, wamid: Schema.String }, error: StoreFailure }),
  /**
   * Stores one raw delivery; the events it caused come back for the worker's own actors. The API
   * checks `signature` (the X-Hub-Signature-256 it arrived with) over `body` again with the secret
   * of the route it came in on (`channelId`, null for the bare route), as the public webhook does:
   * the worker's word for who signed it is not taken.
   */
  store("inbox.ingest", {
    id: Schema.String,
    body: Schema.Uint8Array,
    signature: Schema.String,
    channelId: Schema.NullOr(ChannelId),
    attempts: Schema.Int,
    traceparent: Schema.optional(Schema.String),
    lessee: Schema.NullOr(Lessee)
  }, Schema.Struct({ outcome: IngestOutcome, events: Schema.Array(DomainEvent) })),
  /** Events that happened in a worker, for dashboards and audits on the API (one naming another organization's conversation is dropped). */
  Rpc.make("events.publish", { payload: { events: Schema.Array(DomainEvent) }, error: StoreError }),
  /** What workers must hear from the API: takeovers, releases, human messages, scheduled follow-ups. */
  Rpc.make("events.follow", { success: DomainEvent, stream: true }),
  /** The database's follow-up wake-ups (NOTIFY, whatever wrote the row): the workers' schedulers look again. */
  Rpc.make("store.followUpSignals", { success: FollowUpSignal, error: StoreError, stream: true })
) {}
