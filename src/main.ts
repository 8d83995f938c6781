import { NodeRuntime } from "@effect/platform-node"
import { Cause, Deferred, Effect, Exit, Layer } from "effect"
import { MainLive } from "./app.ts"
import { EngineThreadEntry, EngineThreadLost } from "./lifecycle/engineThread.ts"

/** The error's message and what caused it ("PgConnection: Failed to connect: self-signed certificate"). */
const describe = (error: Error): string => {
  const parts = [error.message]
  let cause: unknown = error.cause
  for (let depth = 0; depth < 5 && typeof cause === "object" && cause !== null; depth++) {
    const message = cause instanceof Error || ("message" in cause && typeof cause.message === "string") ? String(cause.message) : ""
    if (message !== "" && !parts.some((p) => p.includes(message))) parts.push(message)
    cause = "cause" in cause ? cause.cause : undefined
  }
  return parts.join(": ").replace(/\s*\n\s*/g, " ")
}

/** Expected start-up failures (bad config, database unreachable) print one line, not a trace. */
const report = (cause: Cause.Cause<unknown>) => {
  const error = Cause.squash(cause)
  const line = error instanceof Error && "_tag" in error ? describe(error) : Cause.pretty(cause)
  process.stderr.write(`${line}\n`)
}

/**
 * Only an operator's signal makes an interrupted exit a clean stop: 0 when everything stopped in
 * order, 1 when the drain ran out of SHUTDOWN_TIMEOUT or a part failed to stop (the line says
 * which). A second signal while draining stops at once, with 1.
 */
let signalled = false
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (!signalled) return void (signalled = true)
    process.stderr.write(`${signal} again while stopping: exiting now, work unfinished\n`)
    process.exit(1)
  })
}

/** The engine's thread's module beside this one: the bundle's (dist/engineMain.mjs), or the source's. */
const engineEntry = new URL(import.meta.url.endsWith(".ts") ? "./engineMain.ts" : "./engineMain.mjs", import.meta.url)

/**
 * The service, until it is stopped or (src/lifecycle/engineThread.ts) its engine's thread is lost
 * (`Layer.launch`, waiting on that instead of forever: the stop's own failures stay in its cause).
 */
const main = Effect.scoped(Effect.andThen(
  Layer.build(MainLive.pipe(Layer.provide(Layer.succeed(EngineThreadEntry, engineEntry)))),
  Effect.flatMap(EngineThreadLost, (lost) => Deferred.await(lost))
))

main.pipe(NodeRuntime.runMain({
  disableErrorReporting: true,
  teardown: (exit, onExit) => {
    if (Exit.isSuccess(exit)) return onExit(signalled ? 0 : 1)
    if (Cause.hasInterruptsOnly(exit.cause) && signalled) return onExit(0)
    report(exit.cause)
    onExit(1)
  }
}))
