/**
 * One signed webhook through the whole path (intake → inbox → consumer → actor → HTL → Graph
 * API) with OTLP export to a receiver on 127.0.0.1: the trace's shape, and no personal data in it.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { HttpClient } from "effect/http"
import { engineApp, FakeLlmServer, PN, poll, say, SECRET, sentTo } from "../conversations/support.ts"
import { fauxqsQueue } from "../support/fauxqs.ts"
import { otlpReceiver } from "../support/otlpReceiver.ts"
import { type ExportedSpan, spansOf } from "../support/otlpSpans.ts"
import { change, deliver, entry, envelope, text } from "../support/webhooks.ts"

const WA_ID = "15557654321"
const LEAD_TEXT = "do you sell the zebra-orchid plan?"
const SECOND_TEXT = "and the quokka-lantern add-on?"
const URL_SECRET = "url-secret-8f3a1c"

const one = (spans: ReadonlyArray<ExportedSpan>, name: string) => {
  const found = spans.filter((s) => s.name === name)
  assert.isAbove(found.length, 0, `no ${name} span among ${[...new Set(spans.map((s) => s.name))].join(", ")}`)
  return found
}

/** Runs the app with OTLP export to a local receiver while `waId` writes; returns the export once the app's scope closed (flushed). */
const traced = (env: Record<string, string>, waId: string, texts: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const receiver = yield* otlpReceiver
    yield* Effect.scoped(Effect.gen(function*() {
      const context = yield* Layer.build(engineApp({ ...env, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json", OTEL_SERVICE_NAME: "wa-trace-test" }))
      yield* Effect.gen(function*() {
        // tokens in query strings are redacted on the request spans
        yield* HttpClient.get(`/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=${URL_SECRET}&hub.challenge=42`)
        yield* HttpClient.get(`/rpc?access_token=${URL_SECRET}`)
        // one forged delivery first: refused, counted as bad_signature, never in the inbox
        assert.strictEqual((yield* deliver("not-the-app-secret", envelope(entry("waba", change({ phoneNumberId: PN, messages: [text(waId, "forged")] }))))).status, 401)
        yield* say(waId, ...texts)
        yield* poll(sentTo(waId), (sent) => sent.length > 0, "15 seconds")
        // the summary runs after the send: wait until it asked the model
        yield* poll(Effect.map(FakeLlmServer, (llm) => llm.stepRequests("summarize").length), (n) => n > 0)
      }).pipe(Effect.provideContext(context))
    }))
    return { spans: spansOf(receiver.exports), exports: receiver.exports }
  })

/** Each accepted delivery: intake → consumer → stored, one trace, parent and child. */
const deliveries = (spans: ReadonlyArray<ExportedSpan>, system: string) =>
  one(spans, "Webhook.receive").filter((intake) => intake.attributes["wa.webhook.outcome"] === "accepted").map((intake) => {
    assert.strictEqual(intake.attributes["messaging.system"], system)
    const consumer = spans.find((s) => s.name === "InboxConsumer.handle" && s.traceId === intake.traceId)
    assert.isDefined(consumer, "the consumer's span is in the delivery's trace")
    assert.strictEqual(consumer?.parentSpanId, intake.spanId)
    assert.strictEqual(consumer?.attributes["messaging.operation.type"], "process")
    assert.strictEqual(consumer?.attributes["messaging.system"], system)
    const stored = spans.find((s) => s.name === "Ingest.message" && s.traceId === intake.traceId)
    assert.isDefined(stored)
    return { traceId: stored?.traceId ?? "", spanId: stored?.spanId ?? "" }
  })

describe("tracing, end to end", () => {
  it.live("a burst's webhooks each start a trace through the consumer; the turn links to both; step spans carry tokens; no personal data", () =>
    Effect.gen(function*() {
      const { spans, exports } = yield* traced({}, WA_ID, [LEAD_TEXT, SECOND_TEXT])

      // two deliveries, two traces: intake → consumer → stored
      const stored = deliveries(spans, "postgresql")
      assert.lengthOf(stored, 2)
      assert.notStrictEqual(stored[0]?.traceId, stored[1]?.traceId)

      // one turn for the burst: its own trace, linked to the span that stored each message
      const turns = one(spans, "Engine.leadTurn")
      assert.lengthOf(turns, 1)
      const turn = turns[0]
      assert.notInclude(stored.map((s) => s.traceId), turn?.traceId)
      for (const link of stored) assert.deepInclude(turn?.links ?? [], link)

      // the turn's tree: HTL steps with gen_ai attributes, guardrails, send, summarize
      const inTurn = spans.filter((s) => s.traceId === turn?.traceId)
      const names = new Set(inTurn.map((s) => s.name))
      for (const name of ["Engine.context", "Htl.analyze", "Htl.decide", "Htl.generate", "Htl.guardrails", "Engine.deliver", "WhatsApp.send", "Htl.summarize"]) {
        assert.isTrue(names.has(name), `${name} in the turn's trace: ${[...names].join(", ")}`)
      }
      for (const step of inTurn.filter((s) => ["Htl.analyze", "Htl.decide", "Htl.generate", "Htl.summarize"].includes(s.name))) {
        assert.isAbove(Number(step.attributes["gen_ai.usage.input_tokens"]), 0)
        assert.isAbove(Number(step.attributes["gen_ai.usage.output_tokens"]), 0)
        assert.isString(step.attributes["gen_ai.request.model"])
        assert.isString(step.attributes["htl.outcome"])
      }
      const send = inTurn.find((s) => s.name === "WhatsApp.send")
      assert.strictEqual(send?.attributes["http.response.status_code"], 200)

      // the operator's metrics went out through the same endpoint
      const metrics = JSON.stringify(exports.filter((e) => e.path === "/v1/metrics"))
      for (const name of ["wa.webhook.deliveries", "wa.inbox.depth", "wa.inbox.oldest_age_ms", "wa.turn.latency_ms", "gen_ai.client.token.usage", "wa.turn.decisions"]) {
        assert.include(metrics, name)
      }
      assert.include(metrics, "bad_signature")
      assert.isTrue(spans.some((s) => s.name === "Webhook.receive" && s.attributes["wa.webhook.outcome"] === "bad_signature"))
      assert.include(metrics, "accepted")

      // nothing personal or secret anywhere in the export
      const text = JSON.stringify(exports)
      assert.notInclude(text, WA_ID)
      assert.notInclude(text, "zebra-orchid")
      assert.notInclude(text, "quokka-lantern")
      assert.notInclude(text, SECRET)
      assert.notInclude(text, "graph-token")
      assert.notInclude(text, "sk-fake")
      assert.notInclude(text, URL_SECRET)
      assert.include(text, "/rpc") // the request spans are there, only the tokens are not
    }), { timeout: 60_000 })

  it.live("with the SQS inbox the traceparent travels as a message attribute", () =>
    Effect.gen(function*() {
      const { server, queueUrl } = yield* fauxqsQueue("traced-inbox", 5)
      const { spans, exports } = yield* traced({
        SQS_QUEUE_URL: `${server.address}${new URL(queueUrl.replace(/^http:\/\/[^/]+/, "http://x")).pathname}`,
        AWS_ENDPOINT_URL: server.address,
        AWS_ACCESS_KEY_ID: "test",
        AWS_SECRET_ACCESS_KEY: "test"
      }, "15557650000", ["do you have a CRM for my team?"])
      const stored = deliveries(spans, "aws_sqs")
      assert.lengthOf(stored, 1)
      const turn = one(spans, "Engine.leadTurn")[0]
      assert.deepInclude(turn?.links ?? [], stored[0])
      assert.notInclude(JSON.stringify(exports), "15557650000")
    }), { timeout: 60_000 })
})
