/** A tiny OTLP/HTTP JSON receiver on 127.0.0.1 that keeps every export it gets. */
import { createServer } from "node:http"
import { Effect } from "effect"

export interface OtlpExport {
  readonly path: string
  readonly body: unknown
}

export const otlpReceiver = Effect.acquireRelease(
  Effect.promise(() =>
    new Promise<{ url: string; exports: Array<OtlpExport>; close: () => Promise<void> }>((resolve) => {
      const exports: Array<OtlpExport> = []
      const server = createServer((req, res) => {
        const chunks: Array<Buffer> = []
        req.on("data", (c: Buffer) => chunks.push(c))
        req.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8")
          exports.push({ path: req.url ?? "", body: text.length > 0 ? JSON.parse(text) : null })
          res.writeHead(200, { "content-type": "application/json" }).end("{}")
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        resolve({
          url: `http://127.0.0.1:${port}`,
          exports,
          close: () => new Promise<void>((done) => server.close(() => done()))
        })
      })
    })
  ),
  (receiver) => Effect.promise(() => receiver.close())
)
