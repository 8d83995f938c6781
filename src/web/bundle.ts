/**
 * The web inbox's assets, built in-process by esbuild from `src/web/browser/` (TypeScript + JSX
 * with Preact, and one stylesheet): no build step before `npm start`, nothing on disk. Every file
 * is kept in memory with its gzip and brotli forms and a content hash in its name, so browsers may
 * cache it for good; the HTML page (page.ts) names the current files.
 */
import { stat } from "node:fs/promises"
import { promisify } from "node:util"
import { brotliCompress, constants, gzip } from "node:zlib"
import * as esbuild from "esbuild"
import { Clock, Effect, Schema } from "effect"
import { projectPath } from "../config/projectRoot.ts"

/** The browser app's entry; its stylesheet is imported by it. */
export const ENTRY = projectPath("src", "web", "browser", "main.tsx")
/** Where the built files are served (`/app/assets/main-XXXX.js`). */
export const ASSETS_PATH = "/app/assets/"

export class WebBuildError extends Schema.TaggedError<WebBuildError>()("WebBuildError", {
  message: Schema.String
}) {}

export interface Asset {
  readonly contentType: string
  /**
   * The file as built; null for source maps: only developer tools read them, and they are large
   * (the script's, with the sources of its libraries, ≈ 10 MB), so they are kept gzip-compressed
   * only (≈ 1.8 MB) and unpacked for the rare client that takes no gzip.
   */
  readonly body: Uint8Array | null
  readonly gzip: Uint8Array
  /** null for source maps */
  readonly brotli: Uint8Array | null
  /** A strong validator: the content hash esbuild computed. */
  readonly etag: string
}

export interface Bundle {
  /** By file name under ASSETS_PATH. */
  readonly assets: ReadonlyMap<string, Asset>
  readonly script: string
  readonly stylesheet: string | null
  /** Bytes of the entry script as served before compression, and brotli-compressed. */
  readonly sizes: { readonly script: number; readonly scriptBrotli: number }
}

const OPTIONS = {
  entryPoints: [ENTRY],
  bundle: true,
  format: "esm",
  platform: "browser",
  target: ["es2022", "chrome111", "firefox115", "safari16.4"],
  jsx: "automatic",
  jsxImportSource: "preact",
  minify: true,
  sourcemap: "linked",
  sourcesContent: true,
  legalComments: "linked",
  entryNames: "[name]-[hash]",
  assetNames: "[name]-[hash]",
  outdir: "/app-assets",
  write: false,
  logLevel: "silent"
} satisfies esbuild.BuildOptions

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8"
}

const typeOf = (name: string) => TYPES[/\.[a-z]+$/.exec(name)?.[0] ?? ""] ?? "application/octet-stream"

const brotli = promisify(brotliCompress)
const gzipAsync = promisify(gzip)

const compress = (body: Uint8Array) =>
  Effect.promise(() =>
    Promise.all([
      gzipAsync(body, { level: 9 }),
      brotli(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_SIZE_HINT]: body.byteLength } })
    ])
  )

const failure = (error: unknown) => {
  const messages = error instanceof Error && "errors" in error && Array.isArray(error.errors)
    ? error.errors.map((e: esbuild.Message) => `${e.location?.file ?? ""}:${e.location?.line ?? ""} ${e.text}`).join("; ")
    : String(error)
  return new WebBuildError({ message: `the web inbox could not be built: ${messages}` })
}

/** The output files of one esbuild run, compressed and indexed. */
const toBundle = Effect.fnUntraced(function*(files: ReadonlyArray<esbuild.OutputFile>) {
  const assets = new Map<string, Asset>()
  for (const file of files) {
    const name = file.path.slice(file.path.lastIndexOf("/") + 1)
    const common = { contentType: typeOf(name), etag: `"${file.hash}"` }
    if (name.endsWith(".map")) {
      const gz = yield* Effect.promise(() => gzipAsync(file.contents, { level: 6 }))
      assets.set(name, { ...common, body: null, gzip: gz, brotli: null })
      continue
    }
    const [gz, br] = yield* compress(file.contents)
    // a copy: esbuild's files are views into its whole answer, maps included, which would
    // otherwise stay in memory for as long as the bundle is served
    assets.set(name, { ...common, body: file.contents.slice(), gzip: gz, brotli: br })
  }
  const script = [...assets.keys()].find((n) => /^main-[^.]+\.js$/.test(n))
  if (script === undefined) return yield* new WebBuildError({ message: "the web inbox build produced no script" })
  const stylesheet = [...assets.keys()].find((n) => /^main-[^.]+\.css$/.test(n)) ?? null
  const entry = assets.get(script)
  const bundle: Bundle = {
    assets,
    script,
    stylesheet,
    sizes: { script: entry?.body?.byteLength ?? 0, scriptBrotli: entry?.brotli?.byteLength ?? 0 }
  }
  return bundle
})

export interface Built {
  readonly bundle: Bundle
  /** Our own source files (not node_modules) the bundle was made from. */
  readonly sources: ReadonlyArray<string>
  /** epoch ms */
  readonly at: number
}

/** esbuild runs in this process (tests may build several bundles at once). */
let running = 0

/**
 * One esbuild run. Its service process (and its read buffer, as large as its largest answer,
 * ≈ 12 MB here) is stopped once no build runs: builds are rare (at start, and in development
 * after an edit), and the next one starts it again.
 */
const runEsbuild = Effect.acquireUseRelease(
  Effect.sync(() => running++),
  () => Effect.tryPromise({ try: () => esbuild.build({ ...OPTIONS, metafile: true }), catch: failure }),
  () => Effect.suspend(() => (--running === 0 ? Effect.promise(() => esbuild.stop()) : Effect.void))
)

/** One minified build, with the list of its source files. */
export const build = Effect.gen(function*() {
  // an edit made while esbuild reads the files is newer than this: the next check sees it
  const at = yield* Clock.currentTimeMillis
  const result = yield* runEsbuild
  const bundle = yield* toBundle(result.outputFiles)
  // metafile paths are relative to the working directory esbuild ran in (this process's)
  const sources = Object.keys(result.metafile.inputs).filter((p) => !p.includes("node_modules/"))
  const built: Built = { bundle, sources, at }
  return built
}).pipe(Effect.withSpan("WebApp.build"))

/** True when a source file changed (or went away) after the bundle was built. */
export const isStale = (built: Built) =>
  Effect.promise(async () => {
    for (const file of built.sources) {
      const info = await stat(file).catch(() => null)
      if (info === null || info.mtimeMs > built.at) return true
    }
    return false
  })
