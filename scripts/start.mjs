/**
 * `npm start`: the service as it runs in production. Bundles src/main.ts and the project's own
 * modules into dist/main.mjs (esbuild, ≈ 0.1 s; node_modules stay external), then runs that
 * bundle in this process. Plain JavaScript on purpose: running the TypeScript sources directly
 * loads Node's type stripper and compiles ~200 modules one by one at every start — ≈ 30 MB of
 * resident memory and ≈ 0.3 s of start-up the service never needs again (README "Benchmarks").
 * The V8 flags are on package.json's `start` line (they must be given before the heap exists).
 * `npm run dev` runs the sources directly, with --watch. `npm run build` (`--build-only`) writes the
 * bundle and exits: an image built that way runs `node --max-semi-space-size=8 dist/main.mjs`.
 */
import { mkdir, rename, writeFile } from "node:fs/promises"
import { fileURLToPath, pathToFileURL } from "node:url"
import { build, stop } from "esbuild"

const root = fileURLToPath(new URL("..", import.meta.url))
const outfile = `${root}dist/main.mjs`
// in a function: nothing of the build (≈ 10 MB of output and esbuild's read buffer) stays referenced
const bundle = async () => {
  const built = await build({
    entryPoints: [`${root}src/main.ts`],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node24",
    packages: "external",
    sourcemap: "linked",
    logLevel: "warning",
    write: false
  })
  // each file whole or not at all: services starting side by side never read a half-written bundle
  await mkdir(`${root}dist`, { recursive: true })
  for (const file of built.outputFiles) {
    const partial = `${file.path}.${process.pid}.tmp`
    await writeFile(partial, file.contents)
    await rename(partial, file.path)
  }
  // esbuild's service process and its buffers are not needed again by this one (the web inbox's
  // build starts its own when it runs)
  await stop()
}
await bundle()
if (!process.argv.includes("--build-only")) await import(pathToFileURL(outfile).href)
