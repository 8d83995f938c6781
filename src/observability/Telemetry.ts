/**
 * OTLP/HTTP export of traces, metrics and logs when `OTEL_EXPORTER_OTLP_ENDPOINT` is set;
 * nothing at all (no exporter, no buffers) when it is not.
 */
import { Effect, Layer, Option } from "effect"
import { FetchHttpClient } from "effect/http"
import { Otlp } from "effect/observability"
import packageJson from "../../package.json" with { type: "json" }
import { AppConfig } from "../config/AppConfig.ts"

export const serviceVersion: string = packageJson.version

export const TelemetryLive = Layer.unwrap(Effect.map(AppConfig, (config) =>
  Option.match(config.otel.endpoint, {
    onNone: () => Layer.empty,
    onSome: (baseUrl) =>
      Otlp.layerJson({
        baseUrl,
        resource: { serviceName: config.otel.serviceName, serviceVersion },
        loggerMergeWithExisting: true
      }).pipe(Layer.provide(FetchHttpClient.layer))
  })
))
