/**
 * The process's own health, sampled every 5 seconds while metrics are exported or served: its
 * resident memory, the V8 heap in use, and how late the event loop ran its callbacks (the p99
 * and the worst of the last interval). A turn's engine time that grows with the event loop's
 * delay is CPU contention in this process, not a slow database (README "Benchmarks").
 */
import { monitorEventLoopDelay } from "node:perf_hooks"
import { Effect } from "effect"
import { bytesGauge, record, secondsGauge } from "./metrics.ts"
import { sampledEvery } from "./sampled.ts"

export const residentMemory = bytesGauge("process.memory.usage", "resident memory of the process (RSS)")
export const heapUsed = bytesGauge("v8js.memory.heap.used", "V8 heap in use")
export const eventLoopDelayP99 = secondsGauge("nodejs.eventloop.delay.p99", "event loop delay, 99th percentile of the last interval")
export const eventLoopDelayMax = secondsGauge("nodejs.eventloop.delay.max", "event loop delay, worst of the last interval")

export const ProcessMetricsLive = sampledEvery("5 seconds", Effect.gen(function*() {
  const delay = yield* Effect.acquireRelease(
    Effect.sync(() => {
      const histogram = monitorEventLoopDelay({ resolution: 10 })
      histogram.enable()
      return histogram
    }),
    (histogram) => Effect.sync(() => histogram.disable())
  )
  return Effect.gen(function*() {
    const memory = process.memoryUsage()
    yield* record(residentMemory, memory.rss)
    yield* record(heapUsed, memory.heapUsed)
    // nanoseconds; the histogram starts over each interval
    yield* record(eventLoopDelayP99, delay.percentile(99) / 1e6)
    yield* record(eventLoopDelayMax, delay.max / 1e6)
    delay.reset()
  })
}))
