/**
 * OTLP/HTTP export of traces, metrics and logs when `OTEL_EXPORTER_OTLP_ENDPOINT` is set;
 * nothing at all (no exporter, no buffers) when it is not.
 */
import { Effect, Layer, Option } from "effect"
import { FetchHttpClient, UrlParams } from "effect/http"
import { Otlp } from "effect/observability"
import packageJson from "../../package.json" with { type: "json" }
import { AppConfig } from "../config/AppConfig.ts"

export const serviceVersion: string = packageJson.version

/**
 * Query parameters HTTP spans record as `<redacted>` (url.full, url.query): Effect's defaults
 * plus the dashboard WebSocket's `access_token` and Meta's webhook verification token.
 */
const RedactedUrlParamsLive = Layer.succeed(UrlParams.CurrentRedactedNames, [
  ...UrlParams.CurrentRedactedNames.defaultValue(),
  "access_token",
  "hub.verify_token",
  "token"
])

export const TelemetryLive = Layer.unwrap(Effect.map(AppConfig, (config) =>
  Option.match(config.otel.endpoint, {
    onNone: () => Layer.empty,
    onSome: (baseUrl) =>
      Otlp.layerJson({
        baseUrl,
        resource: { serviceName: config.otel.serviceName, serviceVersion },
        loggerMergeWithExisting: true
      }).pipe(Layer.provide(FetchHttpClient.layer), Layer.merge(RedactedUrlParamsLive))
  })
))
