/**
 * One signed webhook through the whole path (intake → inbox → consumer → actor → HTL → Graph
 * API) with OTLP export to a receiver on 127.0.0.1: the trace's shape, and no personal data in it.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { FakeLlmServer } from "../conversations/support.ts"
import { engineApp, poll, say, SECRET, sentTo } from "../conversations/support.ts"
import { otlpReceiver } from "../support/otlpReceiver.ts"
import { type ExportedSpan, spansOf } from "../support/otlpSpans.ts"

const WA_ID = "15557654321"
const LEAD_TEXT = "do you sell the zebra-orchid plan?"

const one = (spans: ReadonlyArray<ExportedSpan>, name: string) => {
  const found = spans.filter((s) => s.name === name)
  assert.isAbove(found.length, 0, `no ${name} span among ${[...new Set(spans.map((s) => s.name))].join(", ")}`)
  return found
}

describe("tracing, end to end", () => {
  it.live("a webhook's trace reaches the consumer; the turn links to it; step spans carry tokens; no personal data", () =>
    Effect.gen(function*() {
      const receiver = yield* otlpReceiver
      let llmUrl = ""
      yield* Effect.scoped(Effect.gen(function*() {
        const context = yield* Layer.build(engineApp({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: "wa-trace-test" }))
        yield* Effect.gen(function*() {
          llmUrl = (yield* FakeLlmServer).url
          yield* say(WA_ID, LEAD_TEXT)
          yield* poll(sentTo(WA_ID), (sent) => sent.length > 0, "15 seconds")
          // the summary runs after the send: wait until it asked the model
          yield* poll(Effect.map(FakeLlmServer, (llm) => llm.stepRequests("summarize").length), (n) => n > 0)
        }).pipe(Effect.provideContext(context))
      }))
      assert.notStrictEqual(llmUrl, "")
      const spans = spansOf(receiver.exports)

      // intake → consumer: one trace, parent and child
      const intake = one(spans, "Webhook.receive")[0]
      const consumer = one(spans, "InboxConsumer.handle").find((s) => s.traceId === intake?.traceId)
      assert.isDefined(consumer, "the consumer's span is in the delivery's trace")
      assert.strictEqual(consumer?.parentSpanId, intake?.spanId)
      assert.strictEqual(consumer?.attributes["messaging.operation.type"], "process")
      assert.strictEqual(consumer?.attributes["messaging.system"], "postgresql")
      const stored = one(spans, "Ingest.message").find((s) => s.traceId === intake?.traceId)
      assert.isDefined(stored)

      // the turn: its own trace, linked to the span that stored the lead's message
      const turn = one(spans, "Engine.leadTurn")[0]
      assert.notStrictEqual(turn?.traceId, intake?.traceId)
      assert.deepInclude(turn?.links ?? [], { traceId: stored?.traceId ?? "", spanId: stored?.spanId ?? "" })

      // the turn's tree: HTL steps with gen_ai attributes, guardrails, send, summarize
      const inTurn = spans.filter((s) => s.traceId === turn?.traceId)
      const names = new Set(inTurn.map((s) => s.name))
      for (const name of ["Engine.context", "Htl.analyze", "Htl.decide", "Htl.generate", "Htl.guardrails", "Engine.deliver", "WhatsApp.send", "Htl.summarize"]) {
        assert.isTrue(names.has(name), `${name} in the turn's trace: ${[...names].join(", ")}`)
      }
      for (const step of inTurn.filter((s) => s.name === "Htl.analyze" || s.name === "Htl.generate")) {
        assert.isAbove(Number(step.attributes["gen_ai.usage.input_tokens"]), 0)
        assert.isAbove(Number(step.attributes["gen_ai.usage.output_tokens"]), 0)
        assert.isString(step.attributes["gen_ai.request.model"])
        assert.isString(step.attributes["htl.outcome"])
      }
      const send = inTurn.find((s) => s.name === "WhatsApp.send")
      assert.strictEqual(send?.attributes["http.response.status_code"], 200)

      // the operator's metrics went out through the same endpoint
      const metrics = JSON.stringify(receiver.exports.filter((e) => e.path === "/v1/metrics"))
      for (const name of ["wa.webhook.deliveries", "wa.inbox.depth", "wa.inbox.oldest_age_ms", "wa.turn.latency_ms", "gen_ai.client.token.usage", "wa.turn.decisions"]) {
        assert.include(metrics, name)
      }

      // nothing personal or secret anywhere in the export
      const text = JSON.stringify(receiver.exports)
      assert.notInclude(text, WA_ID)
      assert.notInclude(text, "zebra-orchid")
      assert.notInclude(text, SECRET)
      assert.notInclude(text, "graph-token")
      assert.notInclude(text, "sk-fake")
    }), { timeout: 60_000 })
})
