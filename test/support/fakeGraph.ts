/**
 * A fake Graph API on 127.0.0.1 (node:http, random port). It records every request and
 * answers scripted responses in order (then the default: accepted with a fresh wamid).
 * Use `graphError(code)` for Meta's error shape; `{ hang: true }` never answers; `{ drop: true }`
 * closes the connection once the request arrived (it may have reached Meta: outcome unknown).
 * `GET /{version}/{phone_number_id}` (the ownership proof) answers, unless scripted, 200 with the
 * number for a token given it with `own(token, id)`, else Meta's error 100 (no such object or no
 * permission).
 */
import { randomUUID } from "node:crypto"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { Context, Effect, Layer } from "effect"

export interface RecordedRequest {
  readonly method: string
  readonly path: string
  readonly authorization: string | undefined
  readonly body: unknown
  /** Date.now() when it arrived. */
  readonly at: number
  /** which connection it came on (1, 2, …: a reused connection keeps its number) */
  readonly connection: number
}

export type ScriptedResponse =
  | { readonly status: number; readonly body: unknown }
  | { readonly hang: true }
  | { readonly drop: true }

export const graphError = (code: number, options: { readonly status?: number; readonly details?: string } = {}): ScriptedResponse => ({
  status: options.status ?? (code === 190 ? 401 : code === 130429 || code === 131056 || code === 80007 ? 429 : 400),
  body: {
    error: {
      message: `(#${code}) scripted`,
      type: "OAuthException",
      code,
      error_data: { messaging_product: "whatsapp", details: options.details ?? `details of ${code}` },
      fbtrace_id: "trace"
    }
  }
})

export const accepted = (wamid: string = `wamid.fake.${randomUUID()}`): ScriptedResponse => ({
  status: 200,
  body: { messaging_product: "whatsapp", contacts: [{ input: "x", wa_id: "x" }], messages: [{ id: wamid, message_status: "accepted" }] }
})

export interface FakeGraph {
  /** Base URL to use as WHATSAPP_API_BASE_URL (includes a version path). */
  readonly url: string
  readonly requests: Array<RecordedRequest>
  /** Queue responses for the next requests, in order. */
  readonly script: (...responses: Array<ScriptedResponse>) => void
  /** `token` reaches the number `phoneNumberId` (its display form `display`). */
  readonly own: (token: string, phoneNumberId: string, display?: string) => void
  /** Clears requests and scripts (not what `own` granted). */
  readonly reset: () => void
  /**
   * How long the server keeps an idle connection (node:http's `keepAliveTimeout`, 5 s unless set;
   * it answers with `Keep-Alive: timeout=<seconds>`), from the next answer on.
   */
  readonly keepAlive: (ms: number) => void
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let data = ""
    req.setEncoding("utf8")
    req.on("data", (chunk: string) => (data += chunk))
    req.on("end", () => resolve(data))
  })

const parse = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** Starts the fake (stopped with the scope). */
export const fakeGraph = Effect.gen(function*() {
  const requests: Array<RecordedRequest> = []
  let scripted: Array<ScriptedResponse> = []
  const owned = new Map<string, string>()
  const numberLookup = (req: IncomingMessage): ScriptedResponse | undefined => {
    const id = req.method === "GET" ? /^\/v[0-9.]+\/([^/?]+)(?:\?|$)/.exec(req.url ?? "")?.[1] : undefined
    if (id === undefined) return undefined
    const token = req.headers.authorization?.replace(/^Bearer /, "") ?? ""
    const display = owned.get(`${token} ${decodeURIComponent(id)}`)
    return display === undefined
      ? graphError(100, { details: "Unsupported get request. Object does not exist, cannot be loaded due to missing permissions" })
      : { status: 200, body: { id: decodeURIComponent(id), display_phone_number: display } }
  }
  const hanging = new Set<ServerResponse>()
  const connections = new WeakMap<object, number>()
  let connected = 0
  const server = createServer(async (req, res) => {
    const body = parse(await readBody(req))
    const connection = connections.get(req.socket) ?? 0
    requests.push({ method: req.method ?? "", path: req.url ?? "", authorization: req.headers.authorization, body, at: Date.now(), connection })
    const next = scripted.shift() ?? numberLookup(req) ?? (typeof body === "object" && body !== null && "status" in body ? { status: 200, body: { success: true } } : accepted())
    if ("hang" in next) {
      hanging.add(res)
      return
    }
    if ("drop" in next) {
      req.socket.destroy()
      return
    }
    res.writeHead(next.status, { "content-type": "application/json" })
    res.end(JSON.stringify(next.body))
  })
  server.on("connection", (socket) => void connections.set(socket, ++connected))
  const port = yield* Effect.acquireRelease(
    Effect.callback<number>((resume) => {
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : 0))
      })
    }),
    () =>
      Effect.callback<void>((resume) => {
        for (const res of hanging) res.destroy()
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  )
  const fake: FakeGraph = {
    url: `http://127.0.0.1:${port}/v23.0`,
    requests,
    script: (...responses) => void scripted.push(...responses),
    own: (token, phoneNumberId, display = "+1 555-010-0000") => void owned.set(`${token} ${phoneNumberId}`, display),
    reset: () => {
      requests.length = 0
      scripted = []
    },
    keepAlive: (ms) => void (server.keepAliveTimeout = ms)
  }
  return fake
})

/** The fake as a service, for layers that need its URL (e.g. WHATSAPP_API_BASE_URL). */
export class FakeGraphServer extends Context.Service<FakeGraphServer, FakeGraph>()("test/FakeGraphServer") {
  static readonly layer = Layer.effect(FakeGraphServer, fakeGraph)
}
