/** A tiny OTLP/HTTP receiver on 127.0.0.1 that keeps every export it gets (JSON bodies parsed, protobuf kept as bytes). */
import { createServer } from "node:http"
import { Effect } from "effect"

export interface OtlpExport {
  readonly path: string
  /** the parsed JSON body; null for a protobuf one (see `raw`) */
  readonly body: unknown
  readonly raw: Buffer
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
}

export const otlpReceiver = Effect.acquireRelease(
  Effect.promise(() =>
    new Promise<{ url: string; exports: Array<OtlpExport>; close: () => Promise<void> }>((resolve) => {
      const exports: Array<OtlpExport> = []
      const server = createServer((req, res) => {
        const chunks: Array<Buffer> = []
        req.on("data", (c: Buffer) => chunks.push(c))
        req.on("end", () => {
          const raw = Buffer.concat(chunks)
          const json = (req.headers["content-type"] ?? "").includes("json") && raw.length > 0
          exports.push({ path: req.url ?? "", body: json ? JSON.parse(raw.toString("utf8")) : null, raw, headers: req.headers })
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
