/**
 * `npm run chat`: talk to your own bot as a lead, from a terminal. Each line you type becomes a
 * signed WhatsApp webhook for the sandbox number of a development server (`npm start` writes
 * `${DATA_DIR}/sandbox.json`); the bot's replies, its decisions and handoffs arrive on the
 * dashboard's live event stream. When stdin ends (piped input), it waits for the answer to the
 * last message, at most CHAT_WAIT seconds, then exits.
 *
 *   CHAT_URL   server (default http://127.0.0.1:$PORT, PORT default 8000)
 *   CHAT_FROM  the lead's number, digits only (default: a random one)
 *   CHAT_NAME  the lead's profile name
 *   CHAT_WAIT  seconds to wait for the last answer once stdin ends (default 30)
 */
import { randomInt } from "node:crypto"
import { readFile } from "node:fs/promises"
import { createInterface } from "node:readline"
import { NodeRuntime } from "@effect/platform-node"
import { type Cause, Config, Data, Duration, Effect, Latch, Option, Queue, Schema, Stream } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import { HttpApiClient } from "effect/http-api"
import { DashboardRpcClient } from "../src/client/DashboardClient.ts"
import { Api } from "../src/domain/Api.ts"
import type { DomainEvent } from "../src/domain/events.ts"
import { type SandboxFile, SandboxFileJson, sandboxFilePath } from "../src/sandbox/file.ts"
import { answers, describeEvent } from "../src/sandbox/transcript.ts"
import { leadTextEnvelope, signedDelivery } from "../src/sandbox/webhook.ts"

class ChatError extends Data.TaggedError("ChatError")<{ readonly message: string }> {}

const fail = (message: string) => () => new ChatError({ message })

const settings = Effect.gen(function*() {
  const port = yield* Config.Port("PORT").pipe(Config.withDefault(8000))
  return {
    dataDir: yield* Config.String("DATA_DIR").pipe(Config.withDefault(".data")),
    baseUrl: yield* Config.String("CHAT_URL").pipe(Config.withDefault(`http://127.0.0.1:${port}`)),
    from: yield* Config.String("CHAT_FROM").pipe(Config.withDefault(`${randomInt(1, 10)}${String(randomInt(0, 1e11)).padStart(11, "0")}`)),
    name: Option.getOrUndefined(yield* Config.option(Config.String("CHAT_NAME"))),
    wait: Duration.seconds(yield* Config.Number("CHAT_WAIT").pipe(Config.withDefault(30)))
  }
}).pipe(Effect.mapError((e) => new ChatError({ message: `bad setting: ${/at \["(\w+)"\]/.exec(e.message)?.[1] ?? e.message}` })))

const readSandbox = (dataDir: string) => {
  const file = sandboxFilePath(dataDir)
  return Effect.tryPromise({
    try: () => readFile(file, "utf8"),
    catch: fail(`no ${file}: start the development server first (npm start), with the same DATA_DIR`)
  }).pipe(Effect.flatMap((text) => Schema.decodeEffect(SandboxFileJson)(text).pipe(Effect.mapError(fail(`${file} is not a sandbox file`)))))
}

const login = (baseUrl: string, sandbox: SandboxFile) =>
  Effect.gen(function*() {
    const client = yield* HttpApiClient.make(Api, { baseUrl })
    const auth = yield* client.auth.login({ payload: { email: sandbox.email, password: sandbox.password } })
    return auth.access_token
  }).pipe(
    Effect.catchTags({
      HttpClientError: fail(`cannot reach ${baseUrl}: is the server running (npm start)?`),
      Unauthorized: fail("login refused: sandbox.json is out of date (restart npm start)"),
      TooManyAttempts: fail("login refused: too many attempts, try again in a minute")
    }),
    Effect.mapError((e) => e._tag === "ChatError" ? e : new ChatError({ message: `login failed: ${e._tag}` }))
  )

const postMessage = (baseUrl: string, sandbox: SandboxFile, from: string, name: string | undefined, text: string) =>
  Effect.gen(function*() {
    const { body, signature } = signedDelivery(sandbox.appSecret, leadTextEnvelope({ phoneNumberId: sandbox.phoneNumberId, from, name, text }))
    // the sandbox channel's own route: its app secret is checked there, and only there
    const response = yield* HttpClientRequest.post(new URL(`/webhooks/whatsapp/${encodeURIComponent(sandbox.channelId)}`, baseUrl)).pipe(
      HttpClientRequest.bodyUint8Array(body, "application/json"),
      HttpClientRequest.setHeader("x-hub-signature-256", signature),
      HttpClient.execute
    )
    if (response.status !== 200) return yield* new ChatError({ message: `webhook refused (${response.status}): restart npm start and try again` })
  }).pipe(Effect.catchTag("HttpClientError", fail(`cannot reach ${baseUrl}: is the server running?`)))

interface Session {
  readonly baseUrl: string
  readonly sandbox: SandboxFile
  readonly from: string
  readonly name: string | undefined
  readonly wait: Duration.Duration
}

const session = ({ baseUrl, sandbox, from, name, wait }: Session) => Effect.gen(function*() {
  const rpc = yield* DashboardRpcClient
  const interactive = process.stdin.isTTY === true
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: interactive })
  // queued from the start: piped input may be read (and end) before the first message can go out
  const lines = yield* Queue.unbounded<string, Cause.Done>()
  rl.on("line", (line) => Queue.offerUnsafe(lines, line))
  rl.on("close", () => Queue.endUnsafe(lines))
  yield* Effect.addFinalizer(() => Effect.sync(() => rl.close()))
  rl.setPrompt("you › ")
  rl.on("SIGINT", () => process.kill(process.pid, "SIGINT"))
  const say = (line: string) =>
    Effect.sync(() => {
      if (!interactive) return void process.stdout.write(`${line}\n`)
      process.stdout.write(`\r\x1b[K${line}\n`)
      rl.prompt(true)
    })

  // which conversation is this lead's, and whether the bot or a person has it
  const lead = { conversationId: Option.none<string>(), human: false, handingOver: false, others: new Set<string>() }
  const lookUp = rpc["conversations.list"]({ search: from }).pipe(
    Effect.map((page) => Option.fromNullishOr(page.items.find((c) => c.lead.phone === `+${from}`))),
    Effect.tap(Option.match({
      onNone: () => Effect.void,
      onSome: (c) => Effect.sync(() => {
        lead.conversationId = Option.some(c.id)
        lead.human = c.mode === "human"
      })
    }))
  )
  const isMine = (event: DomainEvent) =>
    Effect.gen(function*() {
      if (Option.isSome(lead.conversationId)) return lead.conversationId.value === event.conversationId
      if (lead.others.has(event.conversationId)) return false
      yield* lookUp
      if (Option.getOrUndefined(lead.conversationId) === event.conversationId) return true
      lead.others.add(event.conversationId)
      return false
    })

  const answered = yield* Latch.make(true)
  yield* rpc["events.subscribe"]().pipe(
    Stream.runForEach((event) =>
      Effect.gen(function*() {
        if (!(yield* isMine(event))) return
        if (event._tag === "ModeChanged") lead.human = event.mode === "human"
        if (event._tag === "TurnDecided") lead.handingOver = event.action === "HANDOFF_HUMAN"
        const line = describeEvent(event)
        if (line !== undefined) yield* say(line)
        if (answers(event, lead.handingOver)) yield* answered.open
      })
    ),
    Effect.catch((e) => say(`· event stream ended: ${e._tag}`)),
    Effect.forkScoped
  )
  // one round trip on the socket: the subscription is requested before the first message goes out
  yield* rpc["auth.me"]()
  yield* lookUp

  yield* say(`chatting as +${from}${name === undefined ? "" : ` (${name})`} with ${baseUrl}; ${interactive ? "Ctrl-D" : "end of input"} to stop`)
  if (lead.human) yield* say("· a human has this conversation: the bot stays quiet (release it in the dashboard)")
  yield* Stream.fromQueue(lines).pipe(
    Stream.map((line) => line.trim()),
    Stream.filter((line) => line !== ""),
    Stream.runForEach((line) =>
      Effect.gen(function*() {
        if (!lead.human) yield* answered.close
        yield* postMessage(baseUrl, sandbox, from, name, line)
        if (interactive) rl.prompt()
      })
    )
  )
  yield* answered.await.pipe(
    Effect.timeoutOrElse({ duration: wait, orElse: () => say(`· no answer within ${Duration.format(wait)}`) })
  )
})

const chat = Effect.gen(function*() {
  const { baseUrl, dataDir, from, name, wait } = yield* settings
  if (!/^[1-9]\d{6,14}$/.test(from)) return yield* new ChatError({ message: "CHAT_FROM must be a phone number in digits, e.g. 15550001111" })
  const sandbox = yield* readSandbox(dataDir)
  const token = yield* login(baseUrl, sandbox)
  yield* session({ baseUrl, sandbox, from, name, wait }).pipe(Effect.provide(DashboardRpcClient.layer({ baseUrl, token })))
}).pipe(
  Effect.scoped,
  Effect.provide(FetchHttpClient.layer),
  Effect.mapError((e) => e._tag === "ChatError" ? e : new ChatError({ message: `the server refused a request: ${e._tag}` })),
  Effect.catch((e) => Effect.sync(() => process.stderr.write(`chat: ${e.message}\n`)).pipe(Effect.andThen(Effect.fail(e))))
)

NodeRuntime.runMain(chat, { disableErrorReporting: true })
