import { NodeRuntime } from "@effect/platform-node"
import { Cause, Exit, Layer } from "effect"
import { MainLive } from "./app.ts"

/** Expected start-up failures (bad config, database unreachable) print one line, not a trace. */
const report = (cause: Cause.Cause<unknown>) => {
  const error = Cause.squash(cause)
  const line = error instanceof Error && "_tag" in error ? error.message : Cause.pretty(cause)
  process.stderr.write(`${line}\n`)
}

Layer.launch(MainLive).pipe(NodeRuntime.runMain({
  disableErrorReporting: true,
  teardown: (exit, onExit) => {
    if (Exit.isSuccess(exit)) return onExit(0)
    if (Cause.hasInterruptsOnly(exit.cause)) return onExit(0) // SIGINT/SIGTERM: a clean stop
    report(exit.cause)
    onExit(1)
  }
}))
