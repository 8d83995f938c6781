/**
 * The service as an operator runs it: a real process, started, crashed and stopped.
 */
import { existsSync } from "node:fs"
import { mkdtemp, readFile, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { pgClientLayer } from "../src/db/Database.ts"
import { afterAll } from "vitest"
import { killAll, startService } from "./support/processes.ts"
import { TestDatabase } from "./support/TestDatabase.ts"

/** The embedded cluster's URL, from the start-up log and the kept password. */
const embeddedUrl = async (dataDir: string, output: string) => {
  const ports = [...output.matchAll(/"port":(\d+)/g)].map((m) => m[1])
  const password = await readFile(join(dataDir, "pg-password"), "utf8")
  return Redacted.make(`postgres://postgres:${password}@127.0.0.1:${ports.at(-1)}/wa_sales`)
}

const query = <A extends object>(url: Redacted.Redacted, text: string) =>
  Effect.runPromise(
    Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe<A>(text)).pipe(Effect.provide(pgClientLayer(url)))
  )

describe("the service process", () => {
  afterAll(killAll)

  it.layer(TestDatabase.layer)((it) => {
    it.effect("with DATABASE_URL: becomes healthy, then stops cleanly on SIGTERM and SIGINT", () =>
      Effect.gen(function*() {
        const db = yield* TestDatabase
        for (const signal of ["SIGTERM", "SIGINT"] as const) {
          const service = yield* Effect.promise(() => startService({ DATABASE_URL: Redacted.value(db.url) }))
          yield* Effect.promise(() => service.waitHealthy())
          const { code, ms } = yield* Effect.promise(() => service.stop(signal))
          assert.strictEqual(code, 0, service.output())
          assert.isBelow(ms, 5_000)
          const stillServing = yield* Effect.promise(() =>
            fetch(`http://127.0.0.1:${service.port}/health`).then(() => true, () => false)
          )
          assert.isFalse(stillServing)
        }
      }), { timeout: 60_000 })
  })

  it.layer(TestDatabase.layer)((it) => {
    it.effect("every request during start-up gets an answer (503 + Retry-After until ready), none hangs", () =>
      Effect.gen(function*() {
        const db = yield* TestDatabase
        const service = yield* Effect.promise(() => startService({ DATABASE_URL: Redacted.value(db.url) }))
        const outcomes: Array<string> = []
        let healthy = false
        const hammer = async () => {
          while (!healthy && outcomes.length < 10_000) {
            const started = Date.now()
            const outcome = await fetch(`http://127.0.0.1:${service.port}/health`, { signal: AbortSignal.timeout(2_000) }).then(
              async (r) => {
                if (r.status === 503) assert.strictEqual(r.headers.get("retry-after"), "1")
                await r.arrayBuffer()
                if (r.status === 200) healthy = true
                return String(r.status)
              },
              (e: unknown) => (e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError") ? `hung ${Date.now() - started} ms` : "refused")
            )
            outcomes.push(outcome)
            if (outcome === "refused") await new Promise((r) => setTimeout(r, 5))
          }
        }
        yield* Effect.promise(() => Promise.all([hammer(), hammer(), hammer()]))
        assert.isTrue(healthy, service.output())
        assert.deepStrictEqual(outcomes.filter((o) => o.startsWith("hung")), [], "no request left unanswered")
        const { code, ms } = yield* Effect.promise(() => service.stop("SIGTERM"))
        assert.strictEqual(code, 0)
        assert.isBelow(ms, 5_000)
      }), { timeout: 60_000 })
  })

  it("embedded default: data survives a restart and a crash; the orphaned postmaster is recovered", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "wa-embedded-"))
    const env = { DATABASE_URL: undefined, DATA_DIR: dataDir }
    try {
      const first = await startService(env)
      await first.waitHealthy(30_000)
      await query(await embeddedUrl(dataDir, first.output()), "INSERT INTO organizations (name, invite_code) VALUES ('Kept', 'kept-1')")
      // a crash: Node dies, its postmaster is left running
      await first.stop("SIGKILL")
      assert.isTrue(existsSync(join(dataDir, "pg", "postmaster.pid")))

      const second = await startService(env)
      await second.waitHealthy(30_000)
      assert.include(second.output(), "orphaned by a crash")
      const rows = await query<{ name: string }>(await embeddedUrl(dataDir, second.output()), "SELECT name FROM organizations")
      assert.deepStrictEqual(rows.map((r) => r.name), ["Kept"])
      assert.notInclude(second.output(), "migrations applied") // already migrated: a no-op

      const { code } = await second.stop("SIGTERM")
      assert.strictEqual(code, 0, second.output())
      assert.isFalse(existsSync(join(dataDir, "pg", "postmaster.pid")), "embedded PostgreSQL stopped with the service")
    } finally {
      killAll()
      // a failed run may leave the crash scenario's postmaster behind: stop it too
      const pid = Number((await readFile(join(dataDir, "pg", "postmaster.pid"), "utf8").catch(() => "")).split("\n")[0])
      if (pid > 0) {
        try {
          process.kill(pid, "SIGINT")
        } catch {
          // already gone
        }
      }
      await rm(dataDir, { recursive: true, force: true })
    }
  }, 90_000)
})
