/**
 * `npm run chat` driven non-interactively: a real development server, the chat script as a child
 * process with piped stdin, and what it prints. Everything stays on 127.0.0.1.
 */
import { spawn } from "node:child_process"
import { once } from "node:events"
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { afterEach } from "vitest"
import { analysis, decision, draft, summary } from "../support/htlFixtures.ts"
import { startFakeLlm } from "../support/fakeLlm.ts"
import { freePort, killAll, startService } from "../support/processes.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

/** No credentials or endpoints from the developer's environment reach the child processes. */
const isolated = {
  APP_ENV: "development",
  DEBOUNCE_QUIET: "200 millis",
  LLM_API_KEY: undefined,
  GROQ_API_KEY: undefined,
  LLM_BASE_URL: undefined,
  WHATSAPP_PHONE_NUMBER_ID: undefined,
  WHATSAPP_ACCESS_TOKEN: undefined,
  WHATSAPP_APP_SECRET: undefined,
  WHATSAPP_VERIFY_TOKEN: undefined,
  SQS_QUEUE_URL: undefined,
  OTEL_EXPORTER_OTLP_ENDPOINT: undefined,
  ROLE: undefined,
  CHAT_URL: undefined,
  CHAT_FROM: undefined
}

/** Runs `node scripts/chat.ts`, types `lines` and ends stdin; resolves with its exit code and output. */
const chat = (env: Record<string, string>, lines: ReadonlyArray<string>) =>
  Effect.promise(async () => {
    const child = spawn(process.execPath, ["scripts/chat.ts"], { env: { ...process.env, ...isolated, ...env }, stdio: ["pipe", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    const exited = once(child, "exit")
    child.stdin.end(lines.map((l) => `${l}\n`).join(""))
    const timer = setTimeout(() => child.kill("SIGKILL"), 25_000)
    await exited
    clearTimeout(timer)
    return { code: child.exitCode, stdout, stderr }
  })

const tempDir = Effect.acquireRelease(
  Effect.promise(() => mkdtemp(join(tmpdir(), "wa-chat-"))),
  (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true }))
)

/** A development server on the test database and `dataDir`; stopped when the scope closes. */
const serve = (databaseUrl: Redacted.Redacted, dataDir: string, env: Record<string, string> = {}) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const service = await startService({ ...isolated, DATABASE_URL: Redacted.value(databaseUrl), DATA_DIR: dataDir, ...env })
      await service.waitHealthy()
      return { service, chatEnv: { DATA_DIR: dataDir, PORT: String(service.port), CHAT_WAIT: "20" } }
    }),
    ({ service }) => Effect.promise(() => service.stop("SIGTERM"))
  )

const sandboxFile = (dataDir: string) => Effect.promise(async () => {
  const file = join(dataDir, "sandbox.json")
  return { mode: (await stat(file)).mode & 0o777, contents: JSON.parse(await readFile(file, "utf8")) }
})

describe("npm run chat", () => {
  afterEach(killAll)

  it.layer(TestDatabase.layer, { excludeTestServices: true })((it) => {
    it.effect("without an LLM key: the lead's message is handed to a human", () =>
      Effect.gen(function*() {
        const dataDir = yield* tempDir
        const { service, chatEnv } = yield* serve((yield* TestDatabase).url, dataDir)
        const file = yield* sandboxFile(dataDir)
        assert.strictEqual(file.mode, 0o600)
        assert.deepStrictEqual(Object.keys(file.contents).sort(), ["appSecret", "channelId", "email", "organizationId", "password", "phoneNumberId"])
        assert.notInclude(service.output(), file.contents.appSecret)
        assert.notInclude(service.output(), file.contents.password)

        const run = yield* chat({ ...chatEnv, CHAT_NAME: "Ana" }, ["hello"])
        assert.strictEqual(run.code, 0, run.stdout + run.stderr)
        assert.include(run.stdout, "· decided HANDOFF_HUMAN")
        assert.match(run.stdout, /· handed to a human — llm_not_configured/)
        // the lead is told, in their language, that a person will reply (the notice is a BOT message)
        assert.include(run.stdout, "bot › Thanks! A colleague from our team will reply here shortly.")
      }).pipe(Effect.scoped), { timeout: 60_000 })

    it.effect("with an LLM: the bot's reply and its decision (after a restart: same sandbox channel and app secret)", () =>
      Effect.gen(function*() {
        const db = yield* TestDatabase
        const reply = "Hi Ana! Happy to help. What are you looking for today?"
        const llm = yield* startFakeLlm({
          analyze: () => ({ kind: "json", body: analysis({ stage: "greeting", query: "", intent: "low" }) }),
          decide: () => ({ kind: "json", body: decision("SEND_NOW", { why: "A greeting deserves a friendly answer" }) }),
          generate: () => ({ kind: "json", body: draft(reply) }),
          summarize: () => ({ kind: "json", body: summary("Ana said hello.") })
        })
        const dataDir = yield* tempDir
        const before = yield* serve(db.url, dataDir).pipe(Effect.andThen(sandboxFile(dataDir)), Effect.map((f) => f.contents), Effect.scoped)
        // restarted, now with an LLM
        const { chatEnv } = yield* serve(db.url, dataDir, { LLM_API_KEY: "sk-fake", LLM_BASE_URL: llm.url, HTL_SPECULATIVE: "off" })
        const after = (yield* sandboxFile(dataDir)).contents
        assert.strictEqual(after.appSecret, before.appSecret)
        assert.strictEqual(after.phoneNumberId, before.phoneNumberId)
        assert.strictEqual(after.channelId, before.channelId)

        // (a lone "hello" reads as Italian to the language check: say a little more)
        const run = yield* chat(chatEnv, ["Hello, I would like to know more about what you sell."])
        assert.strictEqual(run.code, 0, run.stdout + run.stderr)
        assert.include(run.stdout, "· decided SEND_NOW — A greeting deserves a friendly answer")
        assert.include(run.stdout, `bot › ${reply}`)
        assert.isAbove(llm.requests.length, 0)
      }).pipe(Effect.scoped), { timeout: 60_000 })

    it.effect("no sandbox file, or no server: one line and a non-zero exit", () =>
      Effect.gen(function*() {
        const dataDir = yield* tempDir
        const port = String(yield* Effect.promise(freePort))
        const missing = yield* chat({ DATA_DIR: dataDir, PORT: port }, ["hello"])
        assert.strictEqual(missing.code, 1)
        assert.match(missing.stderr, /^chat: no .*sandbox\.json: start the development server first \(npm start\)/)
        assert.strictEqual(missing.stderr.trim().split("\n").length, 1)

        const sandbox = { organizationId: "o", channelId: "00000000-0000-0000-0000-000000000000", phoneNumberId: "sandbox", appSecret: "s", email: "sandbox@localhost", password: "p" }
        yield* Effect.promise(() => writeFile(join(dataDir, "sandbox.json"), JSON.stringify(sandbox)))
        const down = yield* chat({ DATA_DIR: dataDir, PORT: port }, ["hello"])
        assert.strictEqual(down.code, 1)
        assert.strictEqual(down.stderr, `chat: cannot reach http://127.0.0.1:${port}: is the server running (npm start)?\n`)
      }).pipe(Effect.scoped), { timeout: 30_000 })
  })
})
