/**
 * Keyed pacing: each key (a number, a recipient) has a next free slot; `acquire` waits for it
 * and books the following one `interval` later. `pushBack` delays a key after a rate-limit
 * answer. Time comes from the Clock, so tests can drive it.
 */
import { Clock, Duration, Effect } from "effect"

export const makePacer = (interval: Duration.Duration) => {
  const next = new Map<string, number>()
  const step = Duration.toMillis(interval)
  const acquire = (key: string) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const slot = Math.max(now, next.get(key) ?? 0)
      next.set(key, slot + step)
      if (next.size > 10_000) for (const [k, at] of next) if (at < now) next.delete(k)
      return slot > now ? Effect.sleep(Duration.millis(slot - now)) : Effect.void
    })
  const pushBack = (key: string, delay: Duration.Duration) =>
    Effect.map(Clock.currentTimeMillis, (now) => {
      next.set(key, Math.max(next.get(key) ?? 0, now + Duration.toMillis(delay)))
    })
  return { acquire, pushBack }
}
export type Pacer = ReturnType<typeof makePacer>
