/**
 * The OpenTelemetry environment variables (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/),
 * checked at start so a bad value stops start-up with one line (header values, which carry
 * credentials, are never echoed). Effect's config-driven OTLP layer then reads the same
 * variables (src/observability/Telemetry.ts) through `exportEnv`: the spec's defaults filled in
 * (`OTEL_*_EXPORTER=otlp`) and values normalised where Effect is stricter than the spec
 * (whitespace around header pairs, `OTEL_SDK_DISABLED=TRUE`).
 */
import { Effect, Option, Redacted } from "effect"
import { decimal, httpUrl, integer, invalid, oneOf, optional, ParseFailure, text, withDefault } from "./read.ts"

export const Signals = ["traces", "metrics", "logs"] as const
export type Signal = (typeof Signals)[number]

export const Samplers = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio"
] as const
export type SamplerKind = (typeof Samplers)[number]

export interface TelemetryConfig {
  /** OTEL_SDK_DISABLED=true: no export of any signal. */
  readonly disabled: boolean
  /** Which signals are exported over OTLP: an endpoint, the exporter `otlp`, not disabled. */
  readonly signals: Readonly<Record<Signal, boolean>>
  readonly protocol: "http/protobuf" | "http/json"
  /** OTEL_SERVICE_NAME, else `service.name` of OTEL_RESOURCE_ATTRIBUTES, else wa-sales-agent. */
  readonly serviceName: string
  /** OTEL_RESOURCE_ATTRIBUTES, decoded. */
  readonly resourceAttributes: Readonly<Record<string, string>>
  readonly sampler: { readonly kind: SamplerKind; readonly ratio: number }
  /** The OTEL_* variables as Effect's `Otlp.layerFromConfig` is to read them (headers: credentials). */
  readonly exportEnv: Redacted.Redacted<Readonly<Record<string, string>>>
}

const upper = (signal: Signal) => signal.toUpperCase()

/** `key=value,key2=value2`, percent-encoded values; entries trimmed, entries without a key skipped. */
export const parseKeyValues = (s: string, options: { readonly headerNames: boolean }): Record<string, string> | ParseFailure => {
  const out: Record<string, string> = {}
  for (const entry of s.split(",")) {
    const at = entry.indexOf("=")
    if (at < 0) {
      if (entry.trim().length === 0) continue
      return new ParseFailure("must be key=value pairs separated by commas", false)
    }
    const key = entry.slice(0, at).trim()
    if (key.length === 0) continue
    if (options.headerNames && !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(key)) {
      return new ParseFailure("must be key=value pairs with HTTP header names as keys", false)
    }
    try {
      out[key] = decodeURIComponent(entry.slice(at + 1).trim())
    } catch {
      return new ParseFailure(`has a value that is not valid percent-encoding (key ${JSON.stringify(key)})`, false)
    }
  }
  return out
}

const encodeKeyValues = (record: Readonly<Record<string, string>>) =>
  Object.entries(record).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join(",")

const exporters = (s: string): ReadonlyArray<"otlp" | "none"> | ParseFailure => {
  const list = s.split(",").map((x) => x.trim().toLowerCase()).filter((x) => x.length > 0)
  return list.every((x) => x === "otlp" || x === "none") ? list.filter((x) => x === "otlp" || x === "none") : new ParseFailure(`must be "otlp" or "none"`)
}

const bool = (s: string): boolean | ParseFailure => {
  const v = s.toLowerCase()
  return v === "true" ? true : v === "false" ? false : new ParseFailure(`must be "true" or "false"`)
}

/** The exporter tuning variables Effect reads as integers (milliseconds or counts). */
const INTEGER_VARIABLES = [
  "OTEL_EXPORTER_OTLP_TIMEOUT",
  ...Signals.map((s) => `OTEL_EXPORTER_OTLP_${upper(s)}_TIMEOUT`),
  "OTEL_BSP_SCHEDULE_DELAY",
  "OTEL_BSP_EXPORT_TIMEOUT",
  "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
  "OTEL_BLRP_SCHEDULE_DELAY",
  "OTEL_BLRP_EXPORT_TIMEOUT",
  "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE",
  "OTEL_METRIC_EXPORT_INTERVAL",
  "OTEL_METRIC_EXPORT_TIMEOUT"
]

export const readTelemetry = (environment: string) =>
  Effect.gen(function*() {
    const exportEnv: Record<string, string> = {}
    const disabled = yield* withDefault("OTEL_SDK_DISABLED", bool, false)
    exportEnv.OTEL_SDK_DISABLED = String(disabled)

    const protocol = yield* withDefault("OTEL_EXPORTER_OTLP_PROTOCOL", oneOf(["http/protobuf", "http/json", "grpc"]), "http/protobuf")
    if (protocol === "grpc") {
      return yield* invalid("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc is not supported: use http/protobuf or http/json (the collector's port 4318)")
    }
    for (const signal of Signals) {
      const own = yield* optional(`OTEL_EXPORTER_OTLP_${upper(signal)}_PROTOCOL`, text)
      if (Option.isSome(own) && own.value.toLowerCase() !== protocol) {
        yield* invalid(`OTEL_EXPORTER_OTLP_${upper(signal)}_PROTOCOL`, `must equal OTEL_EXPORTER_OTLP_PROTOCOL (${protocol}): one protocol for every signal`)
      }
    }

    const baseEndpoint = yield* optional("OTEL_EXPORTER_OTLP_ENDPOINT", httpUrl)
    if (Option.isSome(baseEndpoint)) exportEnv.OTEL_EXPORTER_OTLP_ENDPOINT = baseEndpoint.value
    const headers = yield* optional("OTEL_EXPORTER_OTLP_HEADERS", (s) => parseKeyValues(s, { headerNames: true }))
    if (Option.isSome(headers)) exportEnv.OTEL_EXPORTER_OTLP_HEADERS = encodeKeyValues(headers.value)

    const signals: Record<Signal, boolean> = { traces: false, metrics: false, logs: false }
    for (const signal of Signals) {
      const name = upper(signal)
      const endpoint = yield* optional(`OTEL_EXPORTER_OTLP_${name}_ENDPOINT`, httpUrl)
      if (Option.isSome(endpoint)) exportEnv[`OTEL_EXPORTER_OTLP_${name}_ENDPOINT`] = endpoint.value
      const own = yield* optional(`OTEL_EXPORTER_OTLP_${name}_HEADERS`, (s) => parseKeyValues(s, { headerNames: true }))
      if (Option.isSome(own)) exportEnv[`OTEL_EXPORTER_OTLP_${name}_HEADERS`] = encodeKeyValues(own.value)
      // the spec's default exporter is otlp (Effect's is none)
      const list = yield* withDefault(`OTEL_${name}_EXPORTER`, exporters, ["otlp"])
      exportEnv[`OTEL_${name}_EXPORTER`] = list.join(",") || "none"
      signals[signal] = !disabled && list.includes("otlp") && (Option.isSome(endpoint) || Option.isSome(baseEndpoint))
    }

    for (const name of INTEGER_VARIABLES) {
      const value = yield* optional(name, integer(0, 2_147_483_647))
      if (Option.isSome(value)) exportEnv[name] = String(value.value)
    }
    for (const name of ["OTEL_EXPORTER_OTLP_COMPRESSION", ...Signals.map((s) => `OTEL_EXPORTER_OTLP_${upper(s)}_COMPRESSION`)]) {
      const value = yield* optional(name, oneOf(["gzip", "none"]))
      if (Option.isSome(value)) exportEnv[name] = value.value
    }
    const temporality = yield* optional("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", oneOf(["cumulative", "delta"]))
    if (Option.isSome(temporality)) exportEnv.OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE = temporality.value

    const resourceAttributes = yield* withDefault(
      "OTEL_RESOURCE_ATTRIBUTES",
      (s) => parseKeyValues(s, { headerNames: false }),
      {}
    )
    const serviceName = yield* optional("OTEL_SERVICE_NAME", text)

    const kind = yield* withDefault("OTEL_TRACES_SAMPLER", oneOf(Samplers), "parentbased_always_on")
    const ratio = yield* withDefault("OTEL_TRACES_SAMPLER_ARG", decimal(0, 1), 1)

    return {
      disabled,
      signals,
      protocol,
      serviceName: Option.getOrElse(serviceName, () => resourceAttributes["service.name"] ?? "wa-sales-agent"),
      resourceAttributes: { "deployment.environment.name": environment, ...resourceAttributes },
      sampler: { kind, ratio },
      exportEnv: Redacted.make(exportEnv)
    } satisfies TelemetryConfig
  })
