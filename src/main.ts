import { NodeRuntime } from "@effect/platform-node"
import { Cause, Exit, Layer } from "effect"
import { MainLive } from "./app.ts"

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

Layer.launch(MainLive).pipe(NodeRuntime.runMain({
  disableErrorReporting: true,
  teardown: (exit, onExit) => {
    if (Exit.isSuccess(exit)) return onExit(signalled ? 0 : 1)
    if (Cause.hasInterruptsOnly(exit.cause) && signalled) return onExit(0)
    report(exit.cause)
    onExit(1)
  }
}))
