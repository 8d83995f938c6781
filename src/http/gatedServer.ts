/**
 * The HTTP server the app is served on, answering from its first moment. `NodeHttpServer.layer`
 * listens before the app's handler is attached (the app's layers are still being built), and
 * Node drops a `request` event nobody listens to: a client would wait forever. Until the app's
 * handler is attached — and again once it is detached while stopping — this server answers
 * 503 with `Retry-After: 1` and closes the connection.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"

const NOT_READY = JSON.stringify({ error: { code: "unavailable", message: "The service is starting or stopping; retry in a moment." } })

const answerNotReady = (server: Server) => (_request: IncomingMessage, response: ServerResponse) => {
  // the app's handler is the other listener: it answers
  if (server.listenerCount("request") > 1) return
  response.writeHead(503, { "content-type": "application/json", "retry-after": "1", connection: "close" })
  response.end(NOT_READY)
}

export const createGatedServer = (): Server => {
  const server = createServer()
  server.on("request", answerNotReady(server))
  return server
}
