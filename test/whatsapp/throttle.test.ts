/** WebhookThrottle on the test clock: per address and route, address-wide at ten times that, windows end. */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { TestClock } from "effect/testing"
import { ADDRESS_FACTOR, WebhookThrottle } from "../../src/whatsapp/WebhookThrottle.ts"
import { configFor } from "../support/app.ts"

const throttleWith = (env: Record<string, string>) =>
  WebhookThrottle.layer.pipe(Layer.provide(configFor({ APP_ENV: "test", JWT_SECRET: "x".repeat(32), SECRETS_KEY: "y".repeat(32), ...env })))

const failTimes = (n: number, address: string, route: string) =>
  Effect.flatMap(WebhookThrottle, (t) => Effect.forEach(Array.from({ length: n }), () => t.failed(address, route)))

describe("WebhookThrottle", () => {
  it.effect("N bad signatures block that address on that route until the window ends", () =>
    Effect.gen(function*() {
      const throttle = yield* WebhookThrottle
      const usedUp = yield* failTimes(3, "203.0.113.7", "-")
      assert.deepStrictEqual(usedUp, [false, false, true], "the third failure uses the allowance up")
      assert.deepStrictEqual(yield* throttle.blocked("203.0.113.7", "-"), Option.some(60))
      assert.isTrue(Option.isNone(yield* throttle.blocked("203.0.113.7", "channel-1")), "another route is not blocked")
      assert.isTrue(Option.isNone(yield* throttle.blocked("198.51.100.1", "-")), "another address is not blocked")
      yield* TestClock.adjust("59 seconds")
      assert.deepStrictEqual(yield* throttle.blocked("203.0.113.7", "-"), Option.some(1))
      yield* TestClock.adjust("1 second")
      assert.isTrue(Option.isNone(yield* throttle.blocked("203.0.113.7", "-")))
    }).pipe(Effect.provide(throttleWith({ WEBHOOK_BAD_SIGNATURE_LIMIT: "3" }))))

  it.effect("an address failing on many routes is blocked on every route at ten times the limit", () =>
    Effect.gen(function*() {
      const throttle = yield* WebhookThrottle
      // two failures on each of ten routes: no route reached 3, the address 20 of its 30
      yield* Effect.forEach(Array.from({ length: ADDRESS_FACTOR }, (_, i) => `channel-${i}`), (route) => failTimes(2, "203.0.113.9", route))
      assert.isTrue(Option.isNone(yield* throttle.blocked("203.0.113.9", "fresh-route")))
      yield* failTimes(ADDRESS_FACTOR, "203.0.113.9", "channel-x")
      assert.isTrue(Option.isSome(yield* throttle.blocked("203.0.113.9", "fresh-route")), "every route, once the address used up 10 × 3")
      assert.isTrue(Option.isNone(yield* throttle.blocked("198.51.100.2", "fresh-route")))
    }).pipe(Effect.provide(throttleWith({ WEBHOOK_BAD_SIGNATURE_LIMIT: "3" }))))

  it.effect("a limit of 0 turns it off", () =>
    Effect.gen(function*() {
      yield* failTimes(1000, "203.0.113.10", "-")
      assert.isTrue(Option.isNone(yield* (yield* WebhookThrottle).blocked("203.0.113.10", "-")))
    }).pipe(Effect.provide(throttleWith({ WEBHOOK_BAD_SIGNATURE_LIMIT: "0" }))))

  it.effect("a bad setting names its variable", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Layer.build(throttleWith({ WEBHOOK_BAD_SIGNATURE_WINDOW: "soon" })))
      assert.include(error.message, "WEBHOOK_BAD_SIGNATURE_WINDOW")
    }).pipe(Effect.scoped))
})
