/**
 * The `worker` role: inbox consumers (SQS), conversation actors and the follow-up scheduler,
 * with no database connection. Everything it reads or writes goes through the API's internal
 * RPC (src/internal/client.ts); its events are forwarded to the API (dashboards, audits), and
 * the API's takeovers, releases, human messages and scheduled follow-ups come back to it.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer, Schedule, Schema, Stream } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import type { RpcClientError } from "effect/rpc"
import { createGatedServer } from "../http/gatedServer.ts"
import { AppConfig } from "../config/AppConfig.ts"
import { EngineCore } from "../conversations/Engine.ts"
import { EngineInstance } from "../records/EngineInstance.ts"
import type { DomainEvent } from "../domain/events.ts"
import { EventBus, inBatches } from "../events/EventBus.ts"
import { HtlFromConfig } from "../conversations/htlLive.ts"
import { reachable, readiness } from "../health/readiness.ts"
import { Inbox } from "../inbox/Inbox.ts"
import { SqsInboxLive } from "../inbox/InboxLive.ts"
import { Llm } from "../llm/Llm.ts"
import { InboxMetricsLive } from "../observability/inboxMetrics.ts"
import { InboxConsumerLive } from "../whatsapp/InboxConsumer.ts"
import {
  InternalClient,
  RemoteEngineStore,
  RemoteFollowUps,
  RemoteHtlAudit,
  RemoteIngest,
  RemoteKnowledge,
  RemoteSender
} from "./client.ts"

export class InternalApiUnavailable extends Schema.TaggedError<InternalApiUnavailable>()("InternalApiUnavailable", {
  message: Schema.String
}) {}

const backoff = Schedule.min([Schedule.exponential("200 millis"), Schedule.spaced("5 seconds")])

/** The worker's bus: what it publishes also goes to the API, in order; the API's people's actions come back. */
export const BridgedEventBus = Layer.effect(EventBus, Effect.gen(function*() {
  const rpc = yield* InternalClient
  const toApi = yield* inBatches((events: ReadonlyArray<DomainEvent>) =>
    rpc["events.publish"]({ events }).pipe(
      Effect.tapError((e) => Effect.logWarning("events not forwarded to the API yet; retrying", e)),
      Effect.retry(backoff)
    )
  )
  const bus = yield* EventBus.make(toApi)
  yield* rpc["events.follow"]().pipe(
    Stream.runForEach(bus.publishLocal),
    Effect.andThen(Effect.logWarning("the API's event stream ended; reconnecting")),
    Effect.catch((e) => Effect.logWarning("the API's event stream failed; reconnecting", e)),
    Effect.andThen(Effect.sleep("1 second")),
    Effect.forever,
    Effect.forkScoped
  )
  return bus
}))

/** The HTTP status the internal API answered with, when it answered with an error status. */
const refusedWith = (e: RpcClientError.RpcClientError): number | undefined => {
  if (e.reason._tag !== "HttpError" || e.reason.kind !== "StatusCodeError") return undefined
  const cause: unknown = e.reason.cause
  if (typeof cause !== "object" || cause === null || !("response" in cause)) return undefined
  const response: unknown = cause.response
  return typeof response === "object" && response !== null && "status" in response && typeof response.status === "number"
    ? response.status
    : undefined
}

/** A cheap round trip through the API to its database: is the API there for this worker? */
const pingApi = Effect.flatMap(InternalClient, (rpc) => rpc["store.nextFollowUpWake"]({ claimTtlMs: 0 }))

/** Worth trying again: not reached yet, or 503 (the API's internal listener answers so while it starts). */
const retryable = (e: Effect.Error<typeof pingApi>) => {
  if (e._tag !== "RpcClientError") return true
  const status = refusedWith(e)
  return status === undefined || status === 503
}

/** Start-up waits for the API (it may start after us) and stops at once when the API refuses us. */
const ApiReachable = Layer.effectDiscard(Effect.gen(function*() {
  yield* pingApi.pipe(
    Effect.retry({ schedule: backoff, times: 20, while: retryable }),
    Effect.mapError((e) => {
      const status = e._tag === "RpcClientError" ? refusedWith(e) : undefined
      return new InternalApiUnavailable({
        message: status === 401
          ? "the internal API refused this worker's INTERNAL_SECRET (401)"
          : status !== undefined
          ? `the internal API answered ${status}: is INTERNAL_API_URL the api's INTERNAL_PORT (not its public PORT), and INTERNAL_SECRET set on the api?`
          : `the internal API at INTERNAL_API_URL is unreachable: ${e.message}`
      })
    })
  )
  yield* Effect.logInfo("worker connected to the internal API")
}))

const Remote = Layer.mergeAll(RemoteEngineStore, RemoteFollowUps, RemoteHtlAudit, RemoteKnowledge, RemoteSender, RemoteIngest).pipe(
  Layer.provideMerge(BridgedEventBus),
  Layer.provideMerge(InternalClient.layer)
)

/**
 * `GET /health` on PORT for orchestrators: 200 while the internal API answers, 503 otherwise
 * (a worker that cannot reach the API can do nothing). `GET /health/live`: the process answers;
 * `GET /health/ready`: the internal API and the SQS queue answer, and the worker is not stopping.
 */
const WorkerHealth = Layer.mergeAll(
  HttpRouter.add("GET", "/health", Effect.gen(function*() {
    const api = yield* pingApi.pipe(
      Effect.timeout("2 seconds"),
      Effect.as("ok" as const),
      Effect.catchCause(() => Effect.succeed("unreachable" as const))
    )
    return HttpServerResponse.jsonUnsafe(
      { status: api === "ok" ? "ok" : "degraded", role: "worker", api, inbox: "sqs" },
      { status: api === "ok" ? 200 : 503 }
    )
  })),
  HttpRouter.add("GET", "/health/live", HttpServerResponse.jsonUnsafe({ status: "ok" })),
  HttpRouter.add("GET", "/health/ready", Effect.gen(function*() {
    const inbox = yield* Inbox
    const { ready, report } = yield* readiness({ api: reachable(pingApi), inbox: reachable(inbox.stats) })
    return HttpServerResponse.jsonUnsafe(report, { status: ready ? 200 : 503 })
  }))
)

const HealthServer = HttpRouter.serve(WorkerHealth, { disableLogger: true }).pipe(
  Layer.provide(Layer.unwrap(Effect.map(AppConfig, (config) => NodeHttpServer.layer(createGatedServer, { port: config.port }))))
)

/** Needs AppConfig (and the observability layers from main). */
export const WorkerLive = Layer.mergeAll(EngineCore, InboxConsumerLive, InboxMetricsLive, HealthServer).pipe(
  Layer.provide(HtlFromConfig.pipe(Layer.provide(Llm.layer))),
  Layer.provide(Layer.mergeAll(SqsInboxLive, EngineInstance.layer)),
  Layer.provide(ApiReachable),
  Layer.provide(Remote)
)
