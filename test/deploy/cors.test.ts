/** CORS for dashboards on other origins: CORS_ORIGINS only; unset, no CORS headers at all. */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { appTest } from "../support/app.ts"

const request = (method: "GET" | "OPTIONS", path: string, headers: Record<string, string>) =>
  HttpClient.execute(HttpClientRequest.make(method)(path).pipe(HttpClientRequest.setHeaders(headers))).pipe(
    Effect.map((r) => ({ status: r.status, headers: r.headers })),
    Effect.scoped
  )

const preflight = (origin: string) =>
  request("OPTIONS", "/auth/login", {
    origin,
    "access-control-request-method": "POST",
    "access-control-request-headers": "content-type,authorization"
  })

describe("CORS", () => {
  it.layer(appTest({ CORS_ORIGINS: "https://app.example.com, https://admin.example.com" }), { excludeTestServices: true })((it) => {
    it.effect("a listed origin gets its preflight answered and its own origin allowed; any other origin gets nothing", () =>
      Effect.gen(function*() {
        const ok = yield* preflight("https://app.example.com")
        assert.strictEqual(ok.status, 204)
        assert.strictEqual(ok.headers["access-control-allow-origin"], "https://app.example.com")
        assert.include(ok.headers["access-control-allow-methods"], "POST")
        assert.strictEqual(ok.headers["access-control-allow-headers"], "content-type,authorization")
        assert.isUndefined(ok.headers["access-control-allow-credentials"])

        const get = yield* request("GET", "/health", { origin: "https://admin.example.com" })
        assert.strictEqual(get.status, 200)
        assert.strictEqual(get.headers["access-control-allow-origin"], "https://admin.example.com")
        assert.include(get.headers["vary"] ?? "", "Origin")
        assert.strictEqual(get.headers["access-control-expose-headers"], "retry-after")

        for (const origin of ["https://evil.example", "https://app.example.com.evil.example", "http://app.example.com"]) {
          assert.isUndefined((yield* preflight(origin)).headers["access-control-allow-origin"], origin)
          assert.isUndefined((yield* request("GET", "/health", { origin })).headers["access-control-allow-origin"], origin)
        }
      }))
  })

  it.layer(appTest({ CORS_ORIGINS: "https://app.example.com" }), { excludeTestServices: true })((it) => {
    it.effect("one origin: only that one is allowed", () =>
      Effect.gen(function*() {
        assert.strictEqual((yield* preflight("https://app.example.com")).headers["access-control-allow-origin"], "https://app.example.com")
        assert.isUndefined((yield* preflight("https://evil.example")).headers["access-control-allow-origin"])
      }))
  })

  it.layer(appTest(), { excludeTestServices: true })((it) => {
    it.effect("unset: same origin only, no CORS headers", () =>
      Effect.gen(function*() {
        const get = yield* request("GET", "/health", { origin: "https://app.example.com" })
        assert.isUndefined(get.headers["access-control-allow-origin"])
        assert.isUndefined((yield* preflight("https://app.example.com")).headers["access-control-allow-origin"])
      }))
  })
})
