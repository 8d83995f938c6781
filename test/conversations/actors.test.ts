import { assert, describe, it } from "@effect/vitest"
import { Clock, Duration, Effect, Ref } from "effect"
import { TestClock } from "effect/testing"
import { type Leases, soleOwner } from "../../src/records/leases.ts"
import { StoreError } from "../../src/records/StoreError.ts"
import { makeActorRegistry } from "../../src/conversations/registry.ts"
import { EngineLoad, makeEngineLoad } from "../../src/lifecycle/EngineLoad.ts"
import { ConversationId, type ConversationKey, MessageId, OrganizationId, ScheduledActionId } from "../../src/domain/ids.ts"

const key = (c: string): ConversationKey => ({
  organizationId: OrganizationId.make("org"),
  conversationId: ConversationId.make(c)
})
const lead = { _tag: "LeadMessage", messageId: MessageId.make("m") } as const
const timing = { quiet: Duration.seconds(5), maxWait: Duration.seconds(20), idleTtl: Duration.minutes(10) }

/** A registry whose turns record (conversation, kind, start time) and take `turnTime`. */
const setup = (options: { turnTime?: Duration.Input; concurrency?: number; failFirst?: boolean; leases?: Leases } = {}) =>
  Effect.gen(function*() {
    const log = yield* Ref.make<Array<string>>([])
    const interrupted = yield* Ref.make(0)
    const calls = yield* Ref.make(0)
    const record = (entry: string) =>
      Effect.gen(function*() {
        const n = yield* Ref.getAndUpdate(calls, (x) => x + 1)
        if (options.failFirst === true && n === 0) return yield* Effect.die("boom")
        const now = yield* Clock.currentTimeMillis
        yield* Ref.update(log, (xs) => [...xs, `${entry}@${Math.round(now / 1000)}`])
        yield* Effect.sleep(options.turnTime ?? 0).pipe(Effect.onInterrupt(() => Ref.update(interrupted, (x) => x + 1)))
      })
    const registry = yield* makeActorRegistry({
      handlers: {
        burst: (k) => record(`${k.conversationId}:burst`),
        followUp: (k, id) => record(`${k.conversationId}:followup:${id}`),
        humanWrote: (k) => record(`${k.conversationId}:human`)
      },
      timing,
      concurrency: options.concurrency ?? 8,
      leases: options.leases ?? soleOwner
    })
    return { registry, log: Ref.get(log), interrupted: Ref.get(interrupted) }
  })

describe("conversation actors", () => {
  it.effect("past the limit of turns waiting for a permit the inbox consumers pause, and go on as turns finish", () =>
    Effect.gen(function*() {
      const load = makeEngineLoad(3)
      const { registry, log } = yield* setup({ turnTime: "10 seconds", concurrency: 1 }).pipe(Effect.provideService(EngineLoad, load))
      for (const c of ["c1", "c2", "c3", "c4", "c5"]) yield* registry.tell(key(c), lead)
      yield* TestClock.adjust("5 seconds") // the bursts close: one turn runs, four wait
      assert.strictEqual(load.waiting(), 4)
      const admitted = yield* Ref.make(false)
      yield* Effect.forkChild(load.admit.pipe(Effect.andThen(Ref.set(admitted, true))))
      yield* TestClock.adjust("10 seconds") // one done: three wait, still the limit
      assert.strictEqual(load.waiting(), 3)
      assert.isFalse(yield* Ref.get(admitted))
      yield* TestClock.adjust("10 seconds") // two wait: a consumer may take more
      yield* Effect.yieldNow
      assert.strictEqual(load.waiting(), 2)
      assert.isTrue(yield* Ref.get(admitted))
      yield* TestClock.adjust("30 seconds")
      assert.strictEqual((yield* log).length, 5)
      assert.strictEqual(load.waiting(), 0)
    }))

  it.effect("a burst of 3 messages becomes one turn after 5 s of quiet", () =>
    Effect.gen(function*() {
      const { registry, log } = yield* setup()
      yield* registry.tell(key("c1"), lead)
      yield* TestClock.adjust("2 seconds")
      yield* registry.tell(key("c1"), lead)
      yield* TestClock.adjust("2 seconds")
      yield* registry.tell(key("c1"), lead)
      yield* TestClock.adjust("4 seconds")
      assert.deepStrictEqual(yield* log, [])
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(yield* log, ["c1:burst@9"])
    }))

  it.effect("a lead who never pauses still gets an answer after DEBOUNCE_MAX_WAIT", () =>
    Effect.gen(function*() {
      const { registry, log } = yield* setup()
      for (let i = 0; i < 8; i++) {
        yield* registry.tell(key("c1"), lead)
        yield* TestClock.adjust("4 seconds")
      }
      assert.deepStrictEqual(yield* log, ["c1:burst@20"])
    }))

  it.effect("a lead who asks for a person closes the open burst at once; the quiet window's timer then rings for nothing", () =>
    Effect.gen(function*() {
      const { registry, log } = yield* setup()
      yield* registry.tell(key("c1"), lead) // the burst would close at 5
      yield* TestClock.adjust("2 seconds")
      yield* registry.tell(key("c1"), { ...lead, urgent: true })
      yield* TestClock.adjust("0 seconds")
      assert.deepStrictEqual(yield* log, ["c1:burst@2"])
      yield* TestClock.adjust("10 seconds") // past the first message's quiet window: no second turn
      assert.deepStrictEqual(yield* log, ["c1:burst@2"])
    }))

  it.effect("a message during a running turn starts the next burst; nothing is lost", () =>
    Effect.gen(function*() {
      const { registry, log } = yield* setup({ turnTime: "10 seconds" })
      yield* registry.tell(key("c1"), lead)
      yield* TestClock.adjust("5 seconds") // turn starts at 5, runs until 15
      yield* TestClock.adjust("2 seconds")
      yield* registry.tell(key("c1"), lead) // at 7, during the turn
      yield* TestClock.adjust("10 seconds")
      assert.deepStrictEqual(yield* log, ["c1:burst@5", "c1:burst@15"])
    }))

  it.effect("a takeover interrupts the running turn", () =>
    Effect.gen(function*() {
      const { registry, log, interrupted } = yield* setup({ turnTime: "30 seconds" })
      yield* registry.tell(key("c1"), lead)
      yield* TestClock.adjust("6 seconds")
      yield* registry.tell(key("c1"), { _tag: "Takeover" })
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(yield* log, ["c1:burst@5"])
      assert.strictEqual(yield* interrupted, 1)
    }))

  it.effect("conversations run concurrently, within the global turn limit", () =>
    Effect.gen(function*() {
      const free = yield* setup({ turnTime: "10 seconds" })
      const limited = yield* setup({ turnTime: "10 seconds", concurrency: 1 })
      for (const { registry } of [free, limited]) {
        yield* registry.tell(key("a"), lead)
        yield* registry.tell(key("b"), lead)
      }
      yield* TestClock.adjust("30 seconds")
      assert.deepStrictEqual(yield* free.log, ["a:burst@5", "b:burst@5"])
      assert.deepStrictEqual(yield* limited.log, ["a:burst@5", "b:burst@15"])
    }))

  it.effect("a due follow-up waits for the open burst, then runs once", () =>
    Effect.gen(function*() {
      const { registry, log } = yield* setup()
      yield* registry.tell(key("c1"), { _tag: "FollowUpDue", scheduledActionId: ScheduledActionId.make("f1") })
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(yield* log, ["c1:followup:f1@0"])
    }))

  it.effect("a person's messages are summarized once, after the open burst's turn", () =>
    Effect.gen(function*() {
      const { registry, log } = yield* setup()
      yield* registry.tell(key("h1"), lead)
      for (let i = 0; i < 3; i++) yield* registry.tell(key("h1"), { _tag: "HumanMessageSent" })
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(yield* log, [], "the open burst goes first")
      yield* TestClock.adjust("5 seconds")
      assert.deepStrictEqual(yield* log, ["h1:burst@5", "h1:human@5"])
    }))

  it.effect("idle actors are passivated and come back on the next message", () =>
    Effect.gen(function*() {
      const { registry, log } = yield* setup()
      yield* registry.tell(key("c1"), lead)
      assert.strictEqual(yield* registry.active, 1)
      yield* TestClock.adjust("5 seconds")
      yield* TestClock.adjust("10 minutes")
      assert.strictEqual(yield* registry.active, 0)
      yield* registry.tell(key("c1"), lead)
      yield* TestClock.adjust("5 seconds")
      assert.deepStrictEqual(yield* log, ["c1:burst@5", "c1:burst@610"])
    }))

  it.effect("an idle actor keeps no loop: it counts as alive until its idle time has passed, and its next mail starts one", () =>
    Effect.gen(function*() {
      const { registry, log } = yield* setup({ turnTime: "2 seconds" })
      yield* registry.tell(key("c1"), lead)
      yield* TestClock.adjust("5 seconds") // the burst closes, its turn runs
      assert.strictEqual(yield* registry.busy, 1)
      yield* TestClock.adjust("2 seconds") // the turn is done: nothing left to do
      assert.strictEqual(yield* registry.busy, 0)
      assert.strictEqual(yield* registry.active, 1)
      yield* TestClock.adjust("9 minutes")
      yield* registry.tell(key("c1"), lead) // idle, not yet passivated: a new loop
      assert.strictEqual(yield* registry.busy, 1)
      assert.strictEqual(yield* registry.active, 1)
      yield* TestClock.adjust("7 seconds")
      yield* TestClock.adjust("9 minutes")
      assert.strictEqual(yield* registry.active, 1, "idle since its second turn, not its first")
      yield* TestClock.adjust("1 minute")
      assert.strictEqual(yield* registry.active, 0)
      assert.deepStrictEqual(yield* log, ["c1:burst@5", "c1:burst@552"])
    }))

  it.effect("a lead message whose lease could not be taken is retried, not dropped with the idle loop", () =>
    Effect.gen(function*() {
      let failures = 1
      const flaky: Leases = {
        ...soleOwner,
        acquire: (k) => failures-- > 0 ? Effect.fail(new StoreError({ reason: "database unavailable" })) : soleOwner.acquire(k)
      }
      const { registry, log } = yield* setup({ leases: flaky })
      yield* registry.tell(key("c1"), lead)
      yield* TestClock.adjust("1 second") // the retry comes back to the same loop
      assert.strictEqual(yield* registry.busy, 1)
      yield* TestClock.adjust("5 seconds")
      assert.deepStrictEqual(yield* log, ["c1:burst@6"])
    }))

  it.effect("a defect in a turn is logged; the actor keeps serving", () =>
    Effect.gen(function*() {
      const { registry, log } = yield* setup({ failFirst: true })
      yield* registry.tell(key("c1"), lead)
      yield* TestClock.adjust("5 seconds")
      yield* registry.tell(key("c1"), lead)
      yield* TestClock.adjust("5 seconds")
      assert.deepStrictEqual(yield* log, ["c1:burst@10"])
    }))
})
