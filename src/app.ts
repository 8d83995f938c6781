/**
 * The application as layers, per role. `all` (default): one process does everything.
 * `api`: HTTP, intake, dashboard and the internal API, no engine. `worker`: inbox consumers,
 * actors and the follow-up scheduler over the API's internal RPC, with no database
 * (src/internal/worker.ts). `main.ts` serves the chosen one; tests serve the same layers.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { HttpRouter } from "effect/http"
import { HttpApiBuilder, HttpApiScalar } from "effect/http-api"
import { AppConfig } from "./config/AppConfig.ts"
import { DatabaseLive } from "./db/Database.ts"
import { DashboardHttpLive, DashboardRpcRoutes } from "./dashboard/layer.ts"
import { Api } from "./domain/Api.ts"
import { EngineCore } from "./conversations/Engine.ts"
import { EngineInstance } from "./conversations/instance.ts"
import { EngineStore } from "./conversations/store.ts"
import { OutboundSenderLive } from "./conversations/whatsappSender.ts"
import { EventBus } from "./events/EventBus.ts"
import { FollowUps } from "./followups/FollowUps.ts"
import { HealthLive } from "./health/Health.ts"
import { BodyLimit, PROFILE_MAX_BODY_BYTES } from "./http/bodyLimit.ts"
import { createGatedServer } from "./http/gatedServer.ts"
import { HtlLive } from "./htl/layer.ts"
import { InboxRetentionLive } from "./inbox/retention.ts"
import { InternalServerLive } from "./internal/server.ts"
import { WorkerLive } from "./internal/worker.ts"
import { EventMetricsLive } from "./observability/eventMetrics.ts"
import { LoggingLive } from "./observability/Logging.ts"
import { TelemetryLive } from "./observability/Telemetry.ts"
import { SandboxLive } from "./sandbox/Sandbox.ts"
import { Ingest } from "./whatsapp/Ingest.ts"
import { WhatsAppHttpLive, WhatsAppLive } from "./whatsapp/layer.ts"

/** One handler layer per HttpApi group of `Api`. */
const ApiRoutes = HttpApiBuilder.layer(Api, { openapiPath: "/openapi.json" }).pipe(
  Layer.provide([HealthLive, DashboardHttpLive, WhatsAppHttpLive])
)

/** Public routes and the dashboard's RPC; bodies bounded per route. (The internal RPC has its own listener: InternalServerLive.) */
export const Routes = Layer.mergeAll(ApiRoutes, HttpApiScalar.layer(Api, { path: "/docs" }), DashboardRpcRoutes).pipe(
  Layer.provide(BodyLimit.layer)
)

/** What every database-holding process has: WhatsApp, events, the HTL's services, the database. */
const DataServices = Layer.mergeAll(EventMetricsLive, SandboxLive, InboxRetentionLive).pipe(
  Layer.provideMerge(WhatsAppLive),
  Layer.provideMerge(Layer.mergeAll(EventBus.layer, HtlLive, EngineInstance.layer)),
  Layer.provideMerge(DatabaseLive)
)

/** The engine's store, follow-ups, sender and intake on the database (also served to workers). */
const Backends = Layer.mergeAll(EngineStore.sql, FollowUps.layer, OutboundSenderLive, Ingest.layer)

/** `all`: the engine runs here on the database. */
export const Services = EngineCore.pipe(Layer.provideMerge(Backends), Layer.provideMerge(DataServices))

/** `api`: no engine; the backends serve workers over the internal RPC. */
export const ApiServices = Backends.pipe(Layer.provideMerge(DataServices))

/** Cross-cutting layers every other layer is built under (logs, traces). */
const Observability = Layer.mergeAll(LoggingLive, TelemetryLive)

/** The HTTP app and its services (role `all`); needs an HttpServer and AppConfig. The internal API listens on INTERNAL_PORT. */
export const HttpApp = Layer.merge(HttpRouter.serve(Routes), InternalServerLive).pipe(
  Layer.provide(Services),
  Layer.provide(Observability)
)

/** The HTTP app of the `api` role. */
export const ApiHttpApp = Layer.merge(HttpRouter.serve(Routes), InternalServerLive).pipe(
  Layer.provide(ApiServices),
  Layer.provide(Observability)
)

const ServerLive = Layer.unwrap(Effect.map(AppConfig, (config) =>
  // a WebSocket message (the dashboard's RPC) is bounded like an HTTP body
  NodeHttpServer.layer(createGatedServer, { port: config.port, websocket: { maxPayload: PROFILE_MAX_BODY_BYTES } })
))

const WorkerMain = WorkerLive.pipe(Layer.provide(Observability))
const ApiMain = ApiHttpApp.pipe(Layer.provide(ServerLive))
const AllMain = HttpApp.pipe(Layer.provide(ServerLive))

type MainError = Layer.Error<typeof WorkerMain> | Layer.Error<typeof ApiMain> | Layer.Error<typeof AllMain>

/** The process for the configured role. */
export const MainLive = Layer.unwrap(Effect.map(AppConfig, (config): Layer.Layer<never, MainError, AppConfig> =>
  config.role === "worker" ? WorkerMain : config.role === "api" ? ApiMain : AllMain
)).pipe(Layer.provide(AppConfig.layer))
