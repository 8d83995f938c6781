/**
 * The API side of the internal RPC: `POST /internal/rpc` (ndjson), answered only with the right
 * `X-Internal-Secret` (constant-time comparison; 401 otherwise). Registered only when
 * INTERNAL_SECRET is set, which split roles require; it is not part of the OpenAPI document.
 */
import { createHash, timingSafeEqual } from "node:crypto"
import { Duration, Effect, Layer, Option, Redacted, Stream } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { RpcSerialization, RpcServer } from "effect/rpc"
import { AppConfig } from "../config/AppConfig.ts"
import { OutboundSender } from "../conversations/sender.ts"
import { EngineStore } from "../conversations/store.ts"
import { StoreError } from "../conversations/StoreError.ts"
import type { DomainEvent } from "../domain/events.ts"
import { EventBus } from "../events/EventBus.ts"
import { FollowUps } from "../followups/FollowUps.ts"
import { HtlAudit } from "../htl/audit.ts"
import { Knowledge } from "../knowledge/Knowledge.ts"
import { Ingest } from "../whatsapp/Ingest.ts"
import { INTERNAL_RPC_PATH, INTERNAL_SECRET_HEADER, InternalRpcs } from "./InternalRpcs.ts"

const digest = (text: string) => createHash("sha256").update(text).digest()

/** Constant-time: both sides are hashed to the same length first. */
export const secretMatches = (given: string | undefined, expected: Redacted.Redacted) =>
  given !== undefined && timingSafeEqual(digest(given), digest(Redacted.value(expected)))

/** What workers must hear: a person's actions and follow-ups scheduled anywhere. */
const forWorkers = (event: DomainEvent) =>
  (event._tag === "ModeChanged" && event.kind !== "handoff") ||
  (event._tag === "MessageStored" && event.from === "HUMAN") ||
  (event._tag === "FollowUpChanged" && event.change === "scheduled")

const orStoreError = Effect.mapError(StoreError.from)

const Handlers = InternalRpcs.toLayer(Effect.gen(function*() {
  const store = yield* EngineStore
  const followUps = yield* FollowUps
  const knowledge = yield* Knowledge
  const audit = yield* HtlAudit
  const sender = yield* OutboundSender
  const ingest = yield* Ingest
  const bus = yield* EventBus
  return InternalRpcs.of({
    "store.snapshot": ({ key }) => store.snapshot(key).pipe(Effect.map(Option.getOrNull)),
    "store.newestLeadMessage": ({ key }) => store.newestLeadMessage(key),
    "store.commitOutbound": ({ answers, key, message, owner }) => store.commitOutbound(key, message, answers, owner),
    "store.markSent": ({ messageId, wamid }) => store.markSent(messageId, wamid),
    "store.markFailed": ({ error, messageId }) => store.markFailed(messageId, error),
    "store.recordBotTurn": ({ key, state }) => store.recordBotTurn(key, state),
    "store.markDecided": ({ key, messageId }) => store.markDecided(key, messageId),
    "store.handoff": ({ key, reason }) => store.handoff(key, reason),
    "store.saveSummary": ({ key, summary }) => store.saveSummary(key, summary),
    "store.countNudge": ({ key }) => store.countNudge(key),
    "store.optOut": ({ key }) => store.optOut(key),
    "store.leadWroteSince": ({ key, since }) => store.leadWroteSince(key, since),
    "store.followUpRow": ({ id, key }) => store.followUpRow(key, id).pipe(Effect.map(Option.getOrNull)),
    "store.acquireLease": ({ key, lessee }) => store.acquireLease(key, lessee),
    "store.renewLease": ({ key, lessee }) => store.renewLease(key, lessee),
    "store.releaseLease": ({ key, lessee }) => store.releaseLease(key, lessee),
    "store.takeExpiredLeases": ({ lessee, limit }) => store.takeExpiredLeases(lessee, limit),
    "store.claimDueFollowUps": ({ request }) => store.claimDueFollowUps(request),
    "store.nextFollowUpWake": ({ claimTtlMs }) => store.nextFollowUpWake(claimTtlMs),
    "store.recover": ({ pendingOlderThanMs }) => store.recover(Duration.millis(pendingOlderThanMs)),
    "followUps.schedule": ({ context, dueAt, key }) => followUps.schedule({ ...key, dueAt, context }).pipe(orStoreError),
    "followUps.complete": ({ id, key, outcome, status }) => followUps.complete({ ...key, id }, status, outcome).pipe(orStoreError),
    "followUps.cancelPending": ({ key, reason }) => followUps.cancelPending(key, reason).pipe(orStoreError),
    "audit.record": ({ key, steps }) => audit.record(key, steps).pipe(orStoreError),
    "knowledge.profile": ({ organizationId }) => knowledge.profile(organizationId),
    "knowledge.search": ({ limit, organizationId, query }) => knowledge.search(organizationId, query, limit),
    "sender.send": ({ body, target }) => sender.send(target, body),
    "sender.markRead": ({ target, wamid }) => sender.markRead(target, wamid),
    "inbox.ingest": ({ lessee, ...item }) =>
      ingest.process({ ...item, receipt: "" }, lessee).pipe(orStoreError),
    "events.publish": ({ events }) => Effect.forEach(events, bus.publish, { discard: true }),
    "events.follow": () => bus.all.pipe(Stream.filter(forWorkers))
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

/** The internal API's route, when INTERNAL_SECRET is set (always, in split roles). */
export const InternalRpcRoutes = Layer.unwrap(Effect.map(AppConfig, (config) =>
  Option.isNone(config.internalSecret)
    ? Layer.empty
    : RpcServer.layer(InternalRpcs, { spanPrefix: "Internal" }).pipe(
      Layer.provide(Handlers),
      Layer.provide(Protocol),
      Layer.provide(RpcSerialization.layerNdjson)
    )
))
