/**
 * Backpressure from the engine to the inbox consumers. Turns wait for one of TURN_CONCURRENCY
 * permits; while too many wait (four times the permits), the consumers take nothing new from the
 * inbox, so a flood of new conversations waits in the durable inbox (PostgreSQL or SQS), not in
 * this process's memory (an actor and its burst each), and is taken as turns finish.
 */
import { Context, Effect, Latch, Layer } from "effect"
import { AppConfig } from "../config/AppConfig.ts"

/** Turns that may wait for a permit, per permit, before the consumers pause. */
export const WAITING_PER_PERMIT = 4

export interface EngineLoadShape {
  /** A turn begins (1) or ends (-1) waiting for its permit. */
  readonly queued: (delta: 1 | -1) => void
  /** Turns waiting for a permit now. */
  readonly waiting: () => number
  /** Completes at once while fewer than the limit wait; otherwise once the queue has gone down. */
  readonly admit: Effect.Effect<void>
}

export const makeEngineLoad = (limit: number): EngineLoadShape => {
  const open = Latch.makeUnsafe(true)
  let waiting = 0
  return {
    queued: (delta) => {
      waiting += delta
      if (waiting >= limit) open.closeUnsafe()
      else open.openUnsafe()
    },
    waiting: () => waiting,
    admit: open.await
  }
}

/** The process's engine load. The default (tests, tools) is generous; the service sizes it from TURN_CONCURRENCY. */
export const EngineLoad = Context.Reference<EngineLoadShape>("wa/lifecycle/EngineLoad", {
  defaultValue: () => makeEngineLoad(1024)
})

export const EngineLoadLive = Layer.effect(
  EngineLoad,
  Effect.map(AppConfig, (config) => makeEngineLoad(config.engine.turnConcurrency * WAITING_PER_PERMIT))
)
