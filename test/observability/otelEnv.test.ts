/**
 * OpenTelemetry by the standard variables, against a receiver on 127.0.0.1: per-signal endpoints
 * and exporters, headers, resource attributes, the protocol, OTEL_SDK_DISABLED and the sampler;
 * the GenAI and HTTP metrics with their semantic-convention names and units.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option, Tracer } from "effect"
import { HttpClient } from "effect/http"
import { recordLlmCall } from "../../src/llm/metrics.ts"
import { shouldSample } from "../../src/observability/sampler.ts"
import { appTest } from "../support/app.ts"
import { type OtlpExport, otlpReceiver } from "../support/otlpReceiver.ts"
import { metricsOf, resourcesOf } from "../support/otlpSpans.ts"

/** Runs the app with `env` (and the receiver's URL) while it answers GET /health; the exports once it stopped (flushed). */
const exportsOf = (env: (receiverUrl: string) => Record<string, string>) =>
  Effect.gen(function*() {
    const receiver = yield* otlpReceiver
    yield* Effect.scoped(Effect.gen(function*() {
      const context = yield* Layer.build(appTest(env(receiver.url)))
      const response = yield* HttpClient.get("/health").pipe(Effect.provideContext(context))
      assert.strictEqual(response.status, 200)
      // an HTL step's model call, as src/htl/steps/run.ts records it
      yield* recordLlmCall({ step: "analyze", model: "test-model", outcome: "ok", latencyMs: 1500, tokensIn: 900, tokensOut: 120 })
    }))
    return receiver.exports
  }).pipe(Effect.scoped)

const paths = (exports: ReadonlyArray<OtlpExport>) => [...new Set(exports.map((e) => e.path))].sort()

describe("OpenTelemetry by the standard variables", () => {
  it.live("per-signal endpoints and exporters, OTEL_EXPORTER_OTLP_HEADERS, OTEL_RESOURCE_ATTRIBUTES; GenAI and HTTP metrics by the conventions", () =>
    Effect.gen(function*() {
      const exports = yield* exportsOf((url) => ({
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${url}/collector/traces`,
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${url}/collector/metrics`,
        OTEL_LOGS_EXPORTER: "none",
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        // spaces around pairs, a percent-encoded value: as operators write them
        OTEL_EXPORTER_OTLP_HEADERS: "x-api-key=s3cr%20et, x-team = sales ",
        OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=staging,service.namespace=wa",
        OTEL_SERVICE_NAME: "wa-otel-env",
        LOG_LEVEL: "info"
      }))
      assert.deepStrictEqual(paths(exports), ["/collector/metrics", "/collector/traces"])
      for (const e of exports) {
        assert.strictEqual(e.headers["x-api-key"], "s3cr et")
        assert.strictEqual(e.headers["x-team"], "sales")
        assert.include(String(e.headers["content-type"]), "application/json")
      }
      const [resource] = resourcesOf(exports, "/collector/traces")
      assert.strictEqual(resource?.["service.name"], "wa-otel-env")
      assert.strictEqual(resource?.["deployment.environment.name"], "staging")
      assert.strictEqual(resource?.["service.namespace"], "wa")

      const metrics = metricsOf(exports, "/collector/metrics")
      const metric = (name: string) => {
        const found = metrics.find((m) => m.name === name)
        assert.isDefined(found, `${name} not among ${metrics.map((m) => m.name).join(", ")}`)
        return found ?? { name, unit: "", kind: "other", points: [] }
      }
      const duration = metric("gen_ai.client.operation.duration")
      assert.strictEqual(duration.kind, "histogram")
      assert.strictEqual(duration.unit, "s")
      assert.isTrue(duration.points.some((p) => p["gen_ai.operation.name"] === "chat" && p["gen_ai.request.model"] === "test-model"))
      const tokens = metric("gen_ai.client.token.usage")
      assert.strictEqual(tokens.kind, "histogram")
      assert.strictEqual(tokens.unit, "{token}")
      assert.sameMembers(tokens.points.filter((p) => p["gen_ai.request.model"] === "test-model").map((p) => p["gen_ai.token.type"]), ["input", "output"])
      const http = metric("http.server.request.duration")
      assert.strictEqual(http.unit, "s")
      assert.isTrue(http.points.some((p) => p["http.route"] === "/health" && p["http.request.method"] === "GET" && p["http.response.status_code"] === "200"))
    }))

  it.live("OTEL_EXPORTER_OTLP_ENDPOINT alone exports every signal as OTLP/HTTP protobuf (the spec's default protocol and exporter)", () =>
    Effect.gen(function*() {
      const exports = yield* exportsOf((url) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: url }))
      assert.includeMembers(paths(exports), ["/v1/metrics", "/v1/traces"])
      for (const e of exports) {
        assert.strictEqual(e.headers["content-type"], "application/x-protobuf")
        assert.isAbove(e.raw.length, 0)
      }
    }))

  it.live("OTEL_SDK_DISABLED=true exports nothing", () =>
    Effect.gen(function*() {
      const exports = yield* exportsOf((url) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_SDK_DISABLED: "true" }))
      assert.deepStrictEqual(exports, [])
    }))

  it.live("OTEL_TRACES_SAMPLER=always_off exports no spans, metrics still", () =>
    Effect.gen(function*() {
      const exports = yield* exportsOf((url) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json", OTEL_TRACES_SAMPLER: "always_off" }))
      assert.deepStrictEqual(paths(exports), ["/v1/metrics"])
    }))

  it("samplers: parent-based ones follow the parent; ratio 0 and 1 are never and always; a trace's coin is the same everywhere", () => {
    const parent = (sampled: boolean, traceId = "4bf92f3577b34da6a3ce929d0e0e4736") =>
      Option.some(Tracer.externalSpan({ traceId, spanId: "00f067aa0ba902b7", sampled }))
    const root = Option.none<Tracer.AnySpan>()
    assert.isTrue(shouldSample({ kind: "parentbased_always_on", ratio: 1 }, { parent: root }))
    assert.isFalse(shouldSample({ kind: "parentbased_always_on", ratio: 1 }, { parent: parent(false) }))
    assert.isTrue(shouldSample({ kind: "parentbased_always_off", ratio: 1 }, { parent: parent(true) }))
    assert.isFalse(shouldSample({ kind: "parentbased_always_off", ratio: 1 }, { parent: root }))
    assert.isTrue(shouldSample({ kind: "parentbased_traceidratio", ratio: 0 }, { parent: parent(true) }))
    assert.isFalse(shouldSample({ kind: "parentbased_traceidratio", ratio: 0 }, { parent: root }))
    assert.isTrue(shouldSample({ kind: "traceidratio", ratio: 1 }, { parent: root }))
    assert.isFalse(shouldSample({ kind: "always_off", ratio: 1 }, { parent: parent(true) }))
    // the low 56 bits of this trace id are ~0.81 of the range: in at 0.9, out at 0.5, every time
    const id = "0000000000000000" + "00cf" + "ffffffffffff"
    for (let i = 0; i < 20; i++) {
      assert.isTrue(shouldSample({ kind: "traceidratio", ratio: 0.9 }, { parent: parent(true, id) }))
      assert.isFalse(shouldSample({ kind: "traceidratio", ratio: 0.5 }, { parent: parent(true, id) }))
    }
    let sampled = 0
    for (let i = 0; i < 2000; i++) if (shouldSample({ kind: "traceidratio", ratio: 0.25 }, { parent: root })) sampled++
    assert.approximately(sampled / 2000, 0.25, 0.05)
  })
})
