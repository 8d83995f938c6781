/** The readiness answer (src/domain/HealthApi.ts ReadyReport) from a role's own checks. */
import { Effect } from "effect"
import type { ReadyReport } from "../domain/HealthApi.ts"
import { Drain } from "../lifecycle/Drain.ts"

type CheckName = keyof ReadyReport["checks"]

/** Reachable within 2 s: any failure, defect or timeout is `down`. */
export const reachable = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<boolean, never, R> =>
  effect.pipe(Effect.timeout("2 seconds"), Effect.as(true), Effect.catchCause(() => Effect.succeed(false)))

export const readiness = <R>(checks: Partial<Record<CheckName, Effect.Effect<boolean, never, R>>>) =>
  Effect.gen(function*() {
    const stopping = yield* (yield* Drain).draining
    const results = yield* Effect.forEach(Object.entries(checks), ([name, check]) => Effect.map(check, (ok) => [name, ok] as const), {
      concurrency: "unbounded"
    })
    const ready = !stopping && results.every(([, ok]) => ok)
    const report: ReadyReport = {
      status: ready ? "ready" : "not_ready",
      checks: Object.fromEntries(results.map(([name, ok]) => [name, ok ? "ok" : "down"])),
      ...(stopping ? { stopping: true } : {})
    }
    return { ready, report }
  })
