/**
 * The application as layers, per role. `all` (default): one process does everything.
 * `api`: HTTP, intake, dashboard and the internal API, no engine. `worker`: inbox consumers,
 * actors and the follow-up scheduler over the API's internal RPC, with no database
 * (src/internal/worker.ts). `all` runs the engine on a thread of its own unless ENGINE_THREAD=false:
 * the main thread has the `api` role's layers, the engine's thread the rest (src/lifecycle/engineThread.ts).
 * `main.ts` serves the chosen one; tests serve the same layers.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { HttpRouter } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import { AppConfig } from "./config/AppConfig.ts"
import { DatabaseLive } from "./db/Database.ts"
import { Backends } from "./engine.ts"
import { DashboardHttpLive, DashboardRpcRoutes } from "./dashboard/layer.ts"
import { Api } from "./domain/Api.ts"
import { EngineCore } from "./conversations/Engine.ts"
import { EngineInstance } from "./records/EngineInstance.ts"
import { EventBus } from "./events/EventBus.ts"
import { HealthLive } from "./health/Health.ts"
import { BodyLimit, PROFILE_MAX_BODY_BYTES } from "./http/bodyLimit.ts"
import { CorsLive } from "./http/cors.ts"
import { CLOSE_TIMEOUT, createGatedServer, FastPathSlot } from "./http/gatedServer.ts"
import { HtlLive } from "./conversations/htlLive.ts"
import { Knowledge } from "./knowledge/Knowledge.ts"
import { HtlAudit } from "./records/HtlAudit.ts"
import { InboxRetentionLive } from "./inbox/retention.ts"
import { InternalServerLive } from "./internal/server.ts"
import { WorkerLive } from "./internal/worker.ts"
import { DrainLive, drainOnStop } from "./lifecycle/Drain.ts"
import { EngineThreadLive } from "./lifecycle/engineThread.ts"
import { EngineLoadLive } from "./lifecycle/EngineLoad.ts"
import { EventMetricsLive } from "./conversations/eventMetrics.ts"
import { httpMetrics } from "./observability/httpMetrics.ts"
import { LoggingLive } from "./observability/Logging.ts"
import { ProcessMetricsLive } from "./observability/processMetrics.ts"
import { PrometheusLive } from "./observability/prometheus.ts"
import { TelemetryLive } from "./observability/Telemetry.ts"
import { SandboxLive } from "./sandbox/Sandbox.ts"
import { DocsLive } from "./web/docs.ts"
import { WebAppLive } from "./web/WebApp.ts"
import { InboxConsumersLive, WhatsAppFastPathLive, WhatsAppHttpLive, WhatsAppLive } from "./whatsapp/layer.ts"

/** One handler layer per HttpApi group of `Api`. */
const ApiRoutes = HttpApiBuilder.layer(Api, { openapiPath: "/openapi.json" }).pipe(
  Layer.provide([HealthLive, DashboardHttpLive, WhatsAppHttpLive])
)

/**
 * Public routes, the dashboard's RPC, the web inbox (`/app`) and the API reference (`/docs`);
 * bodies bounded per route. (The internal RPC has its own listener: InternalServerLive.)
 */
export const Routes = Layer.mergeAll(ApiRoutes, DocsLive, DashboardRpcRoutes, WebAppLive, CorsLive).pipe(
  Layer.provide(BodyLimit.layer)
)

/** The public server: the routes (CORS for CORS_ORIGINS), `http.server.request.duration` for every answer. */
export const PublicServer = HttpRouter.serve(Routes, { middleware: httpMetrics })

/**
 * What every database-holding process has: WhatsApp, events, business knowledge and the HTL's
 * audit (the dashboard reads both), the database. The HTL itself (the model's client, fastText's
 * language detector) only where turns run: `Services` here, src/engine.ts on the thread.
 */
const DataServices = Layer.mergeAll(EventMetricsLive, SandboxLive, InboxRetentionLive).pipe(
  Layer.provideMerge(WhatsAppLive),
  Layer.provideMerge(Layer.mergeAll(EventBus.layer, Knowledge.layer, HtlAudit.layer, EngineInstance.layer)),
  Layer.provideMerge(DatabaseLive)
)

/** `all` on one event loop: the engine, its HTL and the inbox consumers run here on the database (the consumers start after the engine). */
export const Services = InboxConsumersLive.pipe(
  Layer.provideMerge(EngineCore),
  Layer.provideMerge(HtlLive),
  Layer.provideMerge(Backends),
  Layer.provideMerge(DataServices)
)

/** `api`: no engine and no inbox consumers; the backends serve workers over the internal RPC. */
export const ApiServices = Backends.pipe(Layer.provideMerge(DataServices))

/**
 * Cross-cutting layers every other layer is built under: logs (an OTLP logger joins the console
 * one), traces and metrics, and the Prometheus listener (METRICS_PORT).
 */
const Observability = Layer.mergeAll(TelemetryLive, PrometheusLive, ProcessMetricsLive).pipe(Layer.provideMerge(LoggingLive))

/** The HTTP app and its services (role `all`); needs an HttpServer and AppConfig. The internal API listens on INTERNAL_PORT. */
export const HttpApp = Layer.mergeAll(PublicServer, WhatsAppFastPathLive, InternalServerLive).pipe(
  Layer.provide(Services),
  Layer.provide(Observability)
)

/** The HTTP app of the `api` role. */
export const ApiHttpApp = Layer.mergeAll(PublicServer, WhatsAppFastPathLive, InternalServerLive).pipe(
  Layer.provide(ApiServices),
  Layer.provide(Observability)
)

/** Role `all` with the engine on its own thread: the `api` role's app, and the engine's thread once the database is ready. */
export const ThreadedHttpApp = Layer.mergeAll(PublicServer, WhatsAppFastPathLive, InternalServerLive).pipe(
  Layer.provide(EngineThreadLive.pipe(Layer.provideMerge(ApiServices))),
  Layer.provide(Observability)
)

const ServerLive = Layer.unwrap(Effect.gen(function*() {
  const config = yield* AppConfig
  const fastPath = yield* FastPathSlot
  // a WebSocket message (the dashboard's RPC) is bounded like an HTTP body
  return NodeHttpServer.layer(() => createGatedServer(fastPath), {
    port: config.port,
    websocket: { maxPayload: PROFILE_MAX_BODY_BYTES },
    gracefulShutdownTimeout: CLOSE_TIMEOUT
  })
}))

const WorkerMain = WorkerLive.pipe(Layer.provide(Observability))
// the webhook's fast path (HttpApp) and the server that offers it requests share one slot
const ApiMain = ApiHttpApp.pipe(Layer.provide(ServerLive), Layer.provide(FastPathSlot.layer))
const AllMain = HttpApp.pipe(Layer.provide(ServerLive), Layer.provide(FastPathSlot.layer))
const ThreadedMain = ThreadedHttpApp.pipe(Layer.provide(ServerLive), Layer.provide(FastPathSlot.layer))

type MainError = Layer.Error<typeof WorkerMain> | Layer.Error<typeof ApiMain> | Layer.Error<typeof AllMain> | Layer.Error<typeof ThreadedMain>
type MainNeeds = AppConfig | Layer.Services<typeof ThreadedMain>

/**
 * The process for the configured role. Its outermost layer drains on SIGTERM (src/lifecycle/Drain.ts),
 * so everything else closes after that: HTTP, actors, the pool, last the embedded database.
 */
export const MainLive = Layer.unwrap(Effect.map(AppConfig, (config): Layer.Layer<never, MainError, MainNeeds> => {
  const role: Layer.Layer<never, MainError, MainNeeds> = config.role === "worker"
    ? WorkerMain
    : config.role === "api"
    ? ApiMain
    : config.engineThread
    ? ThreadedMain
    : AllMain
  // the same (memoized) Observability the role's layers are built under: the drain's lines are logged like theirs
  return drainOnStop(config.shutdownTimeout).pipe(Layer.provideMerge(role), Layer.provide(Observability))
})).pipe(Layer.provide(Layer.mergeAll(DrainLive, EngineLoadLive)), Layer.provide(AppConfig.layer))
