/**
 * The application as layers. `main.ts` serves it on a real port; tests serve the same
 * layers on a test server with their own configuration.
 */
import { createServer } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { HttpRouter } from "effect/http"
import { HttpApiBuilder, HttpApiScalar } from "effect/http-api"
import { AppConfig } from "./config/AppConfig.ts"
import { DatabaseLive } from "./db/Database.ts"
import { DashboardHttpLive, DashboardRpcRoutes } from "./dashboard/layer.ts"
import { Api } from "./domain/Api.ts"
import { EngineLive } from "./conversations/Engine.ts"
import { EventBus } from "./events/EventBus.ts"
import { HealthLive } from "./health/Health.ts"
import { HtlLive } from "./htl/layer.ts"
import { EventMetricsLive } from "./observability/eventMetrics.ts"
import { LoggingLive } from "./observability/Logging.ts"
import { TelemetryLive } from "./observability/Telemetry.ts"
import { SandboxLive } from "./sandbox/Sandbox.ts"
import { WhatsAppHttpLive, WhatsAppLive } from "./whatsapp/layer.ts"

/** One handler layer per HttpApi group of `Api`. */
const ApiRoutes = HttpApiBuilder.layer(Api, { openapiPath: "/openapi.json" }).pipe(
  Layer.provide([HealthLive, DashboardHttpLive, WhatsAppHttpLive])
)

export const Routes = Layer.mergeAll(ApiRoutes, HttpApiScalar.layer(Api, { path: "/docs" }), DashboardRpcRoutes)

/** Everything the routes and background fibers need, on top of AppConfig and the database. */
export const Services = Layer.mergeAll(EngineLive, EventMetricsLive, SandboxLive).pipe(
  Layer.provideMerge(WhatsAppLive),
  Layer.provideMerge(Layer.mergeAll(EventBus.layer, HtlLive)),
  Layer.provideMerge(DatabaseLive)
)

/** Cross-cutting layers every other layer is built under (logs, traces). */
const Observability = Layer.mergeAll(LoggingLive, TelemetryLive)

/** The HTTP app and its services; needs an HttpServer and AppConfig. */
export const HttpApp = HttpRouter.serve(Routes).pipe(
  Layer.provide(Services),
  Layer.provide(Observability)
)

const ServerLive = Layer.unwrap(Effect.map(AppConfig, (config) =>
  NodeHttpServer.layer(createServer, { port: config.port })
))

export const MainLive = HttpApp.pipe(
  Layer.provide(ServerLive),
  Layer.provide(AppConfig.layer)
)
