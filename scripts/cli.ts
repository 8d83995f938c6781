/**
 * Runs a command-line tool (`npm run migrate`, `npm run admin`): its output is what it prints;
 * library logs below warnings are hidden; an expected failure (bad setting, unreachable database,
 * a refused migration) is one line on stderr and exit code 1.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Cause, Effect, Exit, References } from "effect"

export class UsageError extends Error {
  readonly _tag = "UsageError"
}

export const runCli = <A, E>(program: Effect.Effect<A, E>) =>
  program.pipe(
    Effect.scoped,
    Effect.provideService(References.MinimumLogLevel, "Warn"),
    NodeRuntime.runMain({
      disableErrorReporting: true,
      teardown: (exit, onExit) => {
        if (Exit.isSuccess(exit)) return onExit(0)
        const error = Cause.squash(exit.cause)
        process.stderr.write(`${error instanceof Error && "_tag" in error ? error.message : Cause.pretty(exit.cause)}\n`)
        onExit(1)
      }
    })
  )
