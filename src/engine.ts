/**
 * The engine's layers that the main process and the engine's thread share, and the engine's
 * thread as src/engineMain.ts runs it (role `all` with ENGINE_THREAD, src/lifecycle/engineThread.ts).
 * Apart from src/app.ts, so the thread's bundle holds none of the HTTP API, dashboard or web inbox.
 */
import { Effect, Layer, Option, Redacted } from "effect"
import { AppConfig } from "./config/AppConfig.ts"
import { EngineCore } from "./conversations/Engine.ts"
import { HtlLive } from "./conversations/htlLive.ts"
import { OutboundSenderLive } from "./conversations/whatsappSender.ts"
import { DatabaseLive } from "./db/Database.ts"
import { FollowUps } from "./followups/FollowUps.ts"
import { DrainLive } from "./lifecycle/Drain.ts"
import { EngineLoadLive } from "./lifecycle/EngineLoad.ts"
import { EngineThreadBus } from "./lifecycle/engineThread.ts"
import { LoggingLive } from "./observability/Logging.ts"
import { ThreadMetricsLive } from "./observability/processMetrics.ts"
import { TelemetryLive } from "./observability/Telemetry.ts"
import { EngineInstance } from "./records/EngineInstance.ts"
import { EngineStore } from "./records/EngineStore.ts"
import { Ingest } from "./whatsapp/Ingest.ts"
import { InboxConsumersLive, WhatsAppCore } from "./whatsapp/layer.ts"

/** The engine's store, follow-ups, sender and intake on the database (also served to workers). */
export const Backends = Layer.mergeAll(EngineStore.sql, FollowUps.layer, OutboundSenderLive, Ingest.layer)

/**
 * The engine's thread: the engine and the inbox consumers on the main thread's database, already
 * migrated there, its events bridged to the main thread's bus; no quick setup, sandbox or
 * retention of its own (the main thread runs them).
 */
const EngineThreadServices = InboxConsumersLive.pipe(
  Layer.provideMerge(EngineCore),
  Layer.provideMerge(Backends),
  Layer.provideMerge(WhatsAppCore),
  Layer.provideMerge(Layer.mergeAll(EngineThreadBus, HtlLive, EngineInstance.layer)),
  Layer.provideMerge(DatabaseLive)
)

/**
 * The configuration as the engine's thread reads it: the database the main thread found, no
 * migration, and an OpenTelemetry resource of its own (`thread.name=engine`: the two threads'
 * metrics are two series, not one overwritten).
 */
const EngineThreadConfig = (databaseUrl: string) =>
  Layer.effect(
    AppConfig,
    Effect.map(AppConfig, (config) =>
      AppConfig.of({
        ...config,
        databaseUrl: Option.some(Redacted.make(databaseUrl)),
        migrateOnStart: false,
        otel: { ...config.otel, resourceAttributes: { ...config.otel.resourceAttributes, "thread.name": "engine" } }
      }))
  ).pipe(Layer.provide(AppConfig.layer))

/** All of the engine's thread: its logs and traces of its own (its metrics are served by the main thread). */
export const EngineThreadMain = (databaseUrl: string) =>
  EngineThreadServices.pipe(
    Layer.provideMerge(ThreadMetricsLive("engine")),
    Layer.provide(TelemetryLive.pipe(Layer.provideMerge(LoggingLive))),
    Layer.provideMerge(Layer.mergeAll(DrainLive, EngineLoadLive)),
    Layer.provideMerge(EngineThreadConfig(databaseUrl))
  )
