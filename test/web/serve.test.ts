/**
 * What the service serves to browsers, over plain HTTP: `/` → `/app`; the inbox page at `/app` and
 * under it, naming its built, content-hashed assets; the assets compressed and cached for good;
 * `/docs` with Scalar from node_modules and no request to any other host.
 */
import { request } from "node:http"
import { brotliDecompressSync, gunzipSync } from "node:zlib"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { HttpServer } from "effect/http"
import { appTest } from "../support/app.ts"
import { env } from "../api/support.ts"

interface Raw {
  readonly status: number
  readonly headers: Readonly<Record<string, string | Array<string> | undefined>>
  readonly body: Buffer
}

/** A GET without redirects or decompression, as a browser's first request would leave the wire. */
const get = (path: string, headers: Record<string, string> = {}) =>
  Effect.flatMap(HttpServer.HttpServer, (server) =>
    Effect.callback<Raw>((resume) => {
      const port = server.address._tag === "UnixPathAddress" ? 0 : server.address.port
      const req = request({ host: "127.0.0.1", port, path, headers }, (res) => {
        const chunks: Array<Buffer> = []
        res.on("data", (c: Buffer) => chunks.push(c))
        res.on("end", () => resume(Effect.succeed({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) })))
      })
      req.on("error", (e) => resume(Effect.die(e)))
      req.end()
    }))

const header = (r: Raw, name: string) => {
  const v = r.headers[name]
  return Array.isArray(v) ? v.join(", ") : v ?? ""
}

/** Any address of another host a page or script would load something from. */
const EXTERNAL = /(?:src|href)\s*=\s*["']?https?:|url\(\s*["']?https?:|cdn\.|jsdelivr|unpkg|fonts\.scalar\.com|fonts\.googleapis/i

describe("the web inbox and the API reference, as served", () => {
  it.layer(appTest(env), { excludeTestServices: true, timeout: "60 seconds" })((it) => {
    it.effect("/ redirects to /app; the page and every app path name the built assets; nothing from elsewhere", () =>
      Effect.gen(function*() {
        const root = yield* get("/")
        assert.strictEqual(root.status, 302)
        assert.strictEqual(header(root, "location"), "/app")

        const page = yield* get("/app")
        assert.strictEqual(page.status, 200)
        assert.match(header(page, "content-type"), /^text\/html/)
        assert.match(header(page, "content-security-policy"), /default-src 'self'/)
        assert.strictEqual(header(page, "cache-control"), "no-cache")
        const html = page.body.toString("utf8")
        assert.notMatch(html, EXTERNAL)
        const script = /src="(\/app\/assets\/main-[A-Z0-9]+\.js)"/.exec(html)?.[1]
        const style = /href="(\/app\/assets\/main-[A-Z0-9]+\.css)"/.exec(html)?.[1]
        assert.isDefined(script)
        assert.isDefined(style)
        // the app's own addresses (a reload, a shared link) answer the same page
        for (const path of ["/app/", "/app/inbox", "/app/analytics", "/app/conversations/00000000-0000-0000-0000-000000000000"]) {
          const other = yield* get(path)
          assert.strictEqual(other.status, 200, path)
          assert.include(other.body.toString("utf8"), script ?? "")
        }

        // the script: brotli or gzip as accepted, the same bytes; cached for good; revalidated by its hash
        const plain = yield* get(script ?? "")
        assert.strictEqual(plain.status, 200)
        assert.match(header(plain, "content-type"), /^text\/javascript/)
        assert.strictEqual(header(plain, "cache-control"), "public, max-age=31536000, immutable")
        assert.strictEqual(header(plain, "content-encoding"), "")
        const br = yield* get(script ?? "", { "accept-encoding": "gzip, deflate, br" })
        assert.strictEqual(header(br, "content-encoding"), "br")
        assert.isTrue(brotliDecompressSync(br.body).equals(plain.body))
        assert.isBelow(br.body.byteLength, plain.body.byteLength / 2)
        const gz = yield* get(script ?? "", { "accept-encoding": "gzip" })
        assert.strictEqual(header(gz, "content-encoding"), "gzip")
        assert.isTrue(gunzipSync(gz.body).equals(plain.body))
        const again = yield* get(script ?? "", { "if-none-match": header(plain, "etag") })
        assert.strictEqual(again.status, 304)
        assert.strictEqual(again.body.byteLength, 0)
        // the app is in it (a component's text), and the project's typed client (the RPC group's names)
        const js = plain.body.toString("utf8")
        assert.include(js, "Needs attention")
        assert.include(js, "events.subscribe")
        assert.notMatch(js, /https?:\/\/(?:cdn|unpkg|fonts)\./)

        // its source map, named in it: kept gzip-compressed only, unpacked for a client that takes no gzip
        const mapName = /sourceMappingURL=(\S+)/.exec(js)?.[1] ?? ""
        assert.match(mapName, /^main-[A-Z0-9]+\.js\.map$/)
        const mapGz = yield* get(`/app/assets/${mapName}`, { "accept-encoding": "gzip, deflate, br" })
        assert.strictEqual(mapGz.status, 200)
        assert.strictEqual(header(mapGz, "content-encoding"), "gzip")
        const mapPlain = yield* get(`/app/assets/${mapName}`, { "accept-encoding": "identity" })
        assert.strictEqual(header(mapPlain, "content-encoding"), "")
        assert.isTrue(gunzipSync(mapGz.body).equals(mapPlain.body))
        const map: { readonly version: number; readonly sourcesContent: ReadonlyArray<string> } = JSON.parse(mapPlain.body.toString("utf8"))
        assert.strictEqual(map.version, 3)
        assert.isAbove(map.sourcesContent.length, 10)

        const css = yield* get(style ?? "")
        assert.strictEqual(css.status, 200)
        assert.match(header(css, "content-type"), /^text\/css/)
        assert.notMatch(css.body.toString("utf8"), EXTERNAL)

        assert.strictEqual((yield* get("/app/assets/main-NOPE.js")).status, 404)
      }))

    it.effect("/docs: Scalar and its start script from this server, the OpenAPI document, no web fonts", () =>
      Effect.gen(function*() {
        const docs = yield* get("/docs")
        assert.strictEqual(docs.status, 200)
        const html = docs.body.toString("utf8")
        assert.notMatch(html, EXTERNAL)
        const scripts = [...html.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1] ?? "")
        assert.deepStrictEqual(scripts.map((s) => s.replace(/\?v=.*$/, "")), ["/docs/scalar.js", "/docs/start.js"])
        const scalar = yield* get(scripts[0] ?? "")
        assert.strictEqual(scalar.status, 200)
        assert.match(header(scalar, "content-type"), /^text\/javascript/)
        assert.include(scalar.body.toString("utf8"), "createApiReference")
        const start = (yield* get(scripts[1] ?? "")).body.toString("utf8")
        assert.include(start, "\"content\":{\"openapi\":\"3.1.0\"")
        assert.include(start, "\"withDefaultFonts\":false")
        // and should Scalar reach for its fonts anyway, the browser may not fetch them
        assert.match(header(docs, "content-security-policy"), /default-src 'self'.*font-src 'self' data:/)
      }))
  })
})
