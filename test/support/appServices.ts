/**
 * Like `appTest`, but the app's services (EventBus, Channels, WhatsApp, Inbox, SqlClient …)
 * are also provided to the test, so it can subscribe to events or inspect state.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Layer } from "effect"
import { HttpRouter } from "effect/http"
import { Routes, Services } from "../../src/app.ts"
import type { AppConfig } from "../../src/config/AppConfig.ts"
import { httpMetrics } from "../../src/observability/httpMetrics.ts"
import { LoggingLive } from "../../src/observability/Logging.ts"
import { TelemetryLive } from "../../src/observability/Telemetry.ts"
import { testConfig } from "./app.ts"
import { TestDatabase } from "./TestDatabase.ts"

export const appWithServicesTest = (
  env: Record<string, string> = {},
  /** Replaces the configured logger (e.g. one that captures lines for assertions). */
  logging: Layer.Layer<never, never, AppConfig> = LoggingLive,
  /** The database (e.g. one behind a proxy that can be taken away). */
  database: Layer.Layer<TestDatabase, unknown> = TestDatabase.layer
) =>
  HttpRouter.serve(Routes, { disableListenLog: true, disableLogger: true, middleware: httpMetrics }).pipe(
    Layer.provideMerge(Services),
    Layer.provide(Layer.mergeAll(logging, TelemetryLive)),
    Layer.provideMerge(NodeHttpServer.layerTest),
    Layer.provideMerge(testConfig(env)),
    Layer.provideMerge(database)
  )
