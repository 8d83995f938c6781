/**
 * Runs the service as a real child process, for start-up and shutdown tests and the benchmarks:
 * `node src/main.ts` (the sources, as `npm run dev`), or what `npm start` runs (the production
 * bundle and V8 flags of package.json's `start` line).
 */
import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { readFileSync } from "node:fs"
import { join } from "node:path"
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

/**
 * What a checkout's `npm start` runs (package.json's `start` line): the environment it sets
 * (`NAME=value` words before `node`) and Node's arguments (without `node`).
 */
export const startLine = (dir = "."): { readonly env: Record<string, string>; readonly args: Array<string> } => {
  const pkg: { scripts: { start: string } } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"))
  const words = pkg.scripts.start.split(/\s+/)
  const env: Record<string, string> = {}
  while (/^[A-Z_]+=/.test(words[0] ?? "")) {
    const [name = "", ...value] = (words.shift() ?? "").split("=")
    env[name] = value.join("=")
  }
  const [node, ...args] = words
  if (node !== "node") throw new Error(`${dir}/package.json start does not run node: ${pkg.scripts.start}`)
  return { env, args }
}

/** Node's arguments for what `npm start` runs (package.json's `start` line without its environment and `node`). */
export const productionStart = (): Array<string> => startLine().args

/** `args` go to the service; `production`: start it as `npm start` does, else from the sources. */
export const startService = async (
  env: Record<string, string | undefined>,
  args: Array<string> = [],
  options: { readonly production?: boolean } = {}
): Promise<Service> => {
  const port = await freePort()
  const childEnv: Record<string, string> = {}
  const production = options.production === true ? startLine() : { env: {}, args: ["src/main.ts"] }
  for (const [k, v] of Object.entries({ ...production.env, ...process.env, LOG_LEVEL: "info", PORT: String(port), ...env })) {
    if (v !== undefined) childEnv[k] = v
  }
  const child = spawn(process.execPath, [...production.args, ...args], { env: childEnv, stdio: ["ignore", "pipe", "pipe"] })
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

/** Resolves once `check` holds (polled every 100 ms); rejects naming `what` after `timeoutMs`. */
export const until = async (check: () => boolean | Promise<boolean>, timeoutMs: number, what: string) => {
  const started = Date.now()
  while (Date.now() - started < timeoutMs) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
}
