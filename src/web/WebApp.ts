/**
 * The web inbox, served by the service: `/` redirects to `/app`; `/app` and every path below it
 * (the app routes in the browser) answer the page; `/app/assets/*` the built files (content-hashed
 * names, cached for good, brotli or gzip when the browser takes it). The bundle is built by
 * esbuild in this process (src/web/bundle.ts): at start in development and production (in the
 * background: the service answers meanwhile), on the first visit in tests; in development it is
 * built again when a source file changed since, so an edit shows on the next page load.
 */
import { promisify } from "node:util"
import { gunzip } from "node:zlib"
import { Context, Effect, Layer, Option, Ref, Semaphore } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { AppConfig } from "../config/AppConfig.ts"
import { giveMemoryBack } from "../lifecycle/memory.ts"
import { type Asset, ASSETS_PATH, build, type Built, type Bundle, isStale, type WebBuildError } from "./bundle.ts"
import { pageHtml } from "./page.ts"

export class WebBundle extends Context.Service<WebBundle, {
  /** The bundle to serve: built on first use (and again when a source changed, in development). */
  readonly current: Effect.Effect<Bundle, WebBuildError>
}>()("wa/web/WebBundle") {
  static readonly layer = Layer.effect(
    WebBundle,
    Effect.gen(function*() {
      const config = yield* AppConfig
      const state = yield* Ref.make(Option.none<Built>())
      const lock = yield* Semaphore.make(1)
      const rebuildOnChange = config.environment === "development"
      const current = lock.withPermits(1)(Effect.gen(function*() {
        const built = yield* Ref.get(state)
        if (Option.isSome(built) && !(rebuildOnChange && (yield* isStale(built.value)))) return built.value.bundle
        const fresh = yield* build
        yield* Ref.set(state, Option.some(fresh))
        yield* Effect.logInfo("web inbox built").pipe(Effect.annotateLogs({
          script: fresh.bundle.script,
          bytes: fresh.bundle.sizes.script,
          brotliBytes: fresh.bundle.sizes.scriptBrotli
        }))
        return fresh.bundle
      }))
      // tests build on their first visit; a service builds at once, without holding up its start,
      // then gives back what the build left: esbuild's answers and the files before compression
      // are ≈ 35 MB of ArrayBuffers that no young collection frees (measured: idle RSS −22 MB)
      if (config.environment !== "test") {
        yield* current.pipe(
          Effect.andThen(giveMemoryBack),
          Effect.catchCause((cause) => Effect.logError("web inbox not built", cause)),
          Effect.forkScoped
        )
      }
      return WebBundle.of({ current })
    })
  )
}

/**
 * Headers of the page (not of the assets): nothing from elsewhere, no framing, no referrer. The
 * RPC socket is this host's (older browsers do not count ws: as 'self', so it is named).
 */
const pageHeaders = (request: HttpServerRequest.HttpServerRequest) => ({
  "cache-control": "no-cache",
  "content-security-policy": [
    "default-src 'self'",
    `connect-src 'self'${socketSources(request.headers.host)}`,
    "img-src 'self' data:",
    "style-src 'self'",
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'"
  ].join("; "),
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer"
})

/** ws: and wss: of the Host the page was asked from, when it is a plain host[:port]. */
const socketSources = (host: string | undefined) =>
  host !== undefined && /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host) ? ` ws://${host} wss://${host}` : ""

const unavailable = (error: WebBuildError) =>
  Effect.as(
    Effect.logError("web inbox unavailable", error),
    HttpServerResponse.text(`The web inbox is unavailable: ${error.message}`, { status: 500 })
  )

const gunzipAsync = promisify(gunzip)

interface Encoded {
  readonly body: Uint8Array
  readonly encoding: "br" | "gzip" | null
}

/** The body in the best encoding the request accepts (a source map is kept gzip-compressed only). */
const encoded = (request: HttpServerRequest.HttpServerRequest, asset: Asset): Effect.Effect<Encoded> => {
  const accepts = request.headers["accept-encoding"] ?? ""
  if (asset.brotli !== null && /\bbr\b/.test(accepts)) return Effect.succeed({ body: asset.brotli, encoding: "br" })
  if (/\bgzip\b/.test(accepts)) return Effect.succeed({ body: asset.gzip, encoding: "gzip" })
  if (asset.body !== null) return Effect.succeed({ body: asset.body, encoding: null })
  return Effect.map(Effect.promise(() => gunzipAsync(asset.gzip)), (body): Encoded => ({ body: new Uint8Array(body), encoding: null }))
}

const serveAsset = (request: HttpServerRequest.HttpServerRequest, bundle: Bundle, name: string) => {
  const asset = bundle.assets.get(name)
  if (asset === undefined) return Effect.succeed(HttpServerResponse.text("Not found", { status: 404 }))
  const headers = {
    "cache-control": "public, max-age=31536000, immutable",
    "x-content-type-options": "nosniff",
    etag: asset.etag,
    vary: "accept-encoding"
  }
  if (request.headers["if-none-match"] === asset.etag) return Effect.succeed(HttpServerResponse.empty({ status: 304, headers }))
  return Effect.map(encoded(request, asset), ({ body, encoding }) =>
    HttpServerResponse.uint8Array(body, {
      contentType: asset.contentType,
      headers: encoding === null ? headers : { ...headers, "content-encoding": encoding }
    }))
}

const handler = (bundles: WebBundle["Service"]) => (request: HttpServerRequest.HttpServerRequest) => {
  const path = new URL(request.url, "http://localhost").pathname
  return bundles.current.pipe(
    Effect.flatMap((bundle) =>
      path.startsWith(ASSETS_PATH)
        ? serveAsset(request, bundle, path.slice(ASSETS_PATH.length))
        : Effect.succeed(HttpServerResponse.html(pageHtml(bundle)).pipe(HttpServerResponse.setHeaders(pageHeaders(request))))
    ),
    Effect.catchTag("WebBuildError", unavailable)
  )
}

/** The routes: `/` → `/app`, the page, its assets. */
export const WebAppLive = HttpRouter.use(Effect.fnUntraced(function*(router) {
  const bundles = yield* WebBundle
  yield* router.add("GET", "/", HttpServerResponse.redirect("/app", { status: 302 }))
  yield* router.add("GET", "/app/*", handler(bundles))
})).pipe(Layer.provide(WebBundle.layer))
