/**
 * A fake OpenAI-compatible server on 127.0.0.1 (random port): `POST /chat/completions`,
 * scripted per HTL step (the step is the json_schema name, or the prompt's "Task: <step>" line).
 * Each step answers from its queue of scripted replies, then from its default responder.
 * Usage is estimated as characters / 4, like a tokenizer would roughly count.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { Duration, Effect, Option, Redacted } from "effect"
import type { LlmSettings } from "../../src/llm/Llm.ts"

export type FakeReply =
  | { readonly kind: "json"; readonly body: unknown; readonly delayMs?: number }
  | { readonly kind: "raw"; readonly content: string; readonly delayMs?: number }
  | { readonly kind: "status"; readonly status: number; readonly retryAfter?: string; readonly message?: string }
  | { readonly kind: "hang" }
  | { readonly kind: "reset" }

export interface FakeRequest {
  readonly step: string
  readonly system: string
  readonly user: string
  readonly messages: ReadonlyArray<{ readonly role: string; readonly content: string }>
  readonly responseFormat: string
  readonly receivedAt: number
}

export type Responder = (request: FakeRequest) => FakeReply

const tokens = (chars: number) => Math.ceil(chars / 4)

export interface FakeLlm {
  readonly url: string
  readonly requests: Array<FakeRequest>
  /** Requests whose client went away before an answer (aborted on timeout/interrupt). */
  readonly aborted: () => number
  readonly script: (step: string, ...replies: ReadonlyArray<FakeReply>) => void
  /** Drops every scripted reply not used yet. */
  readonly clearScripts: () => void
  readonly respond: (step: string, responder: Responder) => void
  /** Extra latency per step (benchmarks). */
  readonly latency: Record<string, number>
  readonly stepRequests: (step: string) => ReadonlyArray<FakeRequest>
  readonly waitForRequests: (n: number) => Promise<void>
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    let data = ""
    req.on("data", (c: Buffer) => (data += c.toString()))
    req.on("end", () => resolve(data))
    req.on("error", reject)
  })

interface ChatBody {
  readonly model?: string
  readonly messages?: ReadonlyArray<{ readonly role: string; readonly content: unknown }>
  readonly response_format?: { readonly type?: string; readonly json_schema?: { readonly name?: string } }
}

export const startFakeLlm = (defaults: Readonly<Record<string, Responder>> = {}) => {
  const queues = new Map<string, Array<FakeReply>>()
  const responders = new Map<string, Responder>(Object.entries(defaults))
  const requests: Array<FakeRequest> = []
  const latency: Record<string, number> = {}
  const waiters: Array<{ n: number; resolve: () => void }> = []
  let aborted = 0

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "application/json", ...headers })
    res.end(JSON.stringify(body))
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) return send(res, 404, { error: { message: "not found" } })
    const body: ChatBody = JSON.parse(await readBody(req))
    const messages = (body.messages ?? []).map((m) => ({ role: m.role, content: typeof m.content === "string" ? m.content : "" }))
    const system = messages.find((m) => m.role === "system")?.content ?? ""
    const step = body.response_format?.json_schema?.name ?? /^Task: (\w+)/.exec(system)?.[1] ?? "unknown"
    const request: FakeRequest = {
      step,
      system,
      user: messages.filter((m) => m.role === "user").map((m) => m.content).join("\n"),
      messages,
      responseFormat: body.response_format?.type ?? "none",
      receivedAt: Date.now()
    }
    requests.push(request)
    for (const w of waiters.filter((w) => requests.length >= w.n)) w.resolve()
    let closed = false
    res.on("close", () => {
      if (!res.writableFinished) {
        closed = true
        aborted++
      }
    })
    const reply = queues.get(step)?.shift() ?? responders.get(step)?.(request) ??
      { kind: "status", status: 500, message: `no script for step ${step}` }
    const wait = (reply.kind === "json" || reply.kind === "raw" ? reply.delayMs ?? 0 : 0) + (latency[step] ?? 0)
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    if (closed) return
    switch (reply.kind) {
      case "hang":
        return
      case "reset":
        return req.socket.destroy()
      case "status":
        return send(res, reply.status, { error: { message: reply.message ?? `status ${reply.status}`, type: "fake" } },
          reply.retryAfter === undefined ? {} : { "retry-after": reply.retryAfter })
      case "json":
      case "raw": {
        const content = reply.kind === "json" ? JSON.stringify(reply.body) : reply.content
        const promptTokens = tokens(messages.reduce((n, m) => n + m.content.length, 0))
        const completionTokens = tokens(content.length)
        return send(res, 200, {
          id: `chatcmpl-${requests.length}`,
          object: "chat.completion",
          created: Math.floor(Date.now() / 1000),
          model: body.model ?? "fake",
          choices: [{ index: 0, message: { role: "assistant", content, refusal: null }, finish_reason: "stop", logprobs: null }],
          usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens }
        })
      }
    }
  }

  const server = createServer((req, res) => void handle(req, res).catch(() => send(res, 500, { error: { message: "fake crashed" } })))
  const fake = (port: number): FakeLlm => ({
    url: `http://127.0.0.1:${port}`,
    requests,
    aborted: () => aborted,
    script: (step, ...replies) => void queues.set(step, [...(queues.get(step) ?? []), ...replies]),
    clearScripts: () => queues.clear(),
    respond: (step, responder) => void responders.set(step, responder),
    latency,
    stepRequests: (step) => requests.filter((r) => r.step === step),
    waitForRequests: (n) => (requests.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve })))
  })
  return Effect.acquireRelease(
    Effect.callback<FakeLlm>((resume) => {
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        resume(Effect.succeed(fake(typeof address === "object" && address !== null ? address.port : 0)))
      })
    }),
    () => Effect.callback<void>((resume) => {
      server.closeAllConnections()
      server.close(() => resume(Effect.void))
    })
  )
}

/** Llm settings pointing at the fake (key set, short timeout unless overridden). */
export const fakeSettings = (fake: FakeLlm, overrides: Partial<LlmSettings> = {}): LlmSettings => ({
  apiKey: Option.some(Redacted.make("sk-fake")),
  baseUrl: fake.url,
  model: "fake-model",
  maxTokens: 500,
  temperature: 0.3,
  timeout: Duration.seconds(5),
  ...overrides
})
