/**
 * Graceful stop. SIGTERM closes the app's scope; the first finalizer to run (DrainOnStop, the
 * outermost layer) starts the drain: readiness turns 503, inbox consumers take nothing new, turns
 * not yet started are left to the next process (restart recovery resumes them), and the stop
 * waits — up to SHUTDOWN_TIMEOUT — for the turns and inbox items already running. Only then does
 * the rest close: HTTP, actors, the pool, last the embedded database. Work still running when the
 * time is up is interrupted, and the process exits 1.
 */
import { Context, Deferred, Duration, Effect, Latch, Layer, Schema } from "effect"

export interface DrainShape {
  /** true once the stop began */
  readonly draining: Effect.Effect<boolean>
  /** completes when the stop begins */
  readonly started: Effect.Effect<void>
  /** `work` counted as in flight while it runs (the stop waits for it) */
  readonly track: <A, E, R>(work: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  readonly inFlight: Effect.Effect<number>
  /** begins the stop, then waits until nothing is in flight or `timeout` passes; how many were still running */
  readonly drain: (timeout: Duration.Duration) => Effect.Effect<number>
}

export const makeDrainUnsafe = (): DrainShape => {
  const started = Deferred.makeUnsafe<void>()
  const idle = Latch.makeUnsafe(true)
  let running = 0
  const enter = Effect.sync(() => {
    running += 1
    idle.closeUnsafe()
  })
  const leave = Effect.sync(() => {
    running -= 1
    if (running === 0) idle.openUnsafe()
  })
  return {
    draining: Deferred.isDone(started),
    started: Deferred.await(started),
    track: (work) => Effect.acquireUseRelease(enter, () => work, () => leave),
    inFlight: Effect.sync(() => running),
    drain: (timeout) =>
      Effect.gen(function*() {
        yield* Deferred.succeed(started, undefined)
        yield* idle.await.pipe(Effect.timeoutOption(timeout))
        return running
      })
  }
}

/** A process's drain. The default (tests, tools) is one nobody stops: it only counts. */
export const Drain = Context.Reference<DrainShape>("wa/lifecycle/Drain", { defaultValue: makeDrainUnsafe })

export const DrainLive = Layer.sync(Drain, makeDrainUnsafe)

/** The stop did not finish cleanly: the exit code says so (src/main.ts prints the message). */
export class ShutdownIncomplete extends Schema.TaggedError<ShutdownIncomplete>()("ShutdownIncomplete", {
  reason: Schema.String
}) {
  override get message() {
    return `Stopped with work unfinished: ${this.reason}`
  }
}

/** The outermost layer of a process: its finalizer runs first, while everything else still works. */
export const drainOnStop = (timeout: Duration.Duration) =>
  Layer.effectDiscard(Effect.gen(function*() {
    const drain = yield* Drain
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        const before = yield* drain.inFlight
        yield* Effect.logInfo("stopping: draining").pipe(Effect.annotateLogs({ inFlight: before, timeout: Duration.format(timeout) }))
        const left = yield* drain.drain(timeout)
        if (left === 0) return yield* Effect.logInfo("drained")
        yield* Effect.logError("SHUTDOWN_TIMEOUT passed with work still running; interrupting it").pipe(Effect.annotateLogs({ inFlight: left }))
        return yield* Effect.die(new ShutdownIncomplete({ reason: `${left} turn(s) or inbox item(s) still running after SHUTDOWN_TIMEOUT (${Duration.format(timeout)})` }))
      })
    )
  }))
