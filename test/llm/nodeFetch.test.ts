/** The `fetch` the openai SDK is given (src/llm/nodeFetch.ts), against a real local HTTP server. */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { gzipSync } from "node:zlib"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { nodeFetch } from "../../src/llm/nodeFetch.ts"

interface Seen {
  readonly method: string | undefined
  readonly url: string | undefined
  readonly headers: IncomingMessage["headers"]
  readonly body: string
}
const seen: Array<Seen> = []
/** Each test's answer: by path. */
const routes: Record<string, (res: ServerResponse) => void> = {
  "/json": (res) => {
    res.setHeader("content-type", "application/json")
    res.setHeader("x-many", ["1", "2"])
    res.end(JSON.stringify({ ok: true, text: "olá 🙏" }))
  },
  "/gzip": (res) => {
    res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" })
    res.end(gzipSync(JSON.stringify({ compressed: true })))
  },
  "/bomb": (res) => {
    res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" })
    res.end(gzipSync(Buffer.alloc(40 * 1024 * 1024, 0x20)))
  },
  "/empty": (res) => res.writeHead(204).end(),
  "/error": (res) => res.writeHead(429, { "retry-after": "2" }).end("{\"error\":{\"message\":\"slow down\"}}"),
  "/hang": () => {},
  "/huge": (res) => {
    res.writeHead(200, { "content-type": "application/json" })
    const chunk = Buffer.alloc(1024 * 1024, 0x20)
    let sent = 0
    const more = () => {
      while (sent < 40 && !res.destroyed) {
        sent++
        if (!res.write(chunk)) return res.once("drain", more)
      }
      res.end()
    }
    more()
  }
}
const server = createServer((req, res) => {
  let body = ""
  req.on("data", (c: Buffer) => (body += c.toString()))
  req.on("end", () => {
    seen.push({ method: req.method, url: req.url, headers: req.headers, body })
    const route = routes[req.url ?? ""]
    if (route === undefined) res.writeHead(404).end()
    else route(res)
  })
})
let base = ""
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

describe("nodeFetch", () => {
  it("sends the method, headers and body as given, and answers status, every header and the body", async () => {
    const body = JSON.stringify({ model: "m", messages: [{ role: "user", content: "¿cuánto cuesta? 😊" }] })
    const res = await nodeFetch(`${base}/json`, { method: "POST", headers: { Authorization: "Bearer sk-x", "Content-Type": "application/json" }, body })
    assert.strictEqual(res.status, 200)
    assert.isTrue(res.ok)
    assert.strictEqual(res.headers.get("x-many"), "1, 2")
    assert.deepStrictEqual(await res.json(), { ok: true, text: "olá 🙏" })
    const request = seen.at(-1)
    assert.strictEqual(request?.method, "POST")
    assert.strictEqual(request?.headers.authorization, "Bearer sk-x")
    assert.strictEqual(request?.headers["content-length"], String(Buffer.byteLength(body)))
    assert.strictEqual(request?.body, body)
  })

  it("takes a URL, bytes and Headers as fetch does", async () => {
    const res = await nodeFetch(new URL(`${base}/json`), { method: "POST", headers: new Headers({ "x-key": "v" }), body: new TextEncoder().encode("bytes") })
    assert.strictEqual(res.status, 200)
    assert.strictEqual(seen.at(-1)?.body, "bytes")
    assert.strictEqual(seen.at(-1)?.headers["x-key"], "v")
  })

  it("decompresses a gzip answer, answers a 204 with no body and an error status as it came", async () => {
    assert.deepStrictEqual(await (await nodeFetch(`${base}/gzip`)).json(), { compressed: true })
    const empty = await nodeFetch(`${base}/empty`, { method: "DELETE" })
    assert.strictEqual(empty.status, 204)
    assert.strictEqual(await empty.text(), "")
    const limited = await nodeFetch(`${base}/error`, { method: "POST", body: "{}" })
    assert.strictEqual(limited.status, 429)
    assert.strictEqual(limited.headers.get("retry-after"), "2")
    assert.strictEqual(await limited.text(), "{\"error\":{\"message\":\"slow down\"}}")
  })

  it("an abort rejects with the signal's AbortError (before and during the request), and closes the request", async () => {
    const before = new AbortController()
    before.abort()
    const early = await nodeFetch(`${base}/json`, { signal: before.signal }).then(() => null, (e: unknown) => e)
    assert.strictEqual(early instanceof Error ? early.name : early, "AbortError")

    const during = new AbortController()
    const pending = nodeFetch(`${base}/hang`, { method: "POST", body: "x", signal: during.signal }).then(() => null, (e: unknown) => e)
    while (seen.at(-1)?.url !== "/hang") await new Promise((r) => setTimeout(r, 5))
    during.abort()
    const late = await pending
    assert.strictEqual(late instanceof Error ? late.name : late, "AbortError")
  })

  it("refuses an answer larger than 32 MB with an error that says so", async () => {
    const refused = await nodeFetch(`${base}/huge`).then(() => null, (e: unknown) => e)
    assert.match(refused instanceof Error ? refused.message : String(refused), /larger than 33554432 bytes/)
  })

  it("refuses a compressed answer that unpacks to more than 32 MB", async () => {
    const refused = await nodeFetch(`${base}/bomb`).then(() => null, (e: unknown) => e)
    assert.instanceOf(refused, Error)
    assert.match(refused instanceof Error ? refused.message : "", /larger than 33554432 bytes/)
  })

  it("a body it does not read itself (a stream) goes to the global fetch", async () => {
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        controller.enqueue(new TextEncoder().encode("streamed"))
        controller.close()
      }
    })
    const res = await nodeFetch(`${base}/json`, { method: "POST", body: stream, duplex: "half" } as RequestInit)
    assert.strictEqual(res.status, 200)
    assert.strictEqual(seen.at(-1)?.body, "streamed")
  })

  it("nothing listening rejects, as fetch does", async () => {
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve))
    const port = (probe.address() as AddressInfo).port
    await new Promise<void>((resolve) => probe.close(() => resolve()))
    const refused = await nodeFetch(`http://127.0.0.1:${port}/`).then(() => null, (e: unknown) => e)
    assert.match(refused instanceof Error ? String((refused as NodeJS.ErrnoException).code) : String(refused), /ECONNREFUSED/)
  })
})
