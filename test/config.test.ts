import { spawnSync } from "node:child_process"
import { mkdtemp, readdir, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
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
      assert.strictEqual(c.inboxConsumers, 2)
      assert.strictEqual(c.whatsapp.apiBaseUrl, "https://graph.facebook.com/v23.0")
      assert.isTrue(Option.isNone(c.sqs))
      assert.deepStrictEqual(c.otel.signals, { traces: false, metrics: false, logs: false })
      assert.isTrue(Redacted.value(c.jwtSecret).length >= 32) // dev: generated and kept
    }))

  it.effect("reads values; GROQ_API_KEY works as the LLM key; seconds or duration text", () =>
    Effect.gen(function*() {
      const c = yield* load({
        PORT: "9001", GROQ_API_KEY: "gsk_test", LLM_TIMEOUT: "12", DEBOUNCE_QUIET: "250 ms",
        DEBOUNCE_MAX_WAIT: "2s", INBOX_CONSUMERS: "0", SQS_QUEUE_URL: "http://127.0.0.1:4566/000/inbox.fifo",
        WHATSAPP_PHONE_NUMBER_ID: "1090", WHATSAPP_APP_SECRET: "s3cret"
      }, ["--role=all"])
      assert.strictEqual(c.port, 9001)
      assert.strictEqual(Option.map(c.llm.apiKey, Redacted.value).pipe(Option.getOrNull), "gsk_test")
      assert.strictEqual(Duration.toMillis(c.llm.timeout), 12_000)
      assert.strictEqual(Duration.toMillis(c.debounce.quiet), 250)
      assert.strictEqual(Duration.toMillis(c.debounce.maxWait), 2_000)
      assert.strictEqual(c.inboxConsumers, 0)
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
        [{ APP_ENV: "production" }, "DATABASE_URL"],
        [{ APP_ENV: "production", DATABASE_URL: "postgres://db/x" }, "JWT_SECRET"],
        [{ JWT_SECRET: "short" }, "JWT_SECRET"],
        [{ ROLE: "api" }, "INTERNAL_SECRET"],
        [{ INTERNAL_SECRET: "0123456789abcdef0123" }, "INTERNAL_SECRET"], // 20 characters: at least 32
        [{ ROLE: "worker", INTERNAL_SECRET: "0123456789abcdef0123456789abcdef" }, "INTERNAL_API_URL"],
        [{ INTERNAL_PORT: "http" }, "INTERNAL_PORT"],
        [{ INBOX_CONSUMERS: "65" }, "INBOX_CONSUMERS"],
        [{ ROLE: "worker", INTERNAL_SECRET: "0123456789abcdef0123456789abcdef", INTERNAL_API_URL: "http://127.0.0.1:8001", SQS_QUEUE_URL: "http://127.0.0.1:4566/000/inbox.fifo", INBOX_CONSUMERS: "0" }, "INBOX_CONSUMERS"],
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

  describe("safe by default: production unless it is plainly a development machine", () => {
    const SECRETS = { JWT_SECRET: "j".repeat(32), SECRETS_KEY: "k".repeat(32) }
    const cases: Array<[string, Record<string, string>, string, string]> = [
      ["nothing set: development", {}, "development", "APP_ENV unset and no DATABASE_URL"],
      ["DATABASE_URL set, APP_ENV unset: production", { DATABASE_URL: "postgres://db/x", ...SECRETS }, "production", "APP_ENV unset and DATABASE_URL set"],
      ["NODE_ENV=production: production", { NODE_ENV: "production", DATABASE_URL: "postgres://db/x", ...SECRETS }, "production", "NODE_ENV=production"],
      ["NODE_ENV=production wins over APP_ENV", { NODE_ENV: "production", APP_ENV: "development", DATABASE_URL: "postgres://db/x", ...SECRETS }, "production", "NODE_ENV=production"],
      ["APP_ENV=development with a DATABASE_URL (a developer's own database)", { APP_ENV: "development", DATABASE_URL: "postgres://db/x" }, "development", "APP_ENV=development"],
      ["NODE_ENV=test changes nothing", { NODE_ENV: "test" }, "development", "APP_ENV unset and no DATABASE_URL"]
    ]
    for (const [name, env, environment, because] of cases) {
      it.effect(name, () =>
        Effect.gen(function*() {
          const c = yield* load(env)
          assert.strictEqual(c.environment, environment)
          assert.strictEqual(c.environmentBecause, because)
        }))
    }

    it.effect("production refuses to generate secrets or to run without DATABASE_URL, and says why it is production", () =>
      Effect.gen(function*() {
        const noDb = yield* failure({ NODE_ENV: "production", ...SECRETS })
        assert.strictEqual(noDb.message, "Invalid configuration: DATABASE_URL is required in production (NODE_ENV=production): the embedded database is for development only")
        const noJwt = yield* failure({ DATABASE_URL: "postgres://db/x" })
        assert.strictEqual(noJwt.variable, "JWT_SECRET")
        assert.include(noJwt.message, "APP_ENV unset and DATABASE_URL set")
        const noKey = yield* failure({ DATABASE_URL: "postgres://db/x", JWT_SECRET: SECRETS.JWT_SECRET })
        assert.strictEqual(noKey.variable, "SECRETS_KEY")
        // a worker has no database and signs nothing: production needs neither there
        const worker = yield* load({
          NODE_ENV: "production", ROLE: "worker", INTERNAL_SECRET: "i".repeat(32),
          INTERNAL_API_URL: "http://api:8001", SQS_QUEUE_URL: "https://sqs.eu-west-1.amazonaws.com/1/q.fifo"
        })
        assert.strictEqual(worker.environment, "production")
      }))

    it.live("production writes no generated key to DATA_DIR", () =>
      Effect.gen(function*() {
        const dataDir = yield* Effect.acquireRelease(
          Effect.promise(() => mkdtemp(join(tmpdir(), "wa-prod-config-"))),
          (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true }))
        )
        const c = yield* load({ DATABASE_URL: "postgres://db/x", ...SECRETS, DATA_DIR: dataDir })
        assert.strictEqual(Redacted.value(c.jwtSecret), SECRETS.JWT_SECRET)
        assert.deepStrictEqual(yield* Effect.promise(() => readdir(dataDir)), [])
        // development keeps generated ones there
        yield* load({ DATA_DIR: dataDir })
        assert.deepStrictEqual((yield* Effect.promise(() => readdir(dataDir))).sort(), ["jwt-secret", "secrets-key"])
      }).pipe(Effect.scoped))
  })

  it.effect("deployment settings: defaults, values, and one line naming the variable when bad", () =>
    Effect.gen(function*() {
      const d = yield* load({})
      assert.isTrue(d.migrateOnStart)
      assert.isTrue(Option.isNone(d.metricsPort))
      assert.isFalse(d.metricsWanted)
      assert.deepStrictEqual(d.corsOrigins, [])
      assert.strictEqual(Duration.toMillis(d.shutdownTimeout), 20_000)
      assert.deepStrictEqual(d.otel.sampler, { kind: "parentbased_always_on", ratio: 1 })
      assert.strictEqual(d.otel.protocol, "http/protobuf")
      assert.strictEqual(d.otel.serviceName, "wa-sales-agent")

      const c = yield* load({
        MIGRATE_ON_START: "false", METRICS_PORT: "9464", CORS_ORIGINS: "https://app.example.com, http://localhost:5173",
        SHUTDOWN_TIMEOUT: "45", OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.25",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector:4318/v1/traces", OTEL_RESOURCE_ATTRIBUTES: "service.name=wa-eu,team=sales%20eu"
      })
      assert.isFalse(c.migrateOnStart)
      assert.strictEqual(Option.getOrNull(c.metricsPort), 9464)
      assert.isTrue(c.metricsWanted)
      assert.deepStrictEqual(c.corsOrigins, ["https://app.example.com", "http://localhost:5173"])
      assert.strictEqual(Duration.toMillis(c.shutdownTimeout), 45_000)
      assert.deepStrictEqual(c.otel.sampler, { kind: "parentbased_traceidratio", ratio: 0.25 })
      assert.deepStrictEqual(c.otel.signals, { traces: true, metrics: false, logs: false })
      assert.strictEqual(c.otel.serviceName, "wa-eu")
      assert.strictEqual(c.otel.resourceAttributes.team, "sales eu")
      assert.strictEqual(c.otel.resourceAttributes["deployment.environment.name"], "development")
      assert.deepStrictEqual((yield* load({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_SDK_DISABLED: "TRUE" })).otel.signals, {
        traces: false, metrics: false, logs: false
      })
      assert.deepStrictEqual((yield* load({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_LOGS_EXPORTER: "none" })).otel.signals, {
        traces: true, metrics: true, logs: false
      })

      const cases: Array<[Record<string, string>, string]> = [
        [{ MIGRATE_ON_START: "maybe" }, "MIGRATE_ON_START"],
        [{ METRICS_PORT: "8000" }, "METRICS_PORT"],
        [{ CORS_ORIGINS: "*" }, "CORS_ORIGINS"],
        [{ CORS_ORIGINS: "https://app.example.com/dashboard" }, "CORS_ORIGINS"],
        [{ SHUTDOWN_TIMEOUT: "soon" }, "SHUTDOWN_TIMEOUT"],
        [{ OTEL_TRACES_SAMPLER: "jaeger_remote" }, "OTEL_TRACES_SAMPLER"],
        [{ OTEL_TRACES_SAMPLER_ARG: "1.5" }, "OTEL_TRACES_SAMPLER_ARG"],
        [{ OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }, "OTEL_EXPORTER_OTLP_PROTOCOL"],
        [{ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json" }, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"],
        [{ OTEL_SDK_DISABLED: "yes please" }, "OTEL_SDK_DISABLED"],
        [{ OTEL_TRACES_EXPORTER: "zipkin" }, "OTEL_TRACES_EXPORTER"],
        [{ OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: "collector:4318" }, "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"],
        [{ OTEL_METRIC_EXPORT_INTERVAL: "often" }, "OTEL_METRIC_EXPORT_INTERVAL"],
        [{ OTEL_RESOURCE_ATTRIBUTES: "team=%E0%A4%A" }, "OTEL_RESOURCE_ATTRIBUTES"],
        [{ AWS_ACCESS_KEY_ID: "AKIA0000" }, "AWS_SECRET_ACCESS_KEY"],
        [{ AWS_SECRET_ACCESS_KEY: "shh" }, "AWS_ACCESS_KEY_ID"]
      ]
      for (const [env, variable] of cases) {
        const e = yield* failure(env)
        assert.strictEqual(e.variable, variable, JSON.stringify(env))
      }
      // header values are credentials: never echoed
      const headers = yield* failure({ OTEL_EXPORTER_OTLP_HEADERS: "api key=hunter2" })
      assert.strictEqual(headers.variable, "OTEL_EXPORTER_OTLP_HEADERS")
      assert.notInclude(headers.message, "hunter2")
      const encoding = yield* failure({ OTEL_EXPORTER_OTLP_TRACES_HEADERS: "x-key=hunter2%zz" })
      assert.notInclude(encoding.message, "hunter2")
    }))

  it.effect("AWS: the region from AWS_REGION, else the queue URL; explicit keys (with a session token) only when given", () =>
    Effect.gen(function*() {
      const sqs = (env: Record<string, string>) => Effect.map(load({ SQS_QUEUE_URL: "https://sqs.eu-west-1.amazonaws.com/123456789012/inbox.fifo", ...env }), (c) => Option.getOrThrow(c.sqs))
      const chain = yield* sqs({})
      assert.strictEqual(Option.getOrNull(chain.region), "eu-west-1")
      assert.isTrue(Option.isNone(chain.credentials)) // the SDK's default provider chain
      assert.strictEqual(Option.getOrNull((yield* sqs({ AWS_REGION: "eu-central-1" })).region), "eu-central-1")
      const keys = Option.getOrThrow((yield* sqs({ AWS_ACCESS_KEY_ID: "ASIA0000", AWS_SECRET_ACCESS_KEY: "s", AWS_SESSION_TOKEN: "t" })).credentials)
      assert.strictEqual(keys.accessKeyId, "ASIA0000")
      assert.strictEqual(Option.map(keys.sessionToken, Redacted.value).pipe(Option.getOrNull), "t")
      // a queue URL that names no region, no AWS_REGION: left to the SDK (AWS_PROFILE's region); an emulator: us-east-1
      const custom = (env: Record<string, string>) => Effect.map(load({ SQS_QUEUE_URL: "http://127.0.0.1:4566/000/inbox.fifo", ...env }), (c) => Option.getOrThrow(c.sqs).region)
      assert.isTrue(Option.isNone(yield* custom({})))
      assert.strictEqual(Option.getOrNull(yield* custom({ AWS_ENDPOINT_URL: "http://127.0.0.1:4566" })), "us-east-1")
    }))

  it("production without DATABASE_URL refuses to start with one line", () => {
    const run = spawnSync(process.execPath, ["src/main.ts"], {
      env: { ...process.env, NODE_ENV: "production", APP_ENV: "", DATABASE_URL: "", JWT_SECRET: "j".repeat(32), SECRETS_KEY: "k".repeat(32) },
      encoding: "utf8",
      timeout: 20_000
    })
    assert.strictEqual(run.status, 1)
    const lines = run.stderr.trim().split("\n")
    assert.lengthOf(lines, 1, run.stderr)
    assert.strictEqual(lines[0], "Invalid configuration: DATABASE_URL is required in production (NODE_ENV=production): the embedded database is for development only")
  })

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
