/**
 * Failed-login throttle, per email and per client IP (in memory, per process): too many failures
 * in the window → TooManyAttempts (429 + Retry-After) until the oldest failure leaves the window.
 */
import { Clock, Context, Effect, Layer } from "effect"
import { TooManyAttempts } from "../domain/dashboard/errors.ts"

export const WINDOW_MS = 15 * 60 * 1000
export const MAX_FAILURES_PER_EMAIL = 5
export const MAX_FAILURES_PER_IP = 20
const MAX_KEYS = 10_000

export class LoginThrottle extends Context.Service<LoginThrottle, {
  readonly check: (email: string, ip: string) => Effect.Effect<void, TooManyAttempts>
  readonly failed: (email: string, ip: string) => Effect.Effect<void>
  readonly succeeded: (email: string) => Effect.Effect<void>
}>()("wa/auth/LoginThrottle") {
  static readonly layer = Layer.sync(LoginThrottle, () => {
    const failures = new Map<string, Array<number>>()
    const recent = (key: string, now: number) => {
      const kept = (failures.get(key) ?? []).filter((t) => now - t < WINDOW_MS)
      if (kept.length === 0) failures.delete(key)
      else failures.set(key, kept)
      return kept
    }
    const blockedFor = (key: string, max: number, now: number) => {
      const times = recent(key, now)
      const oldest = times[times.length - max]
      return times.length >= max && oldest !== undefined ? Math.max(1, Math.ceil((oldest + WINDOW_MS - now) / 1000)) : 0
    }
    return LoginThrottle.of({
      check: Effect.fn("LoginThrottle.check")(function*(email: string, ip: string) {
        const now = yield* Clock.currentTimeMillis
        const wait = Math.max(blockedFor(`email:${email}`, MAX_FAILURES_PER_EMAIL, now), blockedFor(`ip:${ip}`, MAX_FAILURES_PER_IP, now))
        if (wait > 0) {
          return yield* new TooManyAttempts({ message: `Too many failed logins; retry in ${wait} s`, retryAfterSeconds: wait })
        }
      }),
      failed: Effect.fn("LoginThrottle.failed")(function*(email: string, ip: string) {
        const now = yield* Clock.currentTimeMillis
        // bounded memory under a spray of random emails: drop keys whose failures all expired
        if (failures.size > MAX_KEYS) for (const key of [...failures.keys()]) recent(key, now)
        for (const key of [`email:${email}`, `ip:${ip}`]) failures.set(key, [...recent(key, now), now])
      }),
      succeeded: Effect.fn("LoginThrottle.succeeded")(function*(email: string) {
        yield* Effect.sync(() => failures.delete(`email:${email}`))
      })
    })
  })
}
