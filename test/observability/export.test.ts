import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { HttpClient } from "effect/http"
import { appTest } from "../support/app.ts"
import { otlpReceiver } from "../support/otlpReceiver.ts"

describe("OTLP export", () => {
  it.live("with OTEL_EXPORTER_OTLP_ENDPOINT set, request spans reach the collector with the service name", () =>
    Effect.gen(function*() {
      const receiver = yield* otlpReceiver
      // the app runs in its own scope: closing it flushes the exporters
      yield* Effect.scoped(Effect.gen(function*() {
        const context = yield* Layer.build(appTest({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json", OTEL_SERVICE_NAME: "wa-test" }))
        const response = yield* HttpClient.get("/health").pipe(Effect.provideContext(context))
        assert.strictEqual(response.status, 200)
      }))
      const traces = receiver.exports.filter((e) => e.path === "/v1/traces")
      assert.isAbove(traces.length, 0, JSON.stringify(receiver.exports.map((e) => e.path)))
      const text = JSON.stringify(traces)
      assert.include(text, "wa-test")
      assert.include(text, "service.version")
      assert.match(text, /GET \/health|http\.server|\/health/)
    }))
})
