/** Baseline for bench/ingest.ts: a bare node:http server that only checks the HMAC and answers 200. */
import { createHmac, timingSafeEqual } from "node:crypto"
import { createServer } from "node:http"

const secret = process.env.BENCH_SECRET ?? "bench-secret"
const server = createServer((req, res) => {
  const chunks: Array<Buffer> = []
  req.on("data", (c: Buffer) => chunks.push(c))
  req.on("end", () => {
    const body = Buffer.concat(chunks)
    const given = Buffer.from(String(req.headers["x-hub-signature-256"] ?? "").replace(/^sha256=/, ""), "hex")
    const expected = createHmac("sha256", secret).update(body).digest()
    const ok = given.length === expected.length && timingSafeEqual(given, expected)
    res.writeHead(ok ? 200 : 401, { "content-type": "application/json" })
    res.end(ok ? "{\"received\":true}" : "{}")
  })
})
server.listen(0, "127.0.0.1", () => {
  const address = server.address()
  process.stdout.write(`listening ${typeof address === "object" && address !== null ? address.port : 0}\n`)
})
process.on("SIGTERM", () => server.close(() => process.exit(0)))
