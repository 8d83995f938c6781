/**
 * The operator's metrics: exported over OTLP with the traces when configured, served to
 * Prometheus on METRICS_PORT (src/observability/prometheus.ts). Attributes are low-cardinality
 * labels only: never phone numbers, ids of leads or text. Durations named by the OpenTelemetry
 * semantic conventions are in seconds with the conventions' buckets; the older `wa.*_ms` ones
 * stay in milliseconds. The brain's metrics (model calls, decisions, guardrails) are defined
 * with these helpers in src/llm/metrics.ts, the only metrics module src/htl/ may import.
 */
import { Metric } from "effect"

const ms = Metric.boundariesFromIterable([5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000])

/** Counters, for Prometheus's `_total` suffix. */
const counterNames = new Set<string>()
/** Histograms in seconds, for Prometheus's `_seconds` suffix. */
const secondsNames = new Set<string>()

export const counter = (name: string, description: string) => {
  counterNames.add(name)
  return Metric.counter(name, { description, incremental: true })
}

/** A duration histogram in seconds (unit `s`) that is fed milliseconds. */
export const seconds = (name: string, description: string, boundaries: ReadonlyArray<number>) => {
  secondsNames.add(name)
  return Metric.mapInput(
    Metric.histogram(name, { description, boundaries: Metric.boundariesFromIterable(boundaries), attributes: { unit: "s" } }),
    (millis: number) => millis / 1000
  )
}

/** Gauges in bytes, for Prometheus's `_bytes` suffix. */
const bytesNames = new Set<string>()

/** A gauge in bytes (unit `By`). */
export const bytesGauge = (name: string, description: string) => {
  bytesNames.add(name)
  return Metric.gauge(name, { description, attributes: { unit: "By" } })
}

/** A gauge in seconds (unit `s`) that is fed milliseconds. */
export const secondsGauge = (name: string, description: string) => {
  secondsNames.add(name)
  return Metric.mapInput(Metric.gauge(name, { description, attributes: { unit: "s" } }), (millis: number) => millis / 1000)
}

/** OpenTelemetry metric name → Prometheus name, as the collector's translation does it. */
export const prometheusName = (name: string): string =>
  `${name}${secondsNames.has(name) ? "_seconds" : ""}${bytesNames.has(name) ? "_bytes" : ""}${counterNames.has(name) ? "_total" : ""}`

export const webhookDeliveries = counter("wa.webhook.deliveries", "webhook POSTs by outcome (accepted, bad_signature, too_large, invalid)")
export const memoryReleases = counter("wa.memory.releases", "full garbage collections run after a wave of conversations was passivated (src/conversations/memoryRelease.ts)")
export const memoryReleasePause = secondsGauge("wa.memory.release_pause", "how long the last of those collections paused the process")
export const inboxDepth = Metric.gauge("wa.inbox.depth", { description: "deliveries waiting in the inbox" })
export const inboxAgeMs = Metric.gauge("wa.inbox.oldest_age_ms", { description: "age of the oldest waiting delivery" })
export const turnLatencyMs = Metric.histogram("wa.turn.latency_ms", {
  description: "burst closed → reply sent",
  boundaries: ms
})
export const engineOverheadMs = Metric.histogram("wa.turn.engine_overhead_ms", {
  description: "turn time outside the LLM (context, database, send)",
  boundaries: Metric.boundariesFromIterable([1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 30, 50, 100, 250, 1000])
})

/** HTTP semantic conventions: `http.server.request.duration` (s) by method, route and status. */
export const httpServerDuration = seconds(
  "http.server.request.duration",
  "Duration of HTTP server requests",
  [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]
)

/** One Graph API send (bot and human messages, src/conversations/outbound.ts), by outcome (`unknown` counts as failed) and message type. */
export const sendDuration = seconds("wa.send.duration", "WhatsApp Graph API sends by outcome (sent, failed) and type", [
  0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30
])

export const followUps = counter("wa.followups", "follow-ups by change (scheduled, fired, cancelled, skipped)")
/** `at`: `thinking` (given up before the reply was written) or `send` (the draft dropped by the pre-send check) */
export const overtakenTurns = counter("wa.turn.overtaken", "lead turns whose burst the lead added to before the reply went out (the next turn answers it all), by where")
export const sendErrors = counter("wa.send.errors", "Graph API send failures by code")
export const overdueHandoffs = Metric.gauge("wa.handoffs.overdue", {
  description: "conversations handed to a person who has not written for longer than the business allows"
})
export const activeActors = Metric.gauge("wa.engine.active_actors", { description: "conversation actors in memory" })

/** `counter` + 1 with the given labels. */
export const count = (metric: Metric.Metric<number, unknown>, attributes: Record<string, string>) =>
  Metric.update(Metric.withAttributes(metric, attributes), 1)

export const record = (metric: Metric.Metric<number, unknown>, value: number, attributes: Record<string, string> = {}) =>
  Metric.update(Metric.withAttributes(metric, attributes), value)
