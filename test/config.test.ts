import { spawnSync } from "node:child_process"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Option, Redacted } from "effect"
import { AppConfig } from "../src/config/AppConfig.ts"

const load = (env: Record<string, string>, argv: ReadonlyArray<string> = []) =>
  Effect.provide(AppConfig, AppConfig.layerFrom(argv)).pipe(
    Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ DATA_DIR: ".data/test", ...env })))
  )

const failure = (env: Record<string, string>, argv: ReadonlyArray<string> = []) =>
  load(env, argv).pipe(Effect.flip, Effect.map((e) => ({ variable: e.variable, message: e.message })))

describe("configuration", () => {
  it.effect("defaults match SPEC §3", () =>
    Effect.gen(function*() {
      const c = yield* load({})
      assert.strictEqual(c.port, 8000)
      assert.strictEqual(c.internalPort, 8001)
      assert.strictEqual(c.role, "all")
      assert.isTrue(Option.isNone(c.databaseUrl))
      assert.isTrue(Option.isNone(c.llm.apiKey))
      assert.strictEqual(c.llm.model, "llama-3.3-70b-versatile")
      assert.strictEqual(c.llm.maxTokens, 500)
      assert.strictEqual(c.llm.temperature, 0.3)
      assert.strictEqual(Duration.toMillis(c.llm.timeout), 30_000)
      assert.strictEqual(Duration.toMillis(c.debounce.quiet), 5_000)
      assert.strictEqual(Duration.toMillis(c.debounce.maxWait), 20_000)
      assert.strictEqual(c.whatsapp.apiBaseUrl, "https://graph.facebook.com/v23.0")
      assert.isTrue(Option.isNone(c.sqs))
      assert.isTrue(Option.isNone(c.otel.endpoint))
      assert.isTrue(Redacted.value(c.jwtSecret).length >= 32) // dev: generated and kept
    }))

  it.effect("reads values; GROQ_API_KEY works as the LLM key; seconds or duration text", () =>
    Effect.gen(function*() {
      const c = yield* load({
        PORT: "9001", GROQ_API_KEY: "gsk_test", LLM_TIMEOUT: "12", DEBOUNCE_QUIET: "250 ms",
        DEBOUNCE_MAX_WAIT: "2s", SQS_QUEUE_URL: "http://127.0.0.1:4566/000/inbox.fifo",
        WHATSAPP_PHONE_NUMBER_ID: "1090", WHATSAPP_APP_SECRET: "s3cret"
      }, ["--role=all"])
      assert.strictEqual(c.port, 9001)
      assert.strictEqual(Option.map(c.llm.apiKey, Redacted.value).pipe(Option.getOrNull), "gsk_test")
      assert.strictEqual(Duration.toMillis(c.llm.timeout), 12_000)
      assert.strictEqual(Duration.toMillis(c.debounce.quiet), 250)
      assert.strictEqual(Duration.toMillis(c.debounce.maxWait), 2_000)
      assert.strictEqual(Option.getOrNull(c.sqs)?.queueUrl, "http://127.0.0.1:4566/000/inbox.fifo")
      const quick = Option.getOrThrow(c.whatsapp.quickSetup)
      assert.strictEqual(quick.phoneNumberId, "1090")
      assert.strictEqual(String(Option.getOrThrow(quick.appSecret)), "<redacted>")
    }))

  it.effect("each bad value names its variable", () =>
    Effect.gen(function*() {
      const cases: Array<[Record<string, string>, string]> = [
        [{ PORT: "abc" }, "PORT"],
        [{ PORT: "70000" }, "PORT"],
        [{ LLM_TEMPERATURE: "hot" }, "LLM_TEMPERATURE"],
        [{ LLM_MAX_TOKENS: "0" }, "LLM_MAX_TOKENS"],
        [{ LLM_TIMEOUT: "soon" }, "LLM_TIMEOUT"],
        [{ LLM_BASE_URL: "ftp://x" }, "LLM_BASE_URL"],
        [{ ROLE: "boss" }, "ROLE"],
        [{ APP_ENV: "staging" }, "APP_ENV"],
        [{ DEBOUNCE_QUIET: "10 s", DEBOUNCE_MAX_WAIT: "5 s" }, "DEBOUNCE_MAX_WAIT"],
        [{ WHATSAPP_ACCESS_TOKEN: "tok" }, "WHATSAPP_PHONE_NUMBER_ID"],
        [{ APP_ENV: "production" }, "JWT_SECRET"],
        [{ JWT_SECRET: "short" }, "JWT_SECRET"],
        [{ ROLE: "api" }, "INTERNAL_SECRET"],
        [{ INTERNAL_SECRET: "0123456789abcdef0123" }, "INTERNAL_SECRET"], // 20 characters: at least 32
        [{ ROLE: "worker", INTERNAL_SECRET: "0123456789abcdef0123456789abcdef" }, "INTERNAL_API_URL"],
        [{ INTERNAL_PORT: "http" }, "INTERNAL_PORT"],
        [{ INTERNAL_SECRET: "0123456789abcdef0123456789abcdef", PORT: "9000", INTERNAL_PORT: "9000" }, "INTERNAL_PORT"],
        [{ OTEL_EXPORTER_OTLP_ENDPOINT: "not a url" }, "OTEL_EXPORTER_OTLP_ENDPOINT"]
      ]
      for (const [env, variable] of cases) {
        const e = yield* failure(env)
        assert.strictEqual(e.variable, variable, JSON.stringify(env))
        assert.include(e.message, variable)
      }
      assert.strictEqual((yield* failure({}, ["--role=boss"])).variable, "--role")
    }))

  it.effect("INTERNAL_PORT is read; only a process serving the internal API needs it apart from PORT", () =>
    Effect.gen(function*() {
      const secret = "0123456789abcdef0123456789abcdef"
      const api = yield* load({ ROLE: "api", INTERNAL_SECRET: secret, INTERNAL_PORT: "9101", SQS_QUEUE_URL: "http://127.0.0.1:4566/000/inbox.fifo" })
      assert.strictEqual(api.internalPort, 9101)
      // a worker serves no internal API: its PORT may be anything
      const worker = yield* load({
        ROLE: "worker", PORT: "8001", INTERNAL_SECRET: secret,
        INTERNAL_API_URL: "http://api:8001", SQS_QUEUE_URL: "http://127.0.0.1:4566/000/inbox.fifo"
      })
      assert.strictEqual(worker.port, 8001)
      const short = yield* failure({ INTERNAL_SECRET: "0123456789abcdef0123" })
      assert.strictEqual(short.message, "Invalid configuration: INTERNAL_SECRET must be at least 32 characters long")
    }))

  it.effect("errors never echo secrets", () =>
    Effect.gen(function*() {
      const e = yield* failure({ DATABASE_URL: "mysql://admin:hunter2@db/x" })
      assert.strictEqual(e.variable, "DATABASE_URL")
      assert.notInclude(e.message, "hunter2")
      const jwt = yield* failure({ JWT_SECRET: "hunter2" })
      assert.notInclude(jwt.message, "hunter2")
    }))

  it("a bad value stops start-up with one line naming the variable", () => {
    const run = spawnSync(process.execPath, ["src/main.ts"], {
      env: { ...process.env, PORT: "not-a-port", DATABASE_URL: "" },
      encoding: "utf8",
      timeout: 20_000
    })
    assert.strictEqual(run.status, 1)
    const lines = run.stderr.trim().split("\n")
    assert.lengthOf(lines, 1, run.stderr)
    assert.match(lines[0] ?? "", /^Invalid configuration: PORT must be an integer from 1 to 65535, got "not-a-port"$/)
  })
})
