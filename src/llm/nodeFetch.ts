/**
 * The `fetch` the `openai` SDK calls (its `fetch` option): one request on `node:http(s)` with
 * keep-alive agents, its whole answer read into memory (a chat completion is a small JSON
 * document), then handed over as a `Response`. Node's own `fetch` (undici) runs every body
 * through web streams: measured on a local server, ≈ 250 µs of CPU a request against ≈ 70 µs
 * (README "Benchmarks", finding (18)) — and a turn makes four such calls.
 *
 * What it does not do, and why: it follows no redirect (an API endpoint does not redirect a
 * POST; the SDK then reports the 3xx as the provider's error, with its status); bodies other
 * than text or bytes (uploads, streams) go to the global `fetch`. Compressed answers are
 * decompressed (none is asked for: no `accept-encoding` is sent unless the caller sends one).
 * An abort (our timeout, or the turn interrupted) destroys the request and rejects with the
 * signal's reason, an `AbortError`, as `fetch` does.
 */
import * as http from "node:http"
import * as https from "node:https"
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib"

/** A provider's answer larger than this is refused (a chat completion is a few KB). */
const MAX_BODY_BYTES = 32 * 1024 * 1024

/** By the URL's protocol: how a request is made, and its keep-alive agent. */
const transports: Partial<Record<string, { readonly request: typeof http.request; readonly agent: http.Agent }>> = {
  "http:": { request: http.request, agent: new http.Agent({ keepAlive: true }) },
  "https:": { request: https.request, agent: new https.Agent({ keepAlive: true }) }
}

/** Decompressed, at most MAX_BODY_BYTES of it (a small answer may unpack to any size). */
const decoded = (body: Buffer, encoding: string | undefined): Buffer => {
  const limit = { maxOutputLength: MAX_BODY_BYTES }
  switch (encoding?.trim().toLowerCase()) {
    case "gzip":
    case "x-gzip":
      return gunzipSync(body, limit)
    case "deflate":
      return inflateSync(body, limit)
    case "br":
      return brotliDecompressSync(body, limit)
    default:
      return body
  }
}

const bodyBytes = (body: RequestInit["body"]): string | Uint8Array | undefined | false =>
  body === undefined || body === null ? undefined
  : typeof body === "string" || body instanceof Uint8Array ? body
  : body instanceof ArrayBuffer ? new Uint8Array(body)
  : false

/** No status line's text: `Response` refuses some that servers send. */
const responseOf = (res: http.IncomingMessage, body: Buffer): Response => {
  const headers = new Headers()
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
    const name = res.rawHeaders[i]
    const value = res.rawHeaders[i + 1]
    if (name !== undefined && value !== undefined) headers.append(name, value)
  }
  const status = res.statusCode ?? 502
  // a null-body status (204, 304…) takes no body; one outside 200–599 is not a Response's
  const nullBody = status === 204 || status === 205 || status === 304 || body.length === 0
  return new Response(nullBody ? null : body, { status: status >= 200 && status <= 599 ? status : 502, headers })
}

export const nodeFetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
  const body = bodyBytes(init?.body)
  if (input instanceof Request || body === false) return fetch(input, init)
  const url = typeof input === "string" ? new URL(input) : input
  const transport = transports[url.protocol]
  if (transport === undefined) return fetch(input, init)
  const signal = init?.signal ?? undefined
  return new Promise<Response>((resolve, reject) => {
    if (signal?.aborted === true) return reject(signal.reason)
    const headers: Record<string, string> = {}
    new Headers(init?.headers).forEach((value, name) => (headers[name] = value))
    if (body !== undefined) headers["content-length"] = String(typeof body === "string" ? Buffer.byteLength(body) : body.byteLength)
    const request = transport.request(url, { method: init?.method ?? "GET", headers, agent: transport.agent }, (res) => {
      const chunks: Array<Buffer> = []
      let size = 0
      res.on("data", (chunk: Buffer) => {
        size += chunk.length
        if (size > MAX_BODY_BYTES) request.destroy(new Error(`the answer is larger than ${MAX_BODY_BYTES} bytes`))
        else chunks.push(chunk)
      })
      res.on("error", fail)
      res.on("end", () => {
        signal?.removeEventListener("abort", abort)
        try {
          resolve(responseOf(res, decoded(Buffer.concat(chunks), res.headers["content-encoding"])))
        } catch (e) {
          reject(e)
        }
      })
    })
    function fail(error: unknown) {
      signal?.removeEventListener("abort", abort)
      reject(error)
    }
    function abort() {
      request.destroy()
      reject(signal?.reason)
    }
    signal?.addEventListener("abort", abort, { once: true })
    request.on("error", fail)
    request.end(body)
  })
}
