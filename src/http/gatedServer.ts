/**
 * The HTTP server the app is served on, answering from its first moment. `NodeHttpServer.layer`
 * listens before the app's handler is attached (the app's layers are still being built), and
 * Node drops a `request` event nobody listens to: a client would wait forever. Until the app's
 * handler is attached — and again once it is detached while stopping — this server answers
 * 503 with `Retry-After: 1` and closes the connection.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http"
import { Context, Duration, Layer } from "effect"

/**
 * How long a stopping listener waits for open requests (the drain of src/lifecycle/Drain.ts is
 * over by then). Streams that never end — the dashboard's live events, a worker's event stream
 * on the internal API — are cut after it instead of holding the stop for NodeHttpServer's 20 s.
 */
export const CLOSE_TIMEOUT = Duration.seconds(5)

const NOT_READY = JSON.stringify({ error: { code: "unavailable", message: "The service is starting or stopping; retry in a moment." } })

const answerNotReady = (server: Server) => (_request: IncomingMessage, response: ServerResponse) => {
  // the app's handler is the other listener: it answers
  if (server.listenerCount("request") > 1) return
  response.writeHead(503, { "content-type": "application/json", "retry-after": "1", connection: "close" })
  response.end(NOT_READY)
}

/**
 * A request the process answers below the app's router (node:http itself): `true` when it took
 * the request. Only the webhook's deliveries go this way — thousands a second at peak, where the
 * HTTP framework's own work per request would cost more than the delivery (README "Benchmarks").
 */
export type FastPath = (request: IncomingMessage, response: ServerResponse) => boolean

/** Where the fast path is installed (by the layer that owns it) and removed again while stopping. */
export class FastPathSlot extends Context.Service<FastPathSlot, { current: FastPath | undefined }>()("wa/http/FastPathSlot") {
  static readonly layer = Layer.sync(FastPathSlot, () => ({ current: undefined }))
}

/** A node:http server offering each request to the fast path first, while the app is attached. */
class FastPathServer extends Server {
  readonly slot: { readonly current: FastPath | undefined }
  constructor(slot: { readonly current: FastPath | undefined }) {
    super()
    this.slot = slot
  }

  override emit(event: string, ...args: Array<unknown>): boolean {
    const fast = this.slot.current
    if (event === "request" && fast !== undefined && this.listenerCount("request") > 1) {
      const [request, response] = args
      if (request instanceof IncomingMessage && response instanceof ServerResponse && fast(request, response)) return true
    }
    return super.emit(event, ...args)
  }
}

export const createGatedServer = (slot?: { readonly current: FastPath | undefined }): Server => {
  const server = slot === undefined ? createServer() : new FastPathServer(slot)
  server.on("request", answerNotReady(server))
  return server
}
