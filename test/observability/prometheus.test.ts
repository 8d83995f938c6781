/**
 * Prometheus on METRICS_PORT: after one lead message went through the whole path (webhook →
 * inbox → turn → LLM → send), a scrape shows the inbox, turn, LLM, send and HTTP metrics, and
 * the process's own (memory, heap, event loop delay).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { HttpClient } from "effect/http"
import { AppConfig } from "../../src/config/AppConfig.ts"
import { freePort } from "../../src/db/embedded.ts"
import { ProcessMetricsLive } from "../../src/observability/processMetrics.ts"
import { PrometheusLive } from "../../src/observability/prometheus.ts"
import { engineApp, poll, say, sentTo } from "../conversations/support.ts"

const App = Layer.unwrap(Effect.map(freePort, (port) => Layer.merge(PrometheusLive, ProcessMetricsLive).pipe(Layer.provideMerge(engineApp({ METRICS_PORT: String(port) })))))

const scrape = (path: string) =>
  Effect.gen(function*() {
    const port = Option.getOrThrow((yield* AppConfig).metricsPort)
    return yield* Effect.promise(() =>
      fetch(`http://127.0.0.1:${port}${path}`).then(async (r) => ({ status: r.status, type: r.headers.get("content-type"), text: await r.text() }))
    )
  })

describe("Prometheus", () => {
  it.layer(App, { excludeTestServices: true, timeout: "60 seconds" })((it) => {
    it.effect("GET /metrics on METRICS_PORT: inbox depth and age, turn, LLM, send and HTTP metrics, in the exposition format", () =>
      Effect.gen(function*() {
        yield* say("15550009911", "hello, how much is the premium plan?")
        yield* poll(sentTo("15550009911"), (sent) => sent.length > 0, "20 seconds")
        // the turn's latency is recorded once the Graph API has answered the send: a moment after the fake saw it
        const { status, type, text } = yield* poll(scrape("/metrics"), (r) => r.text.includes("# TYPE wa_turn_latency_ms histogram"), "20 seconds")
        assert.strictEqual(status, 200)
        assert.strictEqual(type, "text/plain; version=0.0.4; charset=utf-8")
        for (
          const line of [
            "# TYPE wa_inbox_depth gauge",
            "# TYPE wa_inbox_oldest_age_ms gauge",
            "# TYPE wa_turn_latency_ms histogram",
            "# TYPE gen_ai_client_operation_duration_seconds histogram",
            "# TYPE gen_ai_client_token_usage histogram",
            "# TYPE wa_send_duration_seconds histogram",
            "# TYPE http_server_request_duration_seconds histogram",
            "# TYPE wa_webhook_deliveries_total counter",
            "# TYPE wa_turn_decisions_total counter"
          ]
        ) assert.include(text, line)
        assert.match(text, /^gen_ai_client_operation_duration_seconds_count\{gen_ai_operation_name="chat",gen_ai_request_model="[^"]+",htl_step="analyze",htl_outcome="ok"\} [1-9]/m)
        assert.match(text, /^gen_ai_client_token_usage_sum\{[^}]*gen_ai_token_type="input"\} [1-9]/m)
        assert.match(text, /^wa_send_duration_seconds_count\{outcome="sent",type="text"\} [1-9]/m)
        assert.match(text, /^http_server_request_duration_seconds_count\{http_request_method="POST",http_route="\/webhooks\/whatsapp",http_response_status_code="200"\} [1-9]/m)
        assert.match(text, /^wa_webhook_deliveries_total\{outcome="accepted"\} [1-9]/m)
        assert.match(text, /^wa_inbox_depth \d+$/m)
        assert.match(text, /^process_memory_usage_bytes(?:\{[^}]*\})? [1-9]\d{6,}$/m)
        assert.match(text, /^v8js_memory_heap_used_bytes(?:\{[^}]*\})? [1-9]\d{6,}$/m)
        assert.match(text, /^nodejs_eventloop_delay_p99_seconds(?:\{[^}]*\})? [\d.e-]+$/m)
        assert.match(text, /^nodejs_eventloop_delay_max_seconds(?:\{[^}]*\})? [\d.e-]+$/m)
        // the operator's port only: the public one has no /metrics
        assert.strictEqual((yield* HttpClient.get("/metrics")).status, 404)
        assert.strictEqual((yield* scrape("/health/live")).status, 200)
      }))
  })
})
