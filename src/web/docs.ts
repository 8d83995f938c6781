/**
 * The API reference at `/docs` (Scalar), with everything it loads served from this process: the
 * page, Scalar's standalone script as its own cacheable file (the copy that ships inside the
 * `effect` package, read from node_modules once) and a start script with the OpenAPI document.
 * Scalar's web fonts (fonts.scalar.com) are switched off for the system's, and the page's CSP
 * lets the browser load nothing from another host.
 * Should that file ever move, `/docs` falls back to effect's own page (the same script, inline).
 * The script (6 MB) is read on the first request for the docs, not at start: most processes never
 * serve them, and it would be resident memory for good.
 */
import { createHash } from "node:crypto"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { Effect, Layer, Schema } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { HttpApiScalar, OpenApi } from "effect/http-api"
import { Api } from "../domain/Api.ts"

export const DOCS_PATH = "/docs"

const ScalarModule = Schema.Struct({ javascript: Schema.String })

/** Scalar's standalone bundle as shipped in node_modules/effect (what HttpApiScalar inlines). */
const SCALAR_MODULE = new URL("./http-api/internal/httpApiScalar.js", import.meta.resolve("effect"))
const loadScalar = Effect.tryPromise(() => import(SCALAR_MODULE.href)).pipe(
  Effect.flatMap(Schema.decodeUnknownEffect(ScalarModule)),
  Effect.map((m) => m.javascript)
)

/**
 * The document is given inline (as HttpApiScalar does): with a `url`, Scalar renders with its
 * default configuration, web fonts included, until the document has arrived.
 */
const startScript = (spec: unknown) =>
  `window.Scalar.createApiReference(document.getElementById("api-reference"), ${
    JSON.stringify({
      content: spec,
      withDefaultFonts: false,
      customCss: ":root { --scalar-font: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; " +
        "--scalar-font-code: ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace; }"
    })
  })\n`

const page = (versions: { readonly scalar: string; readonly start: string }) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>WhatsApp AI sales agent · API reference</title>
<link rel="icon" href="data:,">
</head>
<body>
<div id="api-reference"></div>
<script src="${DOCS_PATH}/scalar.js?v=${versions.scalar}"></script>
<script src="${DOCS_PATH}/start.js?v=${versions.start}"></script>
</body>
</html>
`

const cached = { "cache-control": "public, max-age=31536000, immutable", "x-content-type-options": "nosniff" }

/**
 * Nothing from another host. (Scalar briefly applies its default theme, web fonts included, before
 * reading `withDefaultFonts: false`; the browser is not allowed to fetch them.)
 */
const PAGE_HEADERS = {
  "cache-control": "no-cache",
  "content-security-policy": [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'"
  ].join("; "),
  "x-content-type-options": "nosniff"
}

const versionOf = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 12)

const fromNodeModules = Effect.gen(function*() {
  // read once, on the first request that needs it
  const loaded = yield* Effect.cached(Effect.map(loadScalar, (javascript) => {
    const start = startScript(OpenApi.fromApi(Api))
    return { javascript, start, versions: { scalar: versionOf(javascript), start: versionOf(start) } }
  }))
  const script = (text: string) => HttpServerResponse.text(text, { contentType: "text/javascript; charset=utf-8", headers: cached })
  return HttpRouter.use(Effect.fnUntraced(function*(router) {
    yield* router.add("GET", DOCS_PATH, Effect.map(loaded, (l) => HttpServerResponse.html(page(l.versions)).pipe(HttpServerResponse.setHeaders(PAGE_HEADERS))))
    yield* router.add("GET", `${DOCS_PATH}/scalar.js`, Effect.map(loaded, (l) => script(l.javascript)))
    yield* router.add("GET", `${DOCS_PATH}/start.js`, Effect.map(loaded, (l) => script(l.start)))
  }))
})

export const DocsLive = Layer.unwrap(
  existsSync(fileURLToPath(SCALAR_MODULE))
    ? fromNodeModules
    : Effect.as(
      Effect.logWarning("Scalar not found in node_modules/effect: /docs inlines it"),
      HttpApiScalar.layer(Api, { path: DOCS_PATH, scalar: { withDefaultFonts: false } })
    )
)
