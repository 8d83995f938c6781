/**
 * Prometheus: `GET /metrics` (text exposition format) on METRICS_PORT, an operator port of its
 * own, never the public one; unset, no listener. Every metric of src/observability/metrics.ts,
 * named as the OpenTelemetry collector would translate them (`.` → `_`, `_seconds`, `_total`).
 * Also `GET /health/live`, so one port serves an orchestrator's liveness probe and the scraper.
 */
import { createServer } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer, Option } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { PrometheusMetrics } from "effect/observability"
import { AppConfig } from "../config/AppConfig.ts"
import { prometheusName } from "./metrics.ts"

/** A router of its own: built under the public server's memo map, the route would land on its router. */
const OwnRouter = Layer.effect(Layer.CurrentMemoMap, Layer.makeMemoMap)

const Routes = Layer.mergeAll(
  PrometheusMetrics.layerHttp({ path: "/metrics", metricNameMapper: prometheusName }),
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
