/** Adds an event (a point in time with attributes) to the current span, if there is one. */
import { Clock, Effect } from "effect"

export const spanEvent = (name: string, attributes: Record<string, unknown> = {}): Effect.Effect<void> =>
  Effect.currentSpan.pipe(
    Effect.flatMap((span) => Effect.map(Clock.currentTimeNanos, (now) => span.event(name, now, attributes))),
    Effect.ignore
  )
