/**
 * Prometheus: `GET /metrics` (text exposition format) on METRICS_PORT, an operator port of its
 * own, never the public one; unset, no listener. Every metric of src/observability/metrics.ts,
 * named as the OpenTelemetry collector would translate them (`.` → `_`, `_seconds`, `_total`).
 * With the engine on a thread of its own, its metrics are served here too (./threadMetrics.ts).
 * Also `GET /health/live`, so one port serves an orchestrator's liveness probe and the scraper.
 */
import { createServer } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer, Option } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { PrometheusMetrics } from "effect/observability"
import { AppConfig } from "../config/AppConfig.ts"
import { prometheusName } from "./metrics.ts"
import { mergedContext, MetricSources } from "./threadMetrics.ts"

/** A router of its own: built under the public server's memo map, the route would land on its router. */
const OwnRouter = Layer.effect(Layer.CurrentMemoMap, Layer.makeMemoMap)

/** This thread's metrics and every other source's, in the text exposition format. */
const exposition = Effect.gen(function*() {
  const entries = yield* (yield* MetricSources).collect
  const context = mergedContext(yield* Effect.context<never>(), entries)
  return HttpServerResponse.text(PrometheusMetrics.formatUnsafe(context, { metricNameMapper: prometheusName }), {
    contentType: "text/plain; version=0.0.4; charset=utf-8"
  })
})

const Routes = Layer.mergeAll(
  HttpRouter.add("GET", "/metrics", exposition),
  HttpRouter.add("GET", "/health/live", HttpServerResponse.jsonUnsafe({ status: "ok" }))
)

export const PrometheusLive = Layer.unwrap(Effect.map(AppConfig, (config) =>
  Option.match(config.metricsPort, {
    onNone: () => Layer.empty,
    // built, not merged: the served layer's context (its router, its memo map) must not reach the
    // layers built after this one, or the public routes would land on this router
    onSome: (port) =>
      Layer.effectDiscard(Effect.gen(function*() {
        yield* Layer.build(HttpRouter.serve(Routes, { disableLogger: true, disableListenLog: true }).pipe(
          Layer.provide(NodeHttpServer.layer(createServer, { port })),
          Layer.provide(OwnRouter)
        ))
        yield* Effect.logInfo("Prometheus metrics served").pipe(Effect.annotateLogs({ url: `http://0.0.0.0:${port}/metrics` }))
      }))
  })
))
