/**
 * Gives memory back once a wave of conversations is over. V8 keeps the heap pages a flood made it
 * take and returns them only through its memory reducer, which waits for an allocation rate a
 * running service seldom falls to: after 10,000 new conversations the process stayed at its peak
 * RSS (≈ 390–440 MB) with 40–90 MB of heap in use (README "Benchmarks", memory). One full
 * collection that gives the pages back (measured: 286 → 163 MB; src/lifecycle/memory.ts) costs a
 * pause of tens of milliseconds — so it runs only after a wave: when at least `WAVE` actors were
 * passivated since the most this process held, and at most a quarter of that many are left.
 *
 * Needs `--expose-gc` on Node's command line (package.json `start`, the deployment's `node …`
 * line); without it this does nothing.
 */
import { Effect, Layer, Option, Schedule } from "effect"
import { giveMemoryBack } from "../lifecycle/memory.ts"
import { Conversations } from "./Conversations.ts"
import { memoryReleasePause, memoryReleases, record } from "../observability/metrics.ts"

/** Actors passivated since the high-water mark before a collection is worth its pause. */
export const WAVE = 1_000
const CHECK_EVERY = "10 seconds"

/** The decision, apart from the clock and the collector: `highWater` is the most actors held since the last release. */
export const releaseDue = (highWater: number, active: number) => highWater - active >= WAVE && active * 4 <= highWater

export const MemoryReleaseLive = Layer.effectDiscard(Effect.gen(function*() {
  if (globalThis.gc === undefined) return
  const conversations = yield* Conversations
  let highWater = 0
  const check = Effect.gen(function*() {
    const active = yield* conversations.active
    highWater = Math.max(highWater, active)
    if (!releaseDue(highWater, active)) return
    const ms = Option.getOrElse(yield* giveMemoryBack, () => 0)
    highWater = active
    yield* record(memoryReleases, 1)
    yield* record(memoryReleasePause, ms)
    yield* Effect.logInfo("memory released after a wave of conversations", { pauseMs: Math.round(ms) })
  })
  yield* Effect.forkScoped(Effect.repeat(check, Schedule.spaced(CHECK_EVERY)))
}))
