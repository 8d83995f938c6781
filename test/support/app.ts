/** The real app layers on a test HTTP server, a fresh database and explicit configuration. */
import { NodeHttpServer } from "@effect/platform-node"
import { ConfigProvider, Effect, Layer, Redacted } from "effect"
import { HttpApp } from "../../src/app.ts"
import { FastPathSlot } from "../../src/http/gatedServer.ts"
import { AppConfig } from "../../src/config/AppConfig.ts"
import { TestDatabase } from "./TestDatabase.ts"

export const configFor = (env: Record<string, string>) =>
  AppConfig.layerFrom([]).pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(env))))

/** AppConfig on the test database (plus overrides). */
export const testConfig = (env: Record<string, string> = {}) =>
  Layer.unwrap(Effect.map(TestDatabase, (db) =>
    configFor({ DATABASE_URL: Redacted.value(db.url), LOG_LEVEL: "warn", DATA_DIR: ".data/test", APP_ENV: "test", ...env })
  ))

/** The HTTP app served on a random port; the HttpClient it provides targets that server. */
export const appTest = (env: Record<string, string> = {}) =>
  HttpApp.pipe(
    // no fast path on the test server: the webhook goes through the router (test/whatsapp/fastPath.test.ts covers the other way)
    Layer.provide(FastPathSlot.layer),
    Layer.provideMerge(NodeHttpServer.layerTest),
    Layer.provideMerge(testConfig(env)),
    Layer.provideMerge(TestDatabase.layer)
  )
