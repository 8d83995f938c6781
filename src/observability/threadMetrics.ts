/**
 * Metrics kept on another thread (the engine's, src/lifecycle/engineThread.ts): each isolate has
 * its own registry, and `GET /metrics` serves one process. A source added here is asked for its
 * metrics at each scrape, and they are served merged with this thread's: counters, histograms
 * and frequencies added up, a gauge the other thread keeps taken from it (it runs the engine).
 */
import { Context, Effect, Metric, type Scope } from "effect"

/** One registry entry as it crosses threads: its key and its snapshot (structured-clone safe). */
export interface MetricEntry {
  readonly key: string
  readonly snapshot: Metric.Metric.Snapshot
}

export interface MetricSourcesShape {
  /** A source for as long as the scope lasts. */
  readonly add: (source: Effect.Effect<ReadonlyArray<MetricEntry>>) => Effect.Effect<void, never, Scope.Scope>
  /** Every source's entries (a source that fails or takes over a second gives none). */
  readonly collect: Effect.Effect<ReadonlyArray<MetricEntry>>
}

const makeMetricSources = (): MetricSourcesShape => {
  const sources = new Set<Effect.Effect<ReadonlyArray<MetricEntry>>>()
  return {
    add: (source) => Effect.acquireRelease(Effect.sync(() => void sources.add(source)), () => Effect.sync(() => void sources.delete(source))),
    collect: Effect.suspend(() =>
      Effect.forEach(
        [...sources],
        (source) => source.pipe(Effect.timeoutOption("1 second"), Effect.map((entries) => entries._tag === "Some" ? entries.value : [])),
        { concurrency: "unbounded" }
      )
    ).pipe(Effect.map((all) => all.flat()))
  }
}

/** The process's other sources of metrics (none unless an engine thread runs). */
export const MetricSources = Context.Reference<MetricSourcesShape>("wa/observability/MetricSources", {
  defaultValue: makeMetricSources
})

/** This thread's registry as entries another thread can merge. */
export const registryEntries = (context: Context.Context<never>): ReadonlyArray<MetricEntry> => {
  const registry = Context.get(context, Metric.MetricRegistry)
  return Array.from(registry, ([key, { hooks, ...meta }]) => ({ key, snapshot: { ...meta, state: hooks.get(context) } }))
}

const sumHistograms = (a: Metric.HistogramState, b: Metric.HistogramState): Metric.HistogramState => ({
  buckets: a.buckets.map(([boundary, n], i) => [boundary, n + (b.buckets[i]?.[1] ?? 0)]),
  count: a.count + b.count,
  min: Math.min(a.min, b.min),
  max: Math.max(a.max, b.max),
  sum: a.sum + b.sum
})

const sumFrequencies = (a: Metric.FrequencyState, b: Metric.FrequencyState): Metric.FrequencyState => {
  const occurrences = new Map(a.occurrences)
  for (const [key, n] of b.occurrences) occurrences.set(key, (occurrences.get(key) ?? 0) + n)
  return { occurrences }
}

/** This thread's state of a metric and the other thread's, as one. */
const combine = (own: Metric.Metric.Snapshot, theirs: Metric.Metric.Snapshot): unknown => {
  if (own.type === "Counter" && theirs.type === "Counter") {
    const a = own.state.count
    const b = theirs.state.count
    return { ...own.state, count: typeof a === "bigint" || typeof b === "bigint" ? BigInt(a) + BigInt(b) : a + b }
  }
  if (own.type === "Histogram" && theirs.type === "Histogram") return sumHistograms(own.state, theirs.state)
  if (own.type === "Frequency" && theirs.type === "Frequency") return sumFrequencies(own.state, theirs.state)
  // a gauge (or a summary, whose quantiles do not add up): the engine thread's
  return theirs.state
}

/**
 * A context whose registry holds this thread's metrics merged with `entries` (read-only: updates
 * through it go nowhere), for PrometheusMetrics.formatUnsafe.
 */
export const mergedContext = (context: Context.Context<never>, entries: ReadonlyArray<MetricEntry>): Context.Context<never> => {
  if (entries.length === 0) return context
  const registry: Metric.MetricRegistry = new Map(Context.get(context, Metric.MetricRegistry))
  const ignore = () => undefined
  for (const { key, snapshot } of entries) {
    const own = registry.get(key)
    const { state: theirState, ...meta } = snapshot
    const state = own === undefined ? theirState : combine({ ...own, state: own.hooks.get(context) }, snapshot)
    registry.set(key, { ...meta, hooks: { get: () => state, update: ignore, modify: ignore } })
  }
  return Context.add(context, Metric.MetricRegistry, registry)
}
