/**
 * The process's own health, sampled every 5 seconds while metrics are exported or served: its
 * resident memory, the V8 heap in use, and how late the event loop ran its callbacks (the p99
 * and the worst of the last interval), the engine's thread's heap and loop beside the main
 * thread's (`thread="engine"`). A turn's engine time that grows with the event loop's
 * delay is CPU contention in this process, not a slow database (README "Benchmarks").
 */
import { monitorEventLoopDelay } from "node:perf_hooks"
import { getHeapStatistics } from "node:v8"
import { Effect } from "effect"
import { bytesGauge, record, secondsGauge } from "./metrics.ts"
import { sampledEvery } from "./sampled.ts"

export const residentMemory = bytesGauge("process.memory.usage", "resident memory of the process (RSS)")
export const heapUsed = bytesGauge("v8js.memory.heap.used", "V8 heap in use")
export const eventLoopDelayP99 = secondsGauge("nodejs.eventloop.delay.p99", "event loop delay, 99th percentile of the last interval")
export const eventLoopDelayMax = secondsGauge("nodejs.eventloop.delay.max", "event loop delay, worst of the last interval")

/** The V8 heap and the event loop's delay of this thread, each sample tagged with `attributes`. */
const heapAndLoop = (attributes: Record<string, string>) =>
  Effect.map(
    Effect.acquireRelease(
      Effect.sync(() => {
        const histogram = monitorEventLoopDelay({ resolution: 10 })
        histogram.enable()
        return histogram
      }),
      (histogram) => Effect.sync(() => histogram.disable())
    ),
    (delay) =>
      Effect.gen(function*() {
        yield* record(heapUsed, getHeapStatistics().used_heap_size, attributes)
        // nanoseconds; the histogram starts over each interval
        yield* record(eventLoopDelayP99, delay.percentile(99) / 1e6, attributes)
        yield* record(eventLoopDelayMax, delay.max / 1e6, attributes)
        delay.reset()
      })
  )

export const ProcessMetricsLive = sampledEvery("5 seconds", Effect.map(heapAndLoop({}), (threadSample) =>
  Effect.gen(function*() {
    yield* record(residentMemory, process.memoryUsage.rss())
    yield* threadSample
  })))

/**
 * Another thread's own heap and event loop (the engine's: src/engine.ts), as series of the same
 * metrics tagged `thread`; the process's resident memory is the main thread's to report.
 */
export const ThreadMetricsLive = (thread: string) => sampledEvery("5 seconds", heapAndLoop({ thread }))
