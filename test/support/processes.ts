/** Runs `node src/main.ts` as a real child process, for start-up and shutdown tests. */
import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { Effect } from "effect"
import { freePort as freePortEffect } from "../../src/db/embedded.ts"

/** A port nothing listens on right now (the embedded database's own finder). */
export const freePort = () => Effect.runPromise(freePortEffect)

const running = new Set<ChildProcess>()

/** Kills every service a test started and did not stop (a failed or timed-out test leaves none behind). */
export const killAll = () => {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
  running.clear()
}

export interface Service {
  readonly child: ChildProcess
  readonly port: number
  readonly output: () => string
  readonly waitHealthy: (timeoutMs?: number) => Promise<number>
  /** Resolves when the output matches (a worker serves no HTTP: it says when it is ready). */
  readonly waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<void>
  readonly stop: (signal: NodeJS.Signals) => Promise<{ code: number | null; ms: number }>
}

export const startService = async (env: Record<string, string | undefined>, args: Array<string> = []): Promise<Service> => {
  const port = await freePort()
  const childEnv: Record<string, string> = {}
  for (const [k, v] of Object.entries({ ...process.env, LOG_LEVEL: "info", PORT: String(port), ...env })) {
    if (v !== undefined) childEnv[k] = v
  }
  const child = spawn(process.execPath, ["src/main.ts", ...args], { env: childEnv, stdio: ["ignore", "pipe", "pipe"] })
  running.add(child)
  child.on("exit", () => running.delete(child))
  let output = ""
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()))
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()))
  const started = Date.now()
  return {
    child,
    port,
    output: () => output,
    waitHealthy: async (timeoutMs = 20_000) => {
      while (Date.now() - started < timeoutMs) {
        if (child.exitCode !== null) throw new Error(`service exited ${child.exitCode}: ${output}`)
        const ok = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.status === 200, () => false)
        if (ok) return Date.now() - started
        await new Promise((r) => setTimeout(r, 50))
      }
      throw new Error(`not healthy after ${timeoutMs} ms: ${output}`)
    },
    waitFor: async (pattern, timeoutMs = 20_000) => {
      while (Date.now() - started < timeoutMs) {
        if (pattern.test(output)) return
        if (child.exitCode !== null) throw new Error(`service exited ${child.exitCode}: ${output}`)
        await new Promise((r) => setTimeout(r, 50))
      }
      throw new Error(`no ${pattern} after ${timeoutMs} ms: ${output}`)
    },
    stop: async (signal) => {
      const t = Date.now()
      if (child.exitCode !== null) return { code: child.exitCode, ms: 0 }
      const exited = once(child, "exit")
      child.kill(signal)
      await exited
      return { code: child.exitCode, ms: Date.now() - t }
    }
  }
}
