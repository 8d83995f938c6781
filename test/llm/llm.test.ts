/** The Llm client through the real `openai` SDK against the fake server. */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Option, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { analyzeFormat, summarizeFormat } from "../../src/htl/steps/schemas.ts"
import { makeLlm } from "../../src/llm/Llm.ts"
import { analysis, summary } from "../support/htlFixtures.ts"
import { fakeSettings, startFakeLlm } from "../support/fakeLlm.ts"

const ask = { format: summarizeFormat, system: "Task: summarize. Reply with JSON.", user: "Lead: hi" }
const fast = { retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 10_000 } }
const realSleep = (ms: number) => Effect.promise(() => new Promise<void>((r) => setTimeout(r, ms)))
/** Polls `condition` in real time (works under TestClock too); fails after `timeoutMs`. */
const eventually = (condition: () => boolean, timeoutMs = 3_000) =>
  Effect.promise(async () => {
    const until = Date.now() + timeoutMs
    while (!condition() && Date.now() < until) await new Promise((r) => setTimeout(r, 5))
    return condition()
  }).pipe(Effect.map((ok) => assert.isTrue(ok, "condition not met in time")))

describe("Llm", () => {
  it.live("decodes a valid answer and reports tokens, latency, model and attempts", () =>
    Effect.gen(function*() {
      const fake = yield* startFakeLlm({ summarize: () => ({ kind: "json", body: summary("all good"), delayMs: 30 }) })
      const llm = yield* makeLlm(fakeSettings(fake))
      const r = yield* llm.complete(ask)
      assert.strictEqual(r.value.updated_rolling_summary, "all good")
      assert.strictEqual(r.attempts, 1)
      assert.isFalse(r.repaired)
      assert.strictEqual(r.model, "fake-model")
      assert.isAtLeast(r.latencyMs, 30)
      const sent = fake.requests[0]
      assert.strictEqual(sent?.responseFormat, "json_schema")
      assert.strictEqual(r.usage.promptTokens, Math.ceil((ask.system.length + ask.user.length) / 4))
      assert.strictEqual(r.usage.completionTokens, Math.ceil(JSON.stringify(summary("all good")).length / 4))
    }).pipe(Effect.scoped))

  it.live("maps enum drift to allowed values and notes it", () =>
    Effect.gen(function*() {
      const fake = yield* startFakeLlm({
        analyze: () => ({ kind: "json", body: analysis({ sentiment: "Curious", intent: "Very High", spam: "none" }) })
      })
      const llm = yield* makeLlm(fakeSettings(fake))
      const r = yield* llm.complete({ format: analyzeFormat, system: "Task: analyze", user: "x" })
      assert.strictEqual(r.value.user_sentiment, "positive")
      assert.strictEqual(r.value.intent_level, "very_high")
      assert.strictEqual(r.value.risk_flags.spam_risk, "low")
      assert.strictEqual(r.normalized.length, 3)
      assert.isFalse(r.repaired)
    }).pipe(Effect.scoped))

  it.live("an unknown enum value gets one repair request naming the problem", () =>
    Effect.gen(function*() {
      const fake = yield* startFakeLlm()
      fake.script("analyze", { kind: "json", body: analysis({ stage: "wandering" }) }, { kind: "json", body: analysis() })
      const llm = yield* makeLlm(fakeSettings(fake))
      const r = yield* llm.complete({ format: analyzeFormat, system: "Task: analyze", user: "x" })
      assert.isTrue(r.repaired)
      assert.strictEqual(r.attempts, 2)
      assert.strictEqual(r.value.stage_recommendation, "pricing")
      const repair = fake.requests[1]
      assert.include(repair?.messages.at(-1)?.content ?? "", "invalid")
      assert.include(repair?.messages.at(-1)?.content ?? "", "stage_recommendation")
      assert.strictEqual(repair?.messages.at(-2)?.role, "assistant")
    }).pipe(Effect.scoped))

  it.live("invalid JSON twice fails with LlmBadOutput and the tokens spent", () =>
    Effect.gen(function*() {
      const fake = yield* startFakeLlm({ summarize: () => ({ kind: "raw", content: "Sure! Here is the summary: {oops" }) })
      const llm = yield* makeLlm(fakeSettings(fake))
      const e = yield* Effect.flip(llm.complete(ask))
      assert.strictEqual(e._tag, "LlmBadOutput")
      assert.strictEqual(fake.requests.length, 2)
      if (e._tag === "LlmBadOutput") {
        assert.isAbove(e.promptTokens, 0)
        assert.isAbove(e.completionTokens, 0)
      }
    }).pipe(Effect.scoped))

  it.live("retries a 500 and a dropped connection, then succeeds", () =>
    Effect.gen(function*() {
      const fake = yield* startFakeLlm({ summarize: () => ({ kind: "json", body: summary() }) })
      fake.script("summarize", { kind: "status", status: 500 }, { kind: "reset" })
      const llm = yield* makeLlm(fakeSettings(fake, fast))
      const r = yield* llm.complete(ask)
      assert.strictEqual(r.attempts, 3)
      assert.strictEqual(fake.requests.length, 3)
    }).pipe(Effect.scoped))

  it.live("gives up after the bounded retries with LlmUnavailable", () =>
    Effect.gen(function*() {
      const fake = yield* startFakeLlm({ summarize: () => ({ kind: "status", status: 503 }) })
      const llm = yield* makeLlm(fakeSettings(fake, fast))
      const e = yield* Effect.flip(llm.complete(ask))
      assert.deepInclude(e, { _tag: "LlmUnavailable", status: 503, attempts: 3 })
    }).pipe(Effect.scoped))

  it.live("does not retry a 4xx other than 429", () =>
    Effect.gen(function*() {
      const fake = yield* startFakeLlm({ summarize: () => ({ kind: "status", status: 401, message: "bad key" }) })
      const llm = yield* makeLlm(fakeSettings(fake, fast))
      const e = yield* Effect.flip(llm.complete(ask))
      assert.deepInclude(e, { _tag: "LlmUnavailable", status: 401, attempts: 1 })
      assert.strictEqual(fake.requests.length, 1)
    }).pipe(Effect.scoped))

  it.live("network failure (nothing listening) is LlmUnavailable after retries", () =>
    Effect.gen(function*() {
      const llm = yield* makeLlm({
        apiKey: Option.some(Redacted.make("sk")),
        baseUrl: "http://127.0.0.1:9",
        model: "m",
        maxTokens: 100,
        temperature: 0,
        timeout: Duration.seconds(2),
        ...fast
      })
      const e = yield* Effect.flip(llm.complete(ask))
      assert.deepInclude(e, { _tag: "LlmUnavailable", status: null, attempts: 3 })
    }))

  it.effect("honours Retry-After on 429 before the next attempt", () =>
    Effect.gen(function*() {
      const fake = yield* startFakeLlm({ summarize: () => ({ kind: "json", body: summary() }) })
      fake.script("summarize", { kind: "status", status: 429, retryAfter: "2" })
      const llm = yield* makeLlm(fakeSettings(fake))
      const fiber = yield* Effect.forkChild(llm.complete(ask))
      yield* Effect.promise(() => fake.waitForRequests(1))
      // move virtual time in 50 ms steps until the retry is sent: it must not go out before 2 s
      let virtual = 0
      while (fake.requests.length < 2 && virtual < 5_000) {
        yield* realSleep(5)
        yield* TestClock.adjust("50 millis")
        virtual += 50
      }
      const r = yield* Fiber.join(fiber)
      assert.strictEqual(r.attempts, 2)
      assert.isAtLeast(virtual, 2_000)
      assert.isAtLeast(r.latencyMs, 2_000) // the wait is part of the call's latency
    }).pipe(Effect.scoped))

  it.live("a Retry-After beyond the cap fails fast as LlmRateLimited", () =>
    Effect.gen(function*() {
      const fake = yield* startFakeLlm({ summarize: () => ({ kind: "status", status: 429, retryAfter: "120" }) })
      const llm = yield* makeLlm(fakeSettings(fake))
      const e = yield* Effect.flip(llm.complete(ask))
      assert.deepInclude(e, { _tag: "LlmRateLimited", retryAfterMs: 120_000, attempts: 1 })
    }).pipe(Effect.scoped))

  it.live("repeated 429s end as LlmRateLimited", () =>
    Effect.gen(function*() {
      const fake = yield* startFakeLlm({ summarize: () => ({ kind: "status", status: 429 }) })
      const llm = yield* makeLlm(fakeSettings(fake, fast))
      const e = yield* Effect.flip(llm.complete(ask))
      assert.deepInclude(e, { _tag: "LlmRateLimited", retryAfterMs: null, attempts: 3 })
    }).pipe(Effect.scoped))

  it.live("a hung request is aborted at LLM_TIMEOUT, retried once, then LlmTimeout", () =>
    Effect.gen(function*() {
      const fake = yield* startFakeLlm({ summarize: () => ({ kind: "hang" }) })
      const llm = yield* makeLlm(fakeSettings(fake, { ...fast, timeout: Duration.millis(150) }))
      const e = yield* Effect.flip(llm.complete(ask))
      assert.deepInclude(e, { _tag: "LlmTimeout", timeoutMs: 150, attempts: 2 })
      yield* eventually(() => fake.aborted() === 2) // the sockets were closed, not left hanging
    }).pipe(Effect.scoped))

  it.effect("interrupting a call aborts the HTTP request", () =>
    Effect.gen(function*() {
      const fake = yield* startFakeLlm({ summarize: () => ({ kind: "hang" }) })
      const llm = yield* makeLlm(fakeSettings(fake))
      const fiber = yield* Effect.forkChild(llm.complete(ask))
      yield* Effect.promise(() => fake.waitForRequests(1))
      yield* Fiber.interrupt(fiber)
      yield* eventually(() => fake.aborted() === 1)
    }).pipe(Effect.scoped))

  it.effect("without an API key every call fails with LlmNotConfigured", () =>
    Effect.gen(function*() {
      const fake = yield* startFakeLlm()
      const llm = yield* makeLlm(fakeSettings(fake, { apiKey: Option.none() }))
      assert.isFalse(llm.configured)
      const e = yield* Effect.flip(llm.complete(ask))
      assert.strictEqual(e._tag, "LlmNotConfigured")
      assert.strictEqual(fake.requests.length, 0)
    }).pipe(Effect.scoped))

  it.live("falls back to json_object with a shape hint when the provider rejects json_schema", () =>
    Effect.gen(function*() {
      const fake = yield* startFakeLlm({
        summarize: (req) =>
          req.responseFormat === "json_schema"
            ? { kind: "status", status: 400, message: "response_format json_schema is not supported for this model" }
            : { kind: "json", body: summary() }
      })
      const llm = yield* makeLlm(fakeSettings(fake, fast))
      yield* llm.complete(ask)
      yield* llm.complete(ask)
      assert.deepStrictEqual(fake.requests.map((r) => r.responseFormat), ["json_schema", "json_object", "json_object"])
      assert.include(fake.requests[1]?.system ?? "", `"updated_rolling_summary":string`)
    }).pipe(Effect.scoped))

  it.live("json_object mode (LLM_RESPONSE_FORMAT) sends the shape in the prompt and still decodes with the Schema", () =>
    Effect.gen(function*() {
      const fake = yield* startFakeLlm({ analyze: () => ({ kind: "json", body: analysis({ sentiment: "annoyed" }) }) })
      const llm = yield* makeLlm(fakeSettings(fake, { responseFormat: "json_object" }))
      const r = yield* llm.complete({ format: analyzeFormat, system: "Task: analyze", user: "x" })
      assert.strictEqual(r.value.user_sentiment, "negative")
      assert.strictEqual(fake.requests[0]?.responseFormat, "json_object")
      assert.include(fake.requests[0]?.system ?? "", `"stage_recommendation":"greeting"|"qualification"|"pricing"|"cta"|"closed"`)
    }).pipe(Effect.scoped))
})
