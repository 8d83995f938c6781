/**
 * Invalid-signature floods (in memory, per process): a client address that sent
 * `WEBHOOK_BAD_SIGNATURE_LIMIT` deliveries with a bad signature to one webhook route within
 * `WEBHOOK_BAD_SIGNATURE_WINDOW` gets 429 on that route, without an HMAC, until the window ends;
 * ten times that many across all routes blocks the address on every route. Per route as well as
 * per address: one tenant's misconfigured app secret makes Meta's addresses fail on that tenant's
 * route only, and must not hold back every other tenant's deliveries from the same addresses.
 * A 429 is not counted as another failure (the window is not extended by retries).
 */
import { Clock, Context, Duration, Effect, Layer, Option } from "effect"
import { AppConfig } from "../config/AppConfig.ts"

/** The address-wide limit, as a multiple of the per-route one. */
export const ADDRESS_FACTOR = 10
/** Keys remembered at once (memory stays bounded under a spray of addresses). */
const MAX_KEYS = 50_000

interface Window {
  count: number
  readonly endsAt: number
}

export class WebhookThrottle extends Context.Service<WebhookThrottle, {
  /** Seconds until `address` may try `route` again; none while it is not blocked. */
  readonly blocked: (address: string, route: string) => Effect.Effect<Option.Option<number>>
  /** One more bad signature from `address` on `route`; true when it used up the allowance. */
  readonly failed: (address: string, route: string) => Effect.Effect<boolean>
}>()("wa/WebhookThrottle") {
  static readonly layer = Layer.effect(WebhookThrottle, Effect.gen(function*() {
    const { limit, window } = (yield* AppConfig).whatsapp.badSignatures
    const windowMs = Duration.toMillis(window)
    const windows = new Map<string, Window>()
    const current = (key: string, now: number) => {
      const w = windows.get(key)
      if (w !== undefined && w.endsAt <= now) windows.delete(key)
      return w !== undefined && w.endsAt > now ? w : undefined
    }
    const waitFor = (key: string, max: number, now: number) => {
      const w = current(key, now)
      return w !== undefined && w.count >= max ? Math.max(1, Math.ceil((w.endsAt - now) / 1000)) : 0
    }
    /** Counts one failure under `key`; true when the count reaches `max`. */
    const bump = (key: string, max: number, now: number): boolean => {
      const w = current(key, now)
      if (w !== undefined) return ++w.count === max
      // windows are all as long, so insertion order (Map order) is expiry order: drop expired
      // windows from the front, and the oldest live ones while still full
      for (const [k, old] of windows) {
        if (old.endsAt > now && windows.size < MAX_KEYS) break
        windows.delete(k)
      }
      windows.set(key, { count: 1, endsAt: now + windowMs })
      return max === 1
    }
    return WebhookThrottle.of({
      blocked: (address, route) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          if (limit === 0) return Option.none()
          const wait = Math.max(waitFor(`${address} ${route}`, limit, now), waitFor(address, limit * ADDRESS_FACTOR, now))
          return wait > 0 ? Option.some(wait) : Option.none()
        }),
      failed: (address, route) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          if (limit === 0) return false
          const routeUsedUp = bump(`${address} ${route}`, limit, now)
          const addressUsedUp = bump(address, limit * ADDRESS_FACTOR, now)
          return routeUsedUp || addressUsedUp
        })
    })
  }))
}
