import { NodeRuntime } from "@effect/platform-node"
import { Cause, Exit, Layer } from "effect"
import { MainLive } from "./app.ts"

/** Expected start-up failures (bad config, database unreachable) print one line, not a trace. */
const report = (cause: Cause.Cause<unknown>) => {
  const error = Cause.squash(cause)
  const line = error instanceof Error && "_tag" in error ? error.message : Cause.pretty(cause)
  process.stderr.write(`${line}\n`)
}

/** Only an operator's signal makes an interrupted exit a clean stop. */
let signalled = false
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => (signalled = true))

Layer.launch(MainLive).pipe(NodeRuntime.runMain({
  disableErrorReporting: true,
  teardown: (exit, onExit) => {
    if (Exit.isSuccess(exit)) return onExit(signalled ? 0 : 1)
    if (Cause.hasInterruptsOnly(exit.cause) && signalled) return onExit(0)
    report(exit.cause)
    onExit(1)
  }
}))
