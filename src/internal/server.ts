/**
 * The API side of the internal RPC: `POST /internal/rpc` (ndjson) on its own listener
 * (INTERNAL_PORT; the public port does not have the route), answered only with the right
 * `X-Internal-Secret` (constant-time comparison; 401 otherwise). Served only when INTERNAL_SECRET
 * is set (split roles require it), in `all` and `api`; not part of the OpenAPI document. Every call
 * is checked against what it names (./guard.ts) before it reads or writes.
 */
import { createHash, timingSafeEqual } from "node:crypto"
import { NodeHttpServer } from "@effect/platform-node"
import { Duration, Effect, Layer, Option, PubSub, Redacted, Stream } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { RpcSerialization, RpcServer } from "effect/rpc"
import { AppConfig } from "../config/AppConfig.ts"
import type { ConversationKey } from "../domain/ids.ts"
import { OutboundSender, SendFailed } from "../conversations/sender.ts"
import { EngineStore } from "../records/EngineStore.ts"
import { StoreError } from "../records/StoreError.ts"
import type { DomainEvent } from "../domain/events.ts"
import { engineEvents, EventBus } from "../events/EventBus.ts"
import { FollowUps } from "../followups/FollowUps.ts"
import { HtlAudit } from "../records/HtlAudit.ts"
import { BodyLimit } from "../http/bodyLimit.ts"
import { CLOSE_TIMEOUT, createGatedServer } from "../http/gatedServer.ts"
import { Knowledge } from "../knowledge/Knowledge.ts"
import { Ingest } from "../whatsapp/Ingest.ts"
import { makeGuard } from "./guard.ts"
import { INTERNAL_RPC_PATH, INTERNAL_SECRET_HEADER } from "../domain/InternalApi.ts"
import { InternalRpcs, Refused } from "./InternalRpcs.ts"

const digest = (text: string) => createHash("sha256").update(text).digest()

/** Constant-time: both sides are hashed to the same length first. */
export const secretMatches = (given: string | undefined, expected: Redacted.Redacted) =>
  given !== undefined && timingSafeEqual(digest(given), digest(Redacted.value(expected)))

const orStoreError = Effect.mapError(StoreError.from)

/** The API did not get to send (its check could not read the database): the message was not sent. */
const unverified = (e: StoreError) => new SendFailed({ code: null, title: "Unverified", details: e.reason, windowClosed: false, unknown: false })

const Handlers = InternalRpcs.toLayer(Effect.gen(function*() {
  const store = yield* EngineStore
  const followUps = yield* FollowUps
  const knowledge = yield* Knowledge
  const audit = yield* HtlAudit
  const sender = yield* OutboundSender
  const ingest = yield* Ingest
  const bus = yield* EventBus
  const guard = yield* makeGuard
  // one LISTEN for every worker: each worker's stream is a subscription to this hub (a slow one keeps only the latest)
  const signals = yield* Effect.acquireRelease(PubSub.sliding<"due">(1), PubSub.shutdown)
  yield* store.followUpSignals.pipe(
    Stream.runForEach(() => PubSub.publish(signals, "due")),
    Effect.catch((e) => Effect.logWarning("follow-up signals lost; listening again", e)),
    Effect.andThen(Effect.sleep("1 second")),
    Effect.forever,
    Effect.forkScoped
  )
  /** An operation on one conversation: only when the conversation is the named organization's. */
  const on = <A, E, R>(key: ConversationKey, op: Effect.Effect<A, E, R>) => Effect.andThen(guard.conversation(key), op)
  /** Events naming another organization's conversation are dropped (the rest of the batch goes on). */
  const consistent = (event: DomainEvent) =>
    guard.conversation({ organizationId: event.organizationId, conversationId: event.conversationId }).pipe(
      Effect.as(true),
      Effect.catchTag("Refused", (e) =>
        Effect.logWarning("a worker's event was dropped").pipe(Effect.annotateLogs({ event: event._tag, reason: e.reason }), Effect.as(false)))
    )
  return InternalRpcs.of({
    "store.snapshot": ({ key }) => on(key, store.snapshot(key)).pipe(Effect.map(Option.getOrNull)),
    "store.newestLeadMessage": ({ key }) => on(key, store.newestLeadMessage(key)),
    "store.commitOutbound": ({ answers, key, message, owner }) =>
      // a worker commits bot replies, and only under its lease (owner): never a person's message
      message.from !== "BOT" || message.sentByUserId !== null || owner === null
        ? Effect.fail(new Refused({ reason: "a worker commits only bot messages, under the lease of the owner it names" }))
        : on(key, store.commitOutbound(key, message, answers, owner)),
    "store.markSent": ({ key, messageId, wamid }) =>
      Effect.andThen(guard.message(key, messageId, { bot: true }), store.markSent(key, messageId, wamid)),
    "store.markNotSent": ({ key, messageId, outcome }) =>
      Effect.andThen(guard.message(key, messageId, { bot: true }), store.markNotSent(key, messageId, outcome)),
    "store.recordBotTurn": ({ key, state }) => on(key, store.recordBotTurn(key, state)),
    "store.markDecided": ({ key, messageId }) =>
      Effect.andThen(guard.message(key, messageId, { bot: false }), store.markDecided(key, messageId)),
    "store.handoff": ({ key, reason }) => on(key, store.handoff(key, reason)),
    "store.saveSummary": ({ key, summary }) => on(key, store.saveSummary(key, summary)),
    "store.countNudge": ({ key }) => on(key, store.countNudge(key)),
    "store.optOut": ({ key }) => on(key, store.optOut(key)),
    "store.leadWroteSince": ({ key, since }) => on(key, store.leadWroteSince(key, since)),
    "store.followUpRow": ({ id, key }) =>
      Effect.andThen(guard.followUp(key, id), store.followUpRow(key, id)).pipe(Effect.map(Option.getOrNull)),
    "store.acquireLease": ({ key, lessee }) => on(key, store.acquireLease(key, lessee)),
    "store.renewLease": ({ key, lessee }) => on(key, store.renewLease(key, lessee)),
    "store.releaseLease": ({ key, lessee }) => on(key, store.releaseLease(key, lessee)),
    // fleet-wide by design (any worker takes over any lapsed lease or due follow-up): no organization to name
    "store.takeExpiredLeases": ({ lessee, limit }) => store.takeExpiredLeases(lessee, limit),
    "store.claimDueFollowUps": ({ request }) => store.claimDueFollowUps(request),
    // only the claims the caller names as its own (claimed_by)
    "store.releaseFollowUpClaims": ({ request }) => store.releaseFollowUpClaims(request),
    "store.nextFollowUpWake": ({ claimTtlMs }) => store.nextFollowUpWake(claimTtlMs),
    "store.recover": ({ pendingOlderThanMs }) => store.recover(Duration.millis(pendingOlderThanMs)),
    "followUps.schedule": ({ context, dueAt, key }) => on(key, followUps.schedule({ ...key, dueAt, context }).pipe(orStoreError)),
    "followUps.reschedule": ({ context, dueAt, id, key, limit, why }) =>
      Effect.andThen(guard.followUp(key, id), followUps.reschedule({ ...key, id }, { dueAt, context, why, limit }).pipe(orStoreError)),
    "followUps.amend": ({ id, key, outcome }) =>
      Effect.andThen(guard.followUp(key, id), followUps.amend({ ...key, id }, outcome).pipe(orStoreError)),
    "followUps.complete": ({ id, key, outcome, status }) =>
      Effect.andThen(guard.followUp(key, id), followUps.complete({ ...key, id }, status, outcome).pipe(orStoreError)),
    "followUps.cancelPending": ({ key, reason }) => on(key, followUps.cancelPending(key, reason).pipe(orStoreError)),
    "audit.record": ({ key, steps }) => on(key, audit.record(key, steps).pipe(orStoreError)),
    // reads of one organization's business knowledge, named by the call
    "knowledge.profile": ({ organizationId, revision }) => knowledge.profile(organizationId, revision),
    "knowledge.search": ({ limit, organizationId, query }) => knowledge.search(organizationId, query, limit),
    "sender.send": ({ body, reference, target }) =>
      guard.send(target).pipe(Effect.catchTag("StoreError", (e) => Effect.fail(unverified(e))), Effect.andThen(sender.send(target, body, reference))),
    "sender.markRead": ({ target, wamid }) => Effect.andThen(guard.read(target, wamid), sender.markRead(target, wamid)),
    "inbox.ingest": ({ attempts, body, channelId, id, lessee, signature, traceparent }) =>
      guard.delivery(body, signature, channelId).pipe(
        Effect.tapError((e) =>
          e._tag === "Refused"
            ? Effect.logWarning("a forwarded webhook delivery was refused").pipe(Effect.annotateLogs({ item: id, reason: e.reason }))
            : Effect.void
        ),
        Effect.flatMap((signedBy) =>
          ingest.process({ id, body, signedBy, attempts, receipt: "", ...(traceparent === undefined ? {} : { traceparent }) }, lessee).pipe(
            orStoreError
          )
        )
      ),
    "events.publish": ({ events }) =>
      Effect.filter(events, consistent).pipe(Effect.flatMap((kept) => bus.publishAll(kept))),
    "events.follow": () => engineEvents(bus),
    "store.followUpSignals": () => Stream.fromPubSub(signals)
  })
}))

const Protocol = Layer.effect(
  RpcServer.Protocol,
  Effect.gen(function*() {
    const config = yield* AppConfig
    const { httpEffect, protocol } = yield* RpcServer.makeProtocolWithHttpEffect()
    const router = yield* HttpRouter.HttpRouter
    const expected = Option.getOrUndefined(config.internalSecret)
    yield* router.add("POST", INTERNAL_RPC_PATH, (request) =>
      expected !== undefined && secretMatches(request.headers[INTERNAL_SECRET_HEADER], expected)
        ? httpEffect
        : Effect.succeed(HttpServerResponse.jsonUnsafe(
          { error: { code: "unauthorized", message: "the internal API needs the right X-Internal-Secret header" } },
          { status: 401 }
        )))
    return protocol
  })
)

/** The internal API's route, on the router it is given (the internal listener's). */
export const InternalRpcRoutes = RpcServer.layer(InternalRpcs, { spanPrefix: "Internal" }).pipe(
  Layer.provide(Handlers),
  Layer.provide(Protocol),
  Layer.provide(RpcSerialization.layerNdjson)
)

/**
 * `HttpRouter.serve` takes the router from the memo map it finds in context, and the public
 * server's context carries its own: built under it, the internal route would land on the public
 * router. A memo map of its own gives this listener a router of its own, whatever the composition.
 */
const OwnRouter = Layer.effect(Layer.CurrentMemoMap, Layer.makeMemoMap)

/**
 * The internal API's own listener on INTERNAL_PORT (never the public port), in `all` and `api`
 * when INTERNAL_SECRET is set. Workers reach it at INTERNAL_API_URL; their API ping (start-up and
 * their /health) goes through it.
 */
export const InternalServerLive = Layer.unwrap(Effect.map(AppConfig, (config) =>
  Option.isNone(config.internalSecret) || config.role === "worker"
    ? Layer.empty
    : HttpRouter.serve(InternalRpcRoutes.pipe(Layer.provide(BodyLimit.layer)), { disableLogger: true }).pipe(
      Layer.provide(NodeHttpServer.layer(createGatedServer, { port: config.internalPort, gracefulShutdownTimeout: CLOSE_TIMEOUT })),
      Layer.provide(OwnRouter)
    )
))
