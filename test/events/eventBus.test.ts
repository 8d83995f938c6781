/** The in-process bus: every event to `all`, and to a consumer of `only` just the kinds it listens for. */
import { assert, describe, it } from "@effect/vitest"
import { DateTime, Effect, Exit, Fiber, Scope, Stream } from "effect"
import { MessageStored, ModeChanged, TurnDecided } from "../../src/domain/events.ts"
import { ConversationId, LeadId, MessageId, OrganizationId } from "../../src/domain/ids.ts"
import { EventBus } from "../../src/events/EventBus.ts"

const ORG = OrganizationId.make("00000000-0000-4000-8000-000000000001")
const base = { organizationId: ORG, conversationId: ConversationId.make("00000000-0000-4000-8000-000000000002"), at: DateTime.makeUnsafe(0) }
const stored = (n: number) =>
  new MessageStored({ ...base, messageId: MessageId.make(`00000000-0000-4000-8000-${String(n).padStart(12, "0")}`), leadId: LeadId.make("00000000-0000-4000-8000-000000000003"), from: "LEAD", type: "text", content: `m${n}` })
const handoff = new ModeChanged({ ...base, mode: "human", kind: "handoff", reason: "asked", byUserId: null })
const decided = new TurnDecided({ ...base, action: "SEND_NOW", why: "asked a price" })

describe("EventBus", () => {
  it.effect("gives a consumer of some kinds those events, in order, and every event to all (one by one or several at once)", () =>
    Effect.gen(function*() {
      const bus = yield* EventBus
      const modes = yield* bus.only(["ModeChanged"]).pipe(Stream.take(1), Stream.runCollect, Effect.forkChild)
      const engine = yield* bus.only(["MessageStored", "ModeChanged"]).pipe(Stream.take(3), Stream.runCollect, Effect.forkChild)
      const everything = yield* bus.all.pipe(Stream.take(4), Stream.runCollect, Effect.forkChild)
      yield* Effect.yieldNow // the consumers are listening
      yield* bus.publish(stored(1))
      yield* bus.publishAll([decided, handoff, stored(2)])
      assert.deepStrictEqual((yield* Fiber.join(modes)).map((e) => e._tag), ["ModeChanged"])
      const seen = yield* Fiber.join(engine)
      assert.deepStrictEqual(seen.map((e) => e._tag === "MessageStored" ? e.content : e.kind), ["m1", "handoff", "m2"])
      assert.deepStrictEqual((yield* Fiber.join(everything)).map((e) => e._tag), ["MessageStored", "TurnDecided", "ModeChanged", "MessageStored"])
    }).pipe(Effect.provide(EventBus.layer)))

  it.effect("a later consumer sees what is published after it started, an earlier one having ended", () =>
    Effect.gen(function*() {
      const bus = yield* EventBus
      const scope = yield* Scope.make()
      const first = yield* bus.only(["MessageStored"]).pipe(Stream.take(1), Stream.runCollect, Effect.forkIn(scope))
      yield* Effect.yieldNow
      yield* bus.publish(stored(1))
      assert.strictEqual((yield* Fiber.join(first)).length, 1)
      // a later consumer sees only what is published after it started
      const later = yield* bus.only(["MessageStored"]).pipe(Stream.take(1), Stream.runCollect, Effect.forkChild)
      yield* Effect.yieldNow
      yield* bus.publish(stored(2))
      assert.deepStrictEqual((yield* Fiber.join(later)).map((e) => e.content), ["m2"])
      yield* Scope.close(scope, Exit.void)
    }).pipe(Effect.provide(EventBus.layer)))

  it.effect("forwards what this process publishes, in order, when it is told to (a worker's bus)", () =>
    Effect.gen(function*() {
      const forwarded: Array<string> = []
      const bus = yield* EventBus.make((event) => Effect.sync(() => void forwarded.push(event._tag)))
      yield* bus.publish(stored(1))
      yield* bus.publishAll([decided, handoff])
      yield* bus.publishLocal(stored(2)) // published elsewhere already: not forwarded again
      assert.deepStrictEqual(forwarded, ["MessageStored", "TurnDecided", "ModeChanged"])
    }).pipe(Effect.scoped))
})
