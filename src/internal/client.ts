/**
 * The worker's side of the internal RPC: one HTTP client to the API (`INTERNAL_API_URL`, header
 * `X-Internal-Secret`), and the engine's services implemented over it. Reads and idempotent
 * writes are retried on transport errors; a write that may have happened is not (a send whose
 * answer is lost stays `pending` and becomes `unknown`, never resent).
 */
import { Context, Duration, Effect, Layer, Option, Queue, Redacted, Schedule, Stream } from "effect"
import { NodeHttpClient } from "@effect/platform-node"
import { HttpClient, HttpClientRequest } from "effect/http"
import { RpcClient, type RpcClientError, RpcSerialization } from "effect/rpc"
import { AppConfig } from "../config/AppConfig.ts"
import { OutboundSender, SendFailed } from "../conversations/sender.ts"
import { EngineStore } from "../records/EngineStore.ts"
import { StoreError } from "../records/StoreError.ts"
import { EventBus } from "../events/EventBus.ts"
import { FollowUps } from "../followups/FollowUps.ts"
import { HtlAudit } from "../records/HtlAudit.ts"
import { Knowledge, KnowledgeUnavailable, makeProfileMemory } from "../knowledge/Knowledge.ts"
import { Ingest, type Ingested } from "../whatsapp/Ingest.ts"
import { decodeSigner } from "../whatsapp/Signer.ts"
import { INTERNAL_RPC_PATH, INTERNAL_SECRET_HEADER } from "../domain/InternalApi.ts"
import { InternalRpcs } from "./InternalRpcs.ts"

export class InternalClient extends Context.Service<InternalClient, RpcClient.FromGroup<typeof InternalRpcs, RpcClientError.RpcClientError>>()(
  "wa/InternalClient"
) {
  static readonly layer = Layer.effect(InternalClient, RpcClient.make(InternalRpcs, { spanPrefix: "Internal" })).pipe(
    Layer.provide(Layer.unwrap(Effect.gen(function*() {
      const config = yield* AppConfig
      const base = yield* Option.match(config.internalApiUrl, {
        onNone: () => Effect.die("INTERNAL_API_URL is unset (AppConfig requires it for a worker)"),
        onSome: Effect.succeed
      })
      const secret = Option.getOrElse(Option.map(config.internalSecret, Redacted.value), () => "")
      const http = Layer.effect(
        HttpClient.HttpClient,
        // a refusal (401) must say so, not look like an empty answer
        Effect.map(HttpClient.HttpClient, (client) =>
          client.pipe(HttpClient.mapRequest(HttpClientRequest.setHeader(INTERNAL_SECRET_HEADER, secret)), HttpClient.filterStatusOk))
      ).pipe(Layer.provide(NodeHttpClient.layerNodeHttpOptions({ keepAlive: true })))
      return RpcClient.layerProtocolHttp({ url: new URL(INTERNAL_RPC_PATH, base).toString() }).pipe(Layer.provide(http))
    }))),
    Layer.provide(RpcSerialization.layerNdjson)
  )
}

const isTransport = (e: unknown) => typeof e === "object" && e !== null && "_tag" in e && e._tag === "RpcClientError"

/** A read or an idempotent write: retried when the API could not be reached. */
const idempotent = <A, E, R>(call: Effect.Effect<A, E, R>) =>
  call.pipe(
    Effect.retry({ schedule: Schedule.exponential("100 millis"), times: 4, while: isTransport }),
    Effect.mapError(StoreError.from)
  )

/** A write that may have happened even when its answer is lost: never repeated. */
const once = <A, E, R>(call: Effect.Effect<A, E, R>) => Effect.mapError(call, StoreError.from)

export const RemoteEngineStore = Layer.effect(EngineStore, Effect.gen(function*() {
  const rpc = yield* InternalClient
  // the API records a send's outcome only for the conversation it names (it checks the message is that conversation's)
  return EngineStore.of({
    snapshot: (key) => idempotent(rpc["store.snapshot"]({ key })).pipe(Effect.map(Option.fromNullishOr)),
    newestLeadMessage: (key) => idempotent(rpc["store.newestLeadMessage"]({ key })),
    commitOutbound: (key, message, answers, owner) => once(rpc["store.commitOutbound"]({ key, message, answers, owner })),
    markSent: (key, messageId, wamid) => idempotent(rpc["store.markSent"]({ key, messageId, wamid })),
    markNotSent: (key, messageId, outcome) => idempotent(rpc["store.markNotSent"]({ key, messageId, outcome })),
    recordBotTurn: (key, state) => idempotent(rpc["store.recordBotTurn"]({ key, state })),
    markDecided: (key, messageId) => idempotent(rpc["store.markDecided"]({ key, messageId })),
    handoff: (key, reason) => idempotent(rpc["store.handoff"]({ key, reason })),
    saveSummary: (key, summary) => idempotent(rpc["store.saveSummary"]({ key, summary })),
    countNudge: (key) => once(rpc["store.countNudge"]({ key })),
    optOut: (key) => idempotent(rpc["store.optOut"]({ key })),
    leadWroteSince: (key, since) => idempotent(rpc["store.leadWroteSince"]({ key, since })),
    followUpRow: (key, id) => idempotent(rpc["store.followUpRow"]({ key, id })).pipe(Effect.map(Option.fromNullishOr)),
    acquireLease: (key, lessee) => idempotent(rpc["store.acquireLease"]({ key, lessee })),
    renewLease: (key, lessee) => idempotent(rpc["store.renewLease"]({ key, lessee })),
    releaseLease: (key, lessee) => idempotent(rpc["store.releaseLease"]({ key, lessee })),
    takeExpiredLeases: (lessee, limit) => once(rpc["store.takeExpiredLeases"]({ lessee, limit })),
    claimDueFollowUps: (request) => once(rpc["store.claimDueFollowUps"]({ request })),
    releaseFollowUpClaims: (request) => idempotent(rpc["store.releaseFollowUpClaims"]({ request })),
    nextFollowUpWake: (claimTtlMs) => idempotent(rpc["store.nextFollowUpWake"]({ claimTtlMs })),
    // the database's NOTIFY, through the API: whatever wrote the follow-up (this worker, another, an SQL fix)
    followUpSignals: rpc["store.followUpSignals"]().pipe(Stream.as(undefined), Stream.mapError(StoreError.from)),
    recover: (pendingOlderThan) => once(rpc["store.recover"]({ pendingOlderThanMs: Duration.toMillis(pendingOlderThan) }))
  })
}))

export const RemoteFollowUps = Layer.effect(FollowUps, Effect.gen(function*() {
  const rpc = yield* InternalClient
  const wake = yield* Queue.sliding<void>(1)
  return FollowUps.of({
    schedule: (request) =>
      once(rpc["followUps.schedule"]({
        key: { organizationId: request.organizationId, conversationId: request.conversationId },
        dueAt: request.dueAt,
        context: request.context
      })).pipe(Effect.tap(() => Queue.offer(wake, undefined))),
    reschedule: (from, request) =>
      once(rpc["followUps.reschedule"]({
        key: { organizationId: from.organizationId, conversationId: from.conversationId },
        id: from.id,
        ...request
      })).pipe(Effect.tap(() => Queue.offer(wake, undefined))),
    amend: (key, outcome) =>
      idempotent(rpc["followUps.amend"]({ key: { organizationId: key.organizationId, conversationId: key.conversationId }, id: key.id, outcome })),
    complete: (key, status, outcome) =>
      idempotent(rpc["followUps.complete"]({ key: { organizationId: key.organizationId, conversationId: key.conversationId }, id: key.id, status, outcome })),
    cancelPending: (key, reason) => idempotent(rpc["followUps.cancelPending"]({ key, reason })),
    wakeups: wake
  })
}))

export const RemoteHtlAudit = Layer.effect(HtlAudit, Effect.map(InternalClient, (rpc) =>
  HtlAudit.of({
    record: (target, steps) => once(rpc["audit.record"]({ key: target, steps }))
  })))

const unavailable = (e: unknown) => e instanceof KnowledgeUnavailable ? e : new KnowledgeUnavailable({ reason: StoreError.from(e).reason })

export const RemoteKnowledge = Layer.effect(Knowledge, Effect.map(InternalClient, (rpc) => {
  // a profile asked for at a revision is at least that fresh: the next turn at that revision
  // takes it from memory, without a call
  const memory = makeProfileMemory()
  return Knowledge.of({
    profile: (organizationId, revision) => {
      const kept = revision === undefined ? undefined : memory.get(organizationId, revision)
      return kept !== undefined ? Effect.succeed(kept) : idempotent(rpc["knowledge.profile"]({ organizationId, revision })).pipe(
        Effect.tap((profile) => Effect.sync(() => memory.keep(organizationId, revision, profile))),
        Effect.mapError(unavailable)
      )
    },
    search: (organizationId, query, limit) =>
      idempotent(rpc["knowledge.search"]({ organizationId, query, limit })).pipe(Effect.mapError(unavailable))
  })
}))

export const RemoteSender = Layer.effect(OutboundSender, Effect.map(InternalClient, (rpc) =>
  OutboundSender.of({
    send: (target, body, reference) =>
      rpc["sender.send"]({ target, body, ...(reference === undefined ? {} : { reference }) }).pipe(
        // a lost answer does not say whether the API sent it: a defect, so the message stays pending
        Effect.catchTag("RpcClientError", Effect.die),
        // refused by the API: certainly not sent
        Effect.catchTag("Refused", (e) => Effect.fail(new SendFailed({ code: null, title: "Refused", details: e.reason, windowClosed: false, unknown: false })))
      ),
    markRead: (target, wamid) =>
      rpc["sender.markRead"]({ target, wamid }).pipe(Effect.catchCause((cause) => Effect.logWarning("mark-as-read failed", cause)))
  })))

/**
 * Intake through the API; the events it caused are published here for this worker's actors only.
 * The API checks the delivery's signature again: one it refuses is parked with the reason.
 */
export const RemoteIngest = Layer.effect(Ingest, Effect.gen(function*() {
  const rpc = yield* InternalClient
  const bus = yield* EventBus
  return Ingest.of({
    process: (item, lessee) => {
      const signer = decodeSigner(item.signedBy)
      return rpc["inbox.ingest"]({
        id: item.id,
        body: item.body,
        signature: item.signature ?? "",
        channelId: signer._tag === "Channel" ? signer.channelId : null,
        attempts: item.attempts,
        ...(item.traceparent === undefined ? {} : { traceparent: item.traceparent }),
        lessee
      }).pipe(
        Effect.catchTag("Refused", (e): Effect.Effect<Ingested> =>
          Effect.succeed({ outcome: { _tag: "Undecodable", reason: `refused by the API: ${e.reason}` }, events: [] })),
        Effect.mapError(StoreError.from),
        Effect.tap(({ events }) => Effect.forEach(events, bus.publishLocal, { discard: true }))
      )
    }
  })
}))
