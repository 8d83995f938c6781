/**
 * Where a conversation turn's time goes: waiting on the model, waiting on the Graph API, or the
 * engine's own work (database, prompts, checks, bookkeeping, the event loop). A turn installs a
 * `WaitClock` (`timedTurn`); the LLM transport and the sender mark their remote calls with
 * `waitingOn`. Overlapping waits (a speculative draft beside Decide) count once. Without a clock
 * (tests, the dashboard's sends) `waitingOn` changes nothing.
 */
import { Context, Effect } from "effect"

/** Remote waits (not the engine's time), and the database (the engine's time, reported apart). */
export type WaitKind = "llm" | "send" | "db"

export interface WaitClock {
  /** wall time (ms, sub-millisecond) with at least one remote call (model or Graph API) in flight */
  readonly waited: () => number
  /** per kind: wall time with a call of that kind in flight */
  readonly byKind: () => Readonly<Record<WaitKind, number>>
  readonly enter: (kind: WaitKind) => void
  readonly leave: (kind: WaitKind) => void
}

export const makeWaitClock = (now: () => number = () => performance.now()): WaitClock => {
  const inFlight = { all: 0, llm: 0, send: 0, db: 0 }
  const since = { all: 0, llm: 0, send: 0, db: 0 }
  const total = { all: 0, llm: 0, send: 0, db: 0 }
  const open = (k: "all" | WaitKind) => {
    if (inFlight[k]++ === 0) since[k] = now()
  }
  const close = (k: "all" | WaitKind) => {
    if (--inFlight[k] === 0) total[k] += now() - since[k]
  }
  const sum = (k: "all" | WaitKind) => total[k] + (inFlight[k] > 0 ? now() - since[k] : 0)
  return {
    waited: () => sum("all"),
    byKind: () => ({ llm: sum("llm"), send: sum("send"), db: sum("db") }),
    enter: (kind) => {
      if (kind !== "db") open("all")
      open(kind)
    },
    leave: (kind) => {
      close(kind)
      if (kind !== "db") close("all")
    }
  }
}

/** The running turn's clock, inherited by the fibers it forks. */
export const CurrentWaitClock = Context.Reference<WaitClock | undefined>("wa/CurrentWaitClock", { defaultValue: () => undefined })

/** Marks `effect` as time spent waiting on a remote service (retries and their back-off included). */
export const waitingOn = (kind: WaitKind) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(CurrentWaitClock, (clock) =>
    clock === undefined
      ? effect
      : Effect.suspend(() => {
        clock.enter(kind)
        return Effect.ensuring(effect, Effect.sync(() => clock.leave(kind)))
      }))
