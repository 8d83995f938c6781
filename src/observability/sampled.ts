/**
 * Gauges sampled on a timer (inbox depth, overdue handoffs, the process's memory and event
 * loop): only while metrics are exported (OTLP) or served (METRICS_PORT), untraced (a span per
 * sample would only bury the turns' traces), in a fiber of the layer's scope. `setup` runs once
 * (and only when metrics are wanted) and returns the sample; a sample handles its own failures.
 */
import { type Duration, Effect, Layer, Schedule, type Scope } from "effect"
import { AppConfig } from "../config/AppConfig.ts"

export const sampledEvery = <R, R2>(interval: Duration.Input, setup: Effect.Effect<Effect.Effect<void, never, R2>, never, R | Scope.Scope>) =>
  Layer.effectDiscard(Effect.gen(function*() {
    if (!(yield* AppConfig).metricsWanted) return
    const sample = yield* setup
    yield* sample.pipe(Effect.withTracerEnabled(false), Effect.repeat(Schedule.spaced(interval)), Effect.forkScoped)
  }))
