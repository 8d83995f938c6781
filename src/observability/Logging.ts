/** One structured line per log event, at the configured minimum level. */
import { Effect, Layer, Logger, References } from "effect"
import { AppConfig } from "../config/AppConfig.ts"

const levels = { trace: "Trace", debug: "Debug", info: "Info", warn: "Warn", error: "Error" } as const
const formats = { json: Logger.consoleJson, logfmt: Logger.consoleLogFmt, pretty: Logger.consolePretty() } as const

export const LoggingLive = Layer.unwrap(Effect.map(AppConfig, (config) =>
  Layer.mergeAll(
    Logger.layer([formats[config.logFormat]]),
    Layer.succeed(References.MinimumLogLevel, levels[config.logLevel])
  )
))
