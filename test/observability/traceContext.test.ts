import { assert, describe, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { currentTraceparent, formatTraceparent, parseTraceparent, publisherOf, tagWithCurrentSpan } from "../../src/observability/traceContext.ts"

describe("trace context", () => {
  it.effect("the current span round-trips through a traceparent", () =>
    Effect.gen(function*() {
      const span = yield* Effect.currentSpan
      const traceparent = yield* currentTraceparent
      assert.strictEqual(Option.getOrUndefined(traceparent), formatTraceparent(span))
      const parsed = parseTraceparent(Option.getOrUndefined(traceparent))
      assert.isTrue(Option.isSome(parsed))
      if (Option.isNone(parsed)) return
      assert.strictEqual(parsed.value.spanId, span.spanId)
      assert.strictEqual(parsed.value.traceId, span.traceId.padStart(32, "0"))
    }).pipe(Effect.withSpan("outer")))

  it.effect("without a span there is no traceparent; malformed input is ignored", () =>
    Effect.gen(function*() {
      assert.isTrue(Option.isNone(yield* currentTraceparent))
      assert.isTrue(Option.isNone(parseTraceparent(undefined)))
      assert.isTrue(Option.isNone(parseTraceparent("00-not-a-trace-01")))
      assert.isTrue(Option.isNone(parseTraceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01")))
    }))

  it.effect("an event remembers the span that published it", () =>
    Effect.gen(function*() {
      const event = { _tag: "Anything" }
      const span = yield* Effect.currentSpan
      assert.strictEqual(yield* tagWithCurrentSpan(event), event)
      assert.strictEqual(Option.getOrUndefined(publisherOf(event))?.spanId, span.spanId)
      assert.isTrue(Option.isNone(publisherOf({ _tag: "Untagged" })))
    }).pipe(Effect.withSpan("publisher")))
})
