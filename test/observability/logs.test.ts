/**
 * Logs joined to traces: a line written inside a span carries that span's trace_id and span_id
 * (the ids the OTLP export has), in every log format; a line outside any span carries none.
 */
import { spawnSync } from "node:child_process"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { afterAll } from "vitest"
import { otlpReceiver } from "../support/otlpReceiver.ts"
import { spansOf } from "../support/otlpSpans.ts"
import { killAll, startService } from "../support/processes.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

const HEX32 = /^[0-9a-f]{32}$/
const HEX16 = /^[0-9a-f]{16}$/

const dbUrl = (db: TestDatabase["Service"]) => Redacted.value(db.url)

describe("logs joined to traces", () => {
  afterAll(killAll)

  it.layer(TestDatabase.layer, { excludeTestServices: true, timeout: "60 seconds" })((it) => {
    it.effect("JSON lines inside a span have trace_id and span_id of an exported span; lines outside have none", () =>
      Effect.gen(function*() {
        const receiver = yield* otlpReceiver
        const db = yield* TestDatabase
        const service = yield* Effect.promise(() =>
          startService({
            DATABASE_URL: dbUrl(db),
            LOG_FORMAT: "json",
            OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
            OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
            OTEL_LOGS_EXPORTER: "none"
          })
        )
        yield* Effect.promise(() => service.waitHealthy())
        for (const path of ["/health", "/health/live", "/health/ready", "/nope"]) yield* Effect.promise(() => fetch(`http://127.0.0.1:${service.port}${path}`).then((r) => r.text()))
        assert.strictEqual((yield* Effect.promise(() => service.stop("SIGTERM"))).code, 0)

        const lines = service.output().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>)
        // the access log line is written inside the request's server span
        const access = lines.filter((l) => l.message === "Sent HTTP response")
        assert.isAtLeast(access.length, 4)
        const spans = spansOf(receiver.exports)
        for (const line of access) {
          assert.match(String(line.trace_id), HEX32)
          assert.match(String(line.span_id), HEX16)
          const span = spans.find((s) => s.spanId === line.span_id)
          assert.isDefined(span, `span ${String(line.span_id)} of a log line was exported`)
          assert.strictEqual(span?.traceId, line.trace_id)
        }
        // start-up lines outside any span: no ids
        const listening = lines.find((l) => typeof l.message === "string" && l.message.startsWith("Listening on"))
        assert.isDefined(listening)
        assert.notProperty(listening, "trace_id")
      }).pipe(Effect.scoped))

    it.effect("logfmt lines inside a span end with trace_id=… span_id=…", () =>
      Effect.gen(function*() {
        const db = yield* TestDatabase
        const service = yield* Effect.promise(() => startService({ DATABASE_URL: dbUrl(db), LOG_FORMAT: "logfmt" }))
        yield* Effect.promise(() => service.waitHealthy())
        assert.strictEqual((yield* Effect.promise(() => service.stop("SIGTERM"))).code, 0)
        const access = service.output().split("\n").filter((l) => l.includes(`message="Sent HTTP response"`))
        assert.isAtLeast(access.length, 1)
        for (const line of access) assert.match(line, / trace_id=[0-9a-f]{32} span_id=[0-9a-f]{16}$/)
      }))
  })
})

describe("log lines are written together", () => {
  it("in order, and those of the last turn before the process exits are not lost", () => {
    const script = [
      `import { Effect, Logger } from "effect"`,
      `import { loggers } from "./src/observability/Logging.ts"`,
      `const lines = Effect.forEach(Array.from({ length: 1000 }, (_, i) => i), (i) => Effect.logInfo(\`line \${i}\`), { discard: true })`,
      `Effect.runSync(lines.pipe(Effect.provide(Logger.layer([loggers.json]))))`,
      `process.exit(3)`
    ].join("\n")
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" })
    assert.strictEqual(run.status, 3, run.stderr)
    const messages = run.stdout.trim().split("\n").map((l) => (JSON.parse(l) as { message: string }).message)
    assert.deepStrictEqual(messages, Array.from({ length: 1000 }, (_, i) => `line ${i}`))
  })
})
