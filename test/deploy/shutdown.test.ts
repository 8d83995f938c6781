/**
 * Graceful stop, as an orchestrator does it (SIGTERM to a real process): a turn running when the
 * signal comes is finished — the lead gets the reply — before the process stops; with the
 * embedded database, the database stops after the app; a turn that outlasts SHUTDOWN_TIMEOUT is
 * interrupted and the exit code says so.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises"
import { existsSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll } from "vitest"
import { pgClientLayer } from "../../src/db/Database.ts"
import { seedCatalog } from "../conversations/support.ts"
import { fakeGraph } from "../support/fakeGraph.ts"
import { type FakeReply, startFakeLlm } from "../support/fakeLlm.ts"
import { draft, GOOD_REPLY, goodDefaults } from "../support/htlFixtures.ts"
import { killAll, type Service, startService, until } from "../support/processes.ts"
import { TestDatabase } from "../support/TestDatabase.ts"
import { change, entry, envelope, signed, text } from "../support/webhooks.ts"

const PN = "109000000000918"
const APP_SECRET = "shutdown-app-secret"
const LEAD = "15550001918"

const post = (service: Service, body: string) => {
  const { body: bytes, signature } = signed(APP_SECRET, envelope(entry("waba", change({
    phoneNumberId: PN,
    contacts: [{ waId: LEAD, name: "Lead" }],
    messages: [text(LEAD, body)]
  }))))
  return Effect.promise(() =>
    fetch(`http://127.0.0.1:${service.port}/webhooks/whatsapp`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-hub-signature-256": signature },
      body: bytes
    }).then((r) => r.status))
}

/** A service with the fakes, a lead's message, and SIGTERM while the turn waits on Generate. */
const stopMidTurn = (generate: FakeReply, env: Record<string, string | undefined>, seed: (service: Service) => Effect.Effect<void>) =>
  Effect.gen(function*() {
    const llm = yield* startFakeLlm({ ...goodDefaults, generate: () => generate })
    const graph = yield* fakeGraph
    const service = yield* Effect.promise(() =>
      startService({
        LLM_API_KEY: "sk-fake",
        LLM_BASE_URL: llm.url,
        WHATSAPP_API_BASE_URL: graph.url,
        WHATSAPP_PHONE_NUMBER_ID: PN,
        WHATSAPP_ACCESS_TOKEN: "graph-token",
        WHATSAPP_APP_SECRET: APP_SECRET,
        DEBOUNCE_QUIET: "200 ms",
        HTL_SPECULATIVE: "off",
        ...env
      })
    )
    yield* Effect.promise(() => service.waitHealthy(30_000))
    yield* seed(service)
    assert.strictEqual(yield* post(service, "hello, how much is the premium plan?"), 200)
    yield* Effect.promise(() => until(() => llm.stepRequests("generate").length > 0, 20_000, "the turn to reach Generate"))
    const stopped = yield* Effect.promise(() => service.stop("SIGTERM"))
    const sent = graph.requests.filter((r) => typeof r.body === "object" && r.body !== null && "to" in r.body && r.body.to === LEAD && "text" in r.body)
    return { stopped, sent, output: service.output(), aborted: llm.aborted() }
  })

describe("graceful stop", () => {
  afterAll(killAll)

  it.layer(TestDatabase.layer, { excludeTestServices: true, timeout: "90 seconds" })((it) => {
    it.effect("SIGTERM during a turn: the turn finishes and its reply is sent and recorded, then the process exits 0", () =>
      Effect.gen(function*() {
        const db = yield* TestDatabase
        const { stopped, sent, output } = yield* stopMidTurn(
          { kind: "json", body: draft(GOOD_REPLY), delayMs: 1_500 },
          { DATABASE_URL: Redacted.value(db.url) },
          () => Effect.provide(seedCatalog, pgClientLayer(db.url)).pipe(Effect.orDie)
        )
        assert.strictEqual(stopped.code, 0, output)
        assert.match(output, /"message":"stopping: draining","level":"INFO","timestamp":"[^"]+","annotations":\{"inFlight":1,/)
        assert.include(output, `"message":"drained"`)
        assert.lengthOf(sent, 1, "the lead got the reply")
        const rows = yield* Effect.flatMap(SqlClient.SqlClient, (sql) =>
          sql<{ status: string; content: string }>`SELECT status, content FROM messages WHERE message_from = 'BOT'`).pipe(Effect.provide(pgClientLayer(db.url)))
        assert.deepStrictEqual(rows, [{ status: "sent", content: GOOD_REPLY }])
      }).pipe(Effect.scoped))

    it.effect("a turn that outlasts SHUTDOWN_TIMEOUT is interrupted (its model call aborted) and the exit code is 1, with one line saying so", () =>
      Effect.gen(function*() {
        const db = yield* TestDatabase
        const { stopped, sent, output, aborted } = yield* stopMidTurn(
          { kind: "hang" },
          { DATABASE_URL: Redacted.value(db.url), SHUTDOWN_TIMEOUT: "1 s" },
          () => Effect.void
        )
        assert.strictEqual(stopped.code, 1, output)
        assert.isBelow(stopped.ms, 10_000)
        assert.lengthOf(sent, 0)
        assert.isAtLeast(aborted, 1)
        assert.strictEqual(
          output.trim().split("\n").at(-1),
          "Stopped with work unfinished: 1 turn(s) or inbox item(s) still running after SHUTDOWN_TIMEOUT (1s)"
        )
      }).pipe(Effect.scoped))
  })

  it.effect("embedded database: SIGTERM during a turn drains first, then the cluster stops (not in parallel): exit 0, reply sent", () =>
    Effect.gen(function*() {
      const dataDir = yield* Effect.acquireRelease(
        Effect.promise(() => mkdtemp(join(tmpdir(), "wa-drain-embedded-"))),
        (dir) =>
          Effect.promise(async () => {
            // a failed run may leave the postmaster behind
            const pid = Number((await readFile(join(dir, "pg", "postmaster.pid"), "utf8").catch(() => "")).split("\n")[0])
            if (pid > 0) process.kill(pid, "SIGINT")
            await rm(dir, { recursive: true, force: true })
          })
      )
      const seedEmbedded = (service: Service) =>
        Effect.gen(function*() {
          const port = [...service.output().matchAll(/"port":(\d+)/g)].map((m) => m[1]).at(-1)
          const password = yield* Effect.promise(() => readFile(join(dataDir, "pg-password"), "utf8"))
          yield* Effect.provide(seedCatalog, pgClientLayer(Redacted.make(`postgres://postgres:${password}@127.0.0.1:${port}/wa_sales`)))
        }).pipe(Effect.orDie)
      const { stopped, sent, output } = yield* stopMidTurn(
        { kind: "json", body: draft(GOOD_REPLY), delayMs: 1_500 },
        { DATABASE_URL: undefined, DATA_DIR: dataDir },
        seedEmbedded
      )
      assert.strictEqual(stopped.code, 0, output)
      assert.lengthOf(sent, 1, "the turn could still write: the database was up during the drain")
      const drained = output.indexOf(`"message":"drained"`)
      const dbStopped = output.indexOf(`"message":"embedded PostgreSQL stopped"`)
      assert.isAbove(drained, -1)
      assert.isAbove(dbStopped, drained, "the cluster stops after the drain")
      assert.isFalse(existsSync(join(dataDir, "pg", "postmaster.pid")))
    }).pipe(Effect.scoped), { timeout: 90_000 })
})
