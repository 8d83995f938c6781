/** The Inbox contract: every adapter must pass these (run against Postgres and SQS). */
import { assert, type Vitest } from "@effect/vitest"
import { Deferred, Duration, Effect, Fiber, Option } from "effect"
import { Inbox, type InboxOptions } from "../../src/inbox/Inbox.ts"

/** Small timings so the suite runs in seconds on real time. */
export const contractOptions: InboxOptions = {
  visibilityTimeout: Duration.seconds(1),
  maxAttempts: 3,
  retryDelay: Duration.zero
}

const bytes = (s: string) => new TextEncoder().encode(s)
const text = (b: Uint8Array) => new TextDecoder().decode(b)
const delivery = (tag: string) => ({ body: bytes(`{"object":"whatsapp_business_account","tag":"${tag}","ü":"\\u00fc"}`), signedBy: "fp-1" })

/** Nothing is offered within `ms`. */
const nothingWithin = (ms: number) =>
  Effect.flatMap(Inbox, (inbox) => inbox.take(10).pipe(Effect.timeoutOption(Duration.millis(ms)))).pipe(
    Effect.map(Option.isNone)
  )

/** Registers the contract tests inside an `it.layer(...)` block providing `Inbox`. */
export const inboxContract = (test: Vitest.MethodsNonLive<Inbox>) => {
  test.effect("a put delivery is taken with its exact bytes, once, and gone after complete", () =>
    Effect.gen(function*() {
      const inbox = yield* Inbox
      const d = delivery("a")
      yield* inbox.put(d)
      const [item, ...rest] = yield* inbox.take(10)
      assert.isDefined(item)
      assert.lengthOf(rest, 0)
      if (item === undefined) return
      assert.deepStrictEqual(Array.from(item.body), Array.from(d.body))
      assert.strictEqual(item.signedBy, "fp-1")
      assert.strictEqual(item.attempts, 1)
      yield* inbox.complete(item)
      assert.isTrue(yield* nothingWithin(1_500))
    }))

  test.effect("a delivery's traceparent travels with it; stats count it as waiting", () =>
    Effect.gen(function*() {
      const inbox = yield* Inbox
      const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
      yield* inbox.put({ ...delivery("traced"), traceparent })
      // SQS's ApproximateNumberOfMessages may lag (fauxqs reports 0): only Postgres's count is exact
      assert.isAtLeast((yield* inbox.stats).depth, inbox.kind === "postgres" ? 1 : 0)
      const items = yield* inbox.take(10)
      assert.strictEqual(items[0]?.traceparent, traceparent)
      yield* Effect.forEach(items, inbox.complete)
    }))

  test.effect("a waiting consumer wakes up on a put", () =>
    Effect.gen(function*() {
      const inbox = yield* Inbox
      const waiting = yield* Effect.forkChild(inbox.take(10))
      yield* Effect.sleep("200 millis")
      yield* inbox.put(delivery("wake"))
      const items = yield* Fiber.join(waiting).pipe(Effect.timeout("5 seconds"))
      assert.include(text(items[0]?.body ?? new Uint8Array()), "wake")
      yield* Effect.forEach(items, inbox.complete)
    }))

  test.effect("an item whose consumer died is offered again after the visibility timeout, attempts counted", () =>
    Effect.gen(function*() {
      const inbox = yield* Inbox
      yield* inbox.put(delivery("dies"))
      const first = yield* inbox.take(10)
      assert.strictEqual(first[0]?.attempts, 1)
      // no complete: the consumer "died"
      const again = yield* inbox.take(10).pipe(Effect.timeout("6 seconds"))
      assert.strictEqual(again[0]?.id, first[0]?.id)
      assert.strictEqual(again[0]?.attempts, 2)
      yield* Effect.forEach(again, inbox.complete)
    }))

  test.effect("an item failing maxAttempts times is parked, listed and never offered again", () =>
    Effect.gen(function*() {
      const inbox = yield* Inbox
      yield* inbox.put(delivery("poison"))
      const outcomes: Array<string> = []
      for (let i = 0; i < contractOptions.maxAttempts; i++) {
        const [item] = yield* inbox.take(10).pipe(Effect.timeout("6 seconds"))
        if (item === undefined) break
        assert.strictEqual(item.attempts, i + 1)
        outcomes.push(yield* inbox.retry(item, `boom ${i + 1}`))
      }
      assert.deepStrictEqual(outcomes, ["retrying", "retrying", "parked"])
      assert.isTrue(yield* nothingWithin(1_500))
      const parked = yield* inbox.parked(10)
      const found = parked.find((p) => text(p.body).includes("poison"))
      assert.isDefined(found)
      assert.include(found?.reason ?? "", "boom 3")
    }))

  test.effect("an undecodable item is parked with its reason at once", () =>
    Effect.gen(function*() {
      const inbox = yield* Inbox
      yield* inbox.put(delivery("garbage"))
      const [item] = yield* inbox.take(10)
      if (item === undefined) return assert.fail("nothing taken")
      yield* inbox.park(item, "not a webhook envelope")
      assert.isTrue(yield* nothingWithin(1_200))
      const parked = yield* inbox.parked(10)
      assert.strictEqual(parked.find((p) => text(p.body).includes("garbage"))?.reason, "not a webhook envelope")
    }))

  test.effect("concurrent consumers never share an item", () =>
    Effect.gen(function*() {
      const inbox = yield* Inbox
      yield* Effect.forEach(Array.from({ length: 12 }, (_, i) => delivery(`c${i}`)), inbox.put, { concurrency: 12 })
      const seen: Array<string> = []
      const all = yield* Deferred.make<void>()
      const consumer = Effect.forever(Effect.gen(function*() {
        for (const item of yield* inbox.take(3)) {
          seen.push(text(item.body))
          yield* inbox.complete(item)
          if (seen.length >= 12) yield* Deferred.succeed(all, undefined)
        }
      }))
      const fibers = yield* Effect.forEach([1, 2, 3], () => Effect.forkChild(consumer))
      yield* Deferred.await(all).pipe(Effect.timeout("10 seconds"))
      yield* Fiber.interruptAll(fibers)
      assert.strictEqual(new Set(seen).size, seen.length)
      assert.strictEqual(seen.length, 12)
    }))
}
