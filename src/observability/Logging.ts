/**
 * One structured line per log event, at the configured minimum level. A line written inside a
 * span carries that span's `trace_id` and `span_id` (W3C hex, as exported over OTLP), so a log
 * search leads to the trace and a trace to its lines.
 */
import { Effect, Formatter, Layer, Logger, References } from "effect"
import type { Tracer } from "effect"
import { AppConfig } from "../config/AppConfig.ts"

const levels = { trace: "Trace", debug: "Debug", info: "Info", warn: "Warn", error: "Error" } as const

/** The span a log line was written in, if any (a disabled tracer's no-op span is none). */
export const traceIdsOf = (options: Logger.Options<unknown>): { readonly trace_id: string; readonly span_id: string } | undefined => {
  const span: Tracer.AnySpan | undefined = options.fiber.cache.span
  if (span === undefined || span.traceId === "noop") return undefined
  return { trace_id: span.traceId.padStart(32, "0"), span_id: span.spanId }
}

/**
 * Lines go to stdout together, once per turn of the event loop: on Linux a write to a pipe (how
 * a container's log collector reads us) is synchronous, one system call a line otherwise, and
 * under load that was a tenth of the consumers' time at the default level (README
 * "Benchmarks", finding (15)). What is pending when the process exits is written then.
 */
const stdoutLines = (() => {
  let pending: Array<string> = []
  const flush = () => {
    if (pending.length === 0) return
    const chunk = `${pending.join("\n")}\n`
    pending = []
    process.stdout.write(chunk)
  }
  process.once("exit", flush)
  return (line: string) => {
    if (pending.push(line) === 1) setImmediate(flush)
  }
})()

const toStdout = <Message>(format: Logger.Logger<Message, string>) =>
  Logger.make<Message, void>((options) => stdoutLines(format.log(options)))

/** `formatStructured` plus `trace_id` / `span_id` at the top level, one JSON object a line. */
const json = toStdout(Logger.make((options) => {
  const ids = traceIdsOf(options)
  const line = Logger.formatStructured.log(options)
  return Formatter.formatJson(ids === undefined ? line : { ...line, ...ids })
}))

const logfmt = toStdout(Logger.make((options) => {
  const ids = traceIdsOf(options)
  const line = Logger.formatLogFmt.log(options)
  return ids === undefined ? line : `${line} trace_id=${ids.trace_id} span_id=${ids.span_id}`
}))

/** For people at a terminal: the ids follow the message. */
const pretty = (() => {
  const inner = Logger.consolePretty()
  return Logger.make((options) => {
    const ids = traceIdsOf(options)
    if (ids === undefined) return inner.log(options)
    const message = Array.isArray(options.message) ? options.message : [options.message]
    return inner.log({ ...options, message: [...message, `trace_id=${ids.trace_id} span_id=${ids.span_id}`] })
  })
})()

export const loggers = { json, logfmt, pretty } as const

export const LoggingLive = Layer.unwrap(Effect.map(AppConfig, (config) =>
  Layer.mergeAll(
    Logger.layer([loggers[config.logFormat]]),
    Layer.succeed(References.MinimumLogLevel, levels[config.logLevel])
  )
))
