/** Two threads' registries served as one (src/observability/threadMetrics.ts). */
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Metric } from "effect"
import { PrometheusMetrics } from "effect/observability"
import { mergedContext, registryEntries } from "../../src/observability/threadMetrics.ts"

const turns = Metric.counter("turns", { incremental: true })
const latency = Metric.histogram("latency_ms", { boundaries: Metric.boundariesFromIterable([10, 100]) })
const depth = Metric.gauge("depth")
const outcomes = Metric.frequency("outcomes")
const onlyThere = Metric.counter("only_there", { incremental: true })

/** A context with a registry of its own, after `updates`. */
const registryAfter = (updates: Effect.Effect<void>) =>
  Effect.provideService(Effect.andThen(updates, Effect.context<never>()), Metric.MetricRegistry, new Map())

const line = (text: string, name: string) => new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1]

describe("metrics of another thread", () => {
  it.effect("counters, histograms and frequencies add up; a gauge is the other thread's; its own metrics join", () =>
    Effect.gen(function*() {
      const here = yield* registryAfter(Effect.all([
        Metric.update(turns, 2),
        Metric.update(latency, 5),
        Metric.update(depth, 1),
        Metric.update(outcomes, "sent")
      ], { discard: true }))
      const there = yield* registryAfter(Effect.all([
        Metric.update(turns, 3),
        Metric.update(latency, 50),
        Metric.update(latency, 500),
        Metric.update(depth, 7),
        Metric.update(outcomes, "sent"),
        Metric.update(outcomes, "failed"),
        Metric.update(onlyThere, 1)
      ], { discard: true }))
      const text = PrometheusMetrics.formatUnsafe(mergedContext(here, registryEntries(there)))
      assert.strictEqual(line(text, "turns"), "5")
      assert.strictEqual(line(text, "only_there"), "1")
      assert.strictEqual(line(text, "depth"), "7")
      assert.strictEqual(line(text, "latency_ms_count"), "3")
      assert.strictEqual(line(text, "latency_ms_sum"), "555")
      assert.strictEqual(line(text, `latency_ms_bucket\\{le="10"\\}`), "1")
      assert.strictEqual(line(text, `latency_ms_bucket\\{le="100"\\}`), "2")
      assert.match(text, /^outcomes\{key="sent"\} 2$/m)
      assert.match(text, /^outcomes\{key="failed"\} 1$/m)
      // nothing was written into this thread's registry
      assert.strictEqual(Context.get(here, Metric.MetricRegistry).size, 4)
      // no other thread: this one's as it is
      assert.strictEqual(mergedContext(here, []), here)
    }))
})
