/** Deployment tests: empty databases (not cloned from the migrated template) and tool runs. */
import { execFile } from "node:child_process"
import { randomBytes } from "node:crypto"
import { Effect, Redacted } from "effect"
import { dropDatabase, ensureDatabase, withDatabase } from "../../src/db/admin.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

/** A database with nothing in it, on the test server; dropped with the scope. */
export const emptyDatabase = Effect.gen(function*() {
  const { adminUrl } = yield* TestDatabase
  const name = `wa_e_${randomBytes(6).toString("hex")}`
  yield* Effect.acquireRelease(ensureDatabase(adminUrl, name), () => dropDatabase(adminUrl, name).pipe(Effect.ignore))
  return withDatabase(adminUrl, name)
})

export interface ToolRun {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** `node scripts/<tool>.ts …args` as npm runs it, with `env` on top of the test's environment. */
export const runTool = (tool: string, args: ReadonlyArray<string>, env: Record<string, string | undefined>, input?: string) =>
  Effect.callback<ToolRun>((resume) => {
    const child = execFile(process.execPath, [`scripts/${tool}.ts`, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) =>
      resume(Effect.succeed({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr })))
    if (input !== undefined) child.stdin?.end(input)
    else child.stdin?.end()
  })

export const urlOf = (url: Redacted.Redacted) => Redacted.value(url)
