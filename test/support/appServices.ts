/**
 * Like `appTest`, but the app's services (EventBus, Channels, WhatsApp, Inbox, SqlClient …)
 * are also provided to the test, so it can subscribe to events or inspect state.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Layer } from "effect"
import { HttpRouter } from "effect/http"
import { Routes, Services } from "../../src/app.ts"
import { LoggingLive } from "../../src/observability/Logging.ts"
import { testConfig } from "./app.ts"
import { TestDatabase } from "./TestDatabase.ts"

export const appWithServicesTest = (env: Record<string, string> = {}) =>
  HttpRouter.serve(Routes, { disableListenLog: true, disableLogger: true }).pipe(
    Layer.provideMerge(Services),
    Layer.provide(LoggingLive),
    Layer.provideMerge(NodeHttpServer.layerTest),
    Layer.provideMerge(testConfig(env)),
    Layer.provideMerge(TestDatabase.layer)
  )
