/**
 * Every setting of SPEC §3, read once at start-up. Secrets stay `Redacted`.
 * A bad value fails with one `InvalidConfig` naming the variable.
 */
import { randomBytes } from "node:crypto"
import { Context, Duration, Effect, Layer, Option, Redacted } from "effect"
import { devJwtSecret, devSecretsKey } from "./devSecret.ts"
import { type Environment, Environments, resolveEnvironment } from "./environment.ts"
import {
  decimal,
  duration,
  httpUrl,
  integer,
  invalid,
  oneOf,
  optional,
  parse,
  port,
  postgresUrl,
  proxyHops,
  required,
  secret,
  text,
  withDefault
} from "./read.ts"
import { boolean, originList } from "./values.ts"
import { readSqs, type SqsConfig } from "./aws.ts"
import { readTelemetry, type TelemetryConfig } from "./telemetry.ts"

/** What this process runs (ROLE): everything, the API only, or a worker; not a user's role (domain/enums.ts). */
export const ProcessRoles = ["all", "api", "worker"] as const
export type ProcessRole = (typeof ProcessRoles)[number]

export { type Environment, Environments }

export interface WhatsAppQuickSetup {
  readonly phoneNumberId: string
  readonly accessToken: Option.Option<Redacted.Redacted>
  readonly appSecret: Option.Option<Redacted.Redacted>
  readonly verifyToken: Option.Option<Redacted.Redacted>
}

export interface AppConfigShape {
  readonly environment: Environment
  /** Why this environment (for messages): "NODE_ENV=production", "APP_ENV unset and DATABASE_URL set" … */
  readonly environmentBecause: string
  readonly role: ProcessRole
  /**
   * ENGINE_THREAD (role `all`): the engine, the inbox consumers and the follow-ups run on a thread
   * of their own (src/lifecycle/engineThread.ts), so webhooks and the dashboard are answered on an
   * event loop the turns never hold up.
   */
  readonly engineThread: boolean
  readonly port: number
  /** Reverse proxies in front of the app (TRUST_PROXY): 0 ignores X-Forwarded-For (src/http/clientAddress.ts). */
  readonly trustProxy: number
  readonly dataDir: string
  /** Unset → embedded PostgreSQL under `${dataDir}/pg`. */
  readonly databaseUrl: Option.Option<Redacted.Redacted>
  /** The connection pool: its size, and how long a connection attempt or one statement may take. */
  readonly db: { readonly poolSize: number; readonly connectTimeout: Duration.Duration; readonly statementTimeout: Duration.Duration }
  /** MIGRATE_ON_START: apply pending migrations at start (else refuse to start while any is pending). */
  readonly migrateOnStart: boolean
  /** Raw webhook deliveries (personal data) are deleted this long after they were processed. */
  readonly inboxRetention: Duration.Duration
  readonly llm: {
    readonly apiKey: Option.Option<Redacted.Redacted>
    readonly baseUrl: string
    readonly model: string
    readonly maxTokens: number
    readonly temperature: number
    readonly timeout: Duration.Duration
    /** json_schema (strict structured output), or json_object for providers without it. */
    readonly responseFormat: "json_schema" | "json_object"
  }
  /** Human Thinking Layer: speculative Generate (auto: while Decide mostly says SEND_NOW). */
  readonly htl: { readonly speculative: "auto" | "on" | "off"; readonly minConfidence: number }
  readonly whatsapp: {
    readonly apiBaseUrl: string
    readonly quickSetup: Option.Option<WhatsAppQuickSetup>
    /** Graph API calls per second per business number (Meta's default throughput is 80; upgraded numbers 1,000). */
    readonly sendRate: number
    /** Bad webhook signatures one client address may send to one route per window (0: no limit). */
    readonly badSignatures: { readonly limit: number; readonly window: Duration.Duration }
  }
  readonly sqs: Option.Option<SqsConfig>
  readonly jwtSecret: Redacted.Redacted
  /** Encrypts channel secrets at rest (AES-256-GCM); dev keeps a generated one in DATA_DIR. */
  readonly secretsKey: Redacted.Redacted
  readonly internalSecret: Option.Option<Redacted.Redacted>
  /** The internal API's own listener (roles `all`/`api`, with INTERNAL_SECRET): never the public PORT. */
  readonly internalPort: number
  readonly internalApiUrl: Option.Option<string>
  readonly debounce: { readonly quiet: Duration.Duration; readonly maxWait: Duration.Duration }
  /**
   * Inbox consumer loops in this process (roles `all` and `worker`), each taking up to 128
   * deliveries at a time; 0 (role `all` only): this process takes webhooks and runs turns but
   * stores no delivery — another process on the same database consumes the inbox.
   */
  readonly inboxConsumers: number
  readonly engine: {
    readonly turnConcurrency: number
    readonly actorIdleTtl: Duration.Duration
    /** a conversation's lease lapses this long after its owner's last renewal (renewed every third of it) */
    readonly leaseTtl: Duration.Duration
    /** how often unanswered conversations nobody holds are looked for and resumed */
    readonly recoverySweep: Duration.Duration
  }
  readonly otel: TelemetryConfig
  /** METRICS_PORT: Prometheus `GET /metrics` on its own listener (unset: none). */
  readonly metricsPort: Option.Option<number>
  /** Gauges that cost a query (inbox depth, overdue handoffs) are sampled only when someone reads metrics. */
  readonly metricsWanted: boolean
  /** CORS_ORIGINS: origins whose browsers may call the dashboard API (unset: same origin only). */
  readonly corsOrigins: ReadonlyArray<string>
  /** SHUTDOWN_TIMEOUT: how long SIGTERM waits for running turns and inbox items before stopping anyway. */
  readonly shutdownTimeout: Duration.Duration
  readonly logLevel: "trace" | "debug" | "info" | "warn" | "error"
  readonly logFormat: "json" | "logfmt" | "pretty"
}

export const DEFAULT_LLM_BASE_URL = "https://api.groq.com/openai/v1"
export const DEFAULT_GRAPH_API_BASE_URL = "https://graph.facebook.com/v23.0"

/** `--role=worker` on the command line wins over `ROLE`. */
const roleFromArgv = (argv: ReadonlyArray<string>): Option.Option<string> =>
  Option.fromNullishOr(argv.find((a) => a.startsWith("--role="))?.slice("--role=".length))

const load = (argv: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const { environment, because } = yield* resolveEnvironment
    const isDev = environment !== "production"
    const roleArg = roleFromArgv(argv)
    const role = Option.isSome(roleArg)
      ? yield* parse("--role", roleArg.value, oneOf(ProcessRoles))
      : yield* withDefault("ROLE", oneOf(ProcessRoles), "all")
    const dataDir = yield* withDefault("DATA_DIR", text, ".data")

    const llmApiKey = yield* secret("LLM_API_KEY")
    const groqApiKey = yield* secret("GROQ_API_KEY")
    const llm = {
      apiKey: Option.orElse(llmApiKey, () => groqApiKey),
      baseUrl: yield* withDefault("LLM_BASE_URL", httpUrl, DEFAULT_LLM_BASE_URL),
      model: yield* withDefault("LLM_MODEL", text, "llama-3.3-70b-versatile"),
      maxTokens: yield* withDefault("LLM_MAX_TOKENS", integer(1, 32_768), 500),
      temperature: yield* withDefault("LLM_TEMPERATURE", decimal(0, 2), 0.3),
      timeout: yield* withDefault("LLM_TIMEOUT", duration, Duration.seconds(30)),
      responseFormat: yield* withDefault("LLM_RESPONSE_FORMAT", oneOf(["json_schema", "json_object"]), "json_schema")
    }
    const htl = {
      speculative: yield* withDefault("HTL_SPECULATIVE", oneOf(["auto", "on", "off"]), "auto"),
      minConfidence: yield* withDefault("HTL_MIN_CONFIDENCE", decimal(0, 1), 0.5)
    }

    const phoneNumberId = yield* optional("WHATSAPP_PHONE_NUMBER_ID", text)
    const accessToken = yield* secret("WHATSAPP_ACCESS_TOKEN")
    const appSecret = yield* secret("WHATSAPP_APP_SECRET")
    const verifyToken = yield* secret("WHATSAPP_VERIFY_TOKEN")
    if (Option.isNone(phoneNumberId) && [accessToken, appSecret, verifyToken].some(Option.isSome)) {
      yield* required("WHATSAPP_PHONE_NUMBER_ID", phoneNumberId, "when any other WHATSAPP_* credential is set")
    }
    const whatsapp = {
      apiBaseUrl: yield* withDefault("WHATSAPP_API_BASE_URL", httpUrl, DEFAULT_GRAPH_API_BASE_URL),
      quickSetup: Option.map(phoneNumberId, (id) => ({ phoneNumberId: id, accessToken, appSecret, verifyToken })),
      sendRate: yield* withDefault("WHATSAPP_SEND_RATE", integer(1, 10_000), 80),
      badSignatures: {
        limit: yield* withDefault("WEBHOOK_BAD_SIGNATURE_LIMIT", integer(0, 1_000_000), 20),
        window: yield* withDefault("WEBHOOK_BAD_SIGNATURE_WINDOW", duration, Duration.minutes(1))
      }
    }

    const sqs = yield* readSqs

    /** A secret that development generates and keeps in DATA_DIR, and production must be given. */
    const devKeptSecret = <E>(name: string, generate: Effect.Effect<Redacted.Redacted, E>) =>
      Effect.gen(function*() {
        const configured = yield* secret(name, { minLength: 32 })
        if (Option.isSome(configured)) return configured.value
        // a worker signs no tokens and opens no channel secrets: nothing to keep, nothing to require
        if (role === "worker") return Redacted.make(randomBytes(32).toString("base64url"))
        return isDev ? yield* generate : yield* required(name, configured, `in production (${because}); nothing is generated outside development`)
      })
    // a worker never connects to the database, whatever the environment says
    const databaseUrl = role === "worker" ? Option.none() : yield* optional("DATABASE_URL", postgresUrl)
    if (!isDev && role !== "worker") {
      yield* required("DATABASE_URL", databaseUrl, `in production (${because}): the embedded database is for development only`)
    }
    const jwtSecret = yield* devKeptSecret("JWT_SECRET", devJwtSecret(dataDir))
    const secretsKey = yield* devKeptSecret("SECRETS_KEY", devSecretsKey(dataDir))

    const internalSecret = yield* secret("INTERNAL_SECRET", { minLength: 32 })
    if (role !== "all") yield* required("INTERNAL_SECRET", internalSecret, `when ROLE is ${role}`)
    const httpPort = yield* withDefault("PORT", port, 8000)
    const internalPort = yield* withDefault("INTERNAL_PORT", port, 8001)
    if (role !== "worker" && Option.isSome(internalSecret) && internalPort === httpPort) {
      yield* invalid("INTERNAL_PORT", `must differ from PORT (${httpPort}): the internal API never listens on the public port`)
    }
    const internalApiUrl = yield* optional("INTERNAL_API_URL", httpUrl)
    if (role === "worker") yield* required("INTERNAL_API_URL", internalApiUrl, "when ROLE is worker")
    // split roles share work through SQS: a worker has no database, so no Postgres inbox
    if (role !== "all" && Option.isNone(sqs)) yield* required("SQS_QUEUE_URL", sqs, `when ROLE is ${role}`)

    const metricsPort = yield* optional("METRICS_PORT", port)
    if (Option.exists(metricsPort, (p) => p === httpPort || (role !== "worker" && Option.isSome(internalSecret) && p === internalPort))) {
      yield* invalid("METRICS_PORT", "must differ from PORT and INTERNAL_PORT (the operator's listener is a port of its own)")
    }
    const otel = yield* readTelemetry(environment)

    const quiet = yield* withDefault("DEBOUNCE_QUIET", duration, Duration.seconds(5))
    const maxWait = yield* withDefault("DEBOUNCE_MAX_WAIT", duration, Duration.seconds(20))
    if (Duration.isLessThan(maxWait, quiet)) {
      yield* invalid("DEBOUNCE_MAX_WAIT", "must not be shorter than DEBOUNCE_QUIET")
    }
    const inboxConsumers = yield* withDefault("INBOX_CONSUMERS", integer(0, 64), 2)
    if (inboxConsumers === 0 && role === "worker") {
      yield* invalid("INBOX_CONSUMERS", "must be at least 1 when ROLE is worker (a worker's work is the inbox)")
    }

    return {
      environment,
      environmentBecause: because,
      role,
      engineThread: yield* withDefault("ENGINE_THREAD", boolean, true),
      port: httpPort,
      trustProxy: yield* withDefault("TRUST_PROXY", proxyHops, 0),
      dataDir,
      databaseUrl,
      db: {
        poolSize: yield* withDefault("DB_POOL_SIZE", integer(1, 500), 20),
        connectTimeout: yield* withDefault("DB_CONNECT_TIMEOUT", duration, Duration.seconds(5)),
        statementTimeout: yield* withDefault("DB_STATEMENT_TIMEOUT", duration, Duration.seconds(30))
      },
      migrateOnStart: yield* withDefault("MIGRATE_ON_START", boolean, true),
      inboxRetention: yield* withDefault("INBOX_RETENTION", duration, Duration.days(7)),
      llm,
      htl,
      whatsapp,
      sqs,
      jwtSecret,
      secretsKey,
      internalSecret,
      internalPort,
      internalApiUrl,
      debounce: { quiet, maxWait },
      inboxConsumers,
      engine: {
        turnConcurrency: yield* withDefault("TURN_CONCURRENCY", integer(1, 1000), 16),
        actorIdleTtl: yield* withDefault("ACTOR_IDLE_TTL", duration, Duration.minutes(10)),
        leaseTtl: yield* withDefault("LEASE_TTL", duration, Duration.seconds(30)),
        recoverySweep: yield* withDefault("RECOVERY_SWEEP", duration, Duration.seconds(60))
      },
      otel,
      metricsPort,
      metricsWanted: otel.signals.metrics || Option.isSome(metricsPort),
      corsOrigins: yield* withDefault("CORS_ORIGINS", originList, []),
      shutdownTimeout: yield* withDefault("SHUTDOWN_TIMEOUT", duration, Duration.seconds(20)),
      logLevel: yield* withDefault("LOG_LEVEL", oneOf(["trace", "debug", "info", "warn", "error"]), "info"),
      logFormat: yield* withDefault("LOG_FORMAT", oneOf(["json", "logfmt", "pretty"]), "json")
    } satisfies AppConfigShape
  })

export class AppConfig extends Context.Service<AppConfig, AppConfigShape>()("wa/AppConfig") {
  /** Reads the environment (through the current ConfigProvider) and the `--role=` flag. */
  static readonly layerFrom = (argv: ReadonlyArray<string>) => Layer.effect(AppConfig, Effect.map(load(argv), AppConfig.of))
  static readonly layer = AppConfig.layerFrom(process.argv.slice(2))
}
