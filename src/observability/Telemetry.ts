/**
 * OpenTelemetry export by the standard variables: Effect's config-driven OTLP layer
 * (`Otlp.layerFromConfig`) reads OTEL_EXPORTER_OTLP_(TRACES_|METRICS_|LOGS_)ENDPOINT / _HEADERS,
 * OTEL_*_EXPORTER, OTEL_SDK_DISABLED, OTEL_RESOURCE_ATTRIBUTES, the batch and timeout settings;
 * AppConfig has checked them (src/config/telemetry.ts) and fills in the spec's defaults.
 * OTEL_EXPORTER_OTLP_PROTOCOL picks protobuf (default) or JSON; OTEL_TRACES_SAMPLER(_ARG) wraps
 * the tracer (src/observability/sampler.ts). Nothing configured: no exporter, no buffers.
 */
import { ConfigProvider, Effect, Layer, Redacted } from "effect"
import { FetchHttpClient, UrlParams } from "effect/http"
import { Otlp, OtlpSerialization } from "effect/observability"
import packageJson from "../../package.json" with { type: "json" }
import { AppConfig } from "../config/AppConfig.ts"
import { samplerLayer } from "./sampler.ts"

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

export const TelemetryLive = Layer.unwrap(Effect.gen(function*() {
  const { otel } = yield* AppConfig
  // the checked, normalised OTEL_* variables first; anything else from the process's own provider
  const provider = ConfigProvider.orElse(ConfigProvider.fromUnknown(Redacted.value(otel.exportEnv)), yield* ConfigProvider.ConfigProvider)
  const exporters = Otlp.layerFromConfig({
    resource: {
      serviceName: otel.serviceName,
      serviceVersion: otel.resourceAttributes["service.version"] ?? serviceVersion,
      attributes: otel.resourceAttributes
    },
    loggerMergeWithExisting: true
  }).pipe(
    Layer.provide(otel.protocol === "http/json" ? OtlpSerialization.layerJson : OtlpSerialization.layerProtobuf),
    Layer.provide(FetchHttpClient.layer),
    Layer.provide(ConfigProvider.layer(provider))
  )
  return samplerLayer(otel.sampler).pipe(Layer.provideMerge(exporters), Layer.merge(RedactedUrlParamsLive))
}))
