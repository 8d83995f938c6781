/**
 * The layout of src/ as a test (plain fs + regex, no dependency): every relative import is read,
 * its folder (the first path segment under src/, or `app`/`main` for the root files) is an edge.
 *
 * - No folder-level import cycle: data flows one way (docs/ARCHITECTURE.md).
 * - A folder imports only its own layer and the layers below it.
 * - src/htl/ (the brain) imports only domain, llm and knowledge besides itself.
 *
 * Each failure lists the offending imports as `importer → imported` paths.
 */
import { readdirSync, readFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { assert, describe, it } from "@effect/vitest"

/** Lowest first; a folder may import its own layer and any layer before it. */
const LAYERS: ReadonlyArray<ReadonlyArray<string>> = [
  ["domain"],
  ["config", "crypto", "db", "events", "lifecycle", "observability", "http", "inbox"], // platform
  ["llm", "knowledge", "htl"], // brain
  ["records"],
  ["whatsapp", "handoffs"], // channel
  ["conversations", "followups"], // engine
  ["auth", "dashboard", "health", "web", "client", "sandbox"], // api
  ["internal"],
  ["app", "main", "engine", "engineMain"]
]
const HTL_MAY_IMPORT = new Set(["htl", "domain", "llm", "knowledge"])

const SRC = resolve(import.meta.dirname, "../src")
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)["'](\.{1,2}\/[^"']+)["']/g

interface Import {
  readonly from: string
  readonly to: string
  /** `src/a/b.ts → src/c/d.ts` */
  readonly path: string
}

const sourceFiles = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    return entry.isDirectory() ? sourceFiles(path) : /\.tsx?$/.test(entry.name) ? [path] : []
  })

/** The top folder under src/ (`app` for src/app.ts); undefined outside src/ (package.json). */
const folderOf = (file: string): string | undefined => {
  const rel = relative(SRC, file)
  return rel.startsWith("..") ? undefined : rel.split("/")[0]?.replace(/\.tsx?$/, "")
}

const folderImports = (): ReadonlyArray<Import> =>
  sourceFiles(SRC).flatMap((file) =>
    Array.from(readFileSync(file, "utf8").matchAll(IMPORT), (m): ReadonlyArray<Import> => {
      const target = resolve(dirname(file), m[1] ?? "")
      const from = folderOf(file)
      const to = folderOf(target)
      return from === undefined || to === undefined || from === to
        ? []
        : [{ from, to, path: `src/${relative(SRC, file)} → src/${relative(SRC, target)}` }]
    }).flat()
  )

/** Strongly connected components with more than one folder (Tarjan). */
const cycles = (imports: ReadonlyArray<Import>): Array<Array<string>> => {
  const next = new Map<string, Set<string>>()
  for (const { from, to } of imports) next.set(from, (next.get(from) ?? new Set()).add(to))
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: Array<string> = []
  const found: Array<Array<string>> = []
  const visit = (v: string) => {
    index.set(v, index.size)
    low.set(v, index.get(v) ?? 0)
    stack.push(v)
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0))
      } else if (stack.includes(w)) {
        low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0))
      }
    }
    if (low.get(v) !== index.get(v)) return
    const component: Array<string> = []
    for (let w = stack.pop(); w !== undefined; w = w === v ? undefined : stack.pop()) component.push(w)
    if (component.length > 1) found.push(component.sort())
  }
  for (const v of next.keys()) if (!index.has(v)) visit(v)
  return found
}

const report = (title: string, imports: ReadonlyArray<Import>) =>
  imports.length === 0 ? "" : `${title}:\n${imports.map((i) => `  ${i.path}`).join("\n")}`

describe("architecture of src/", () => {
  const imports = folderImports()

  it("reads the imports (the test can see an edge)", () => {
    assert.isTrue(imports.some((i) => i.from === "conversations" && i.to === "records"))
  })

  it("has no folder-level import cycle", () => {
    const found = cycles(imports)
    const message = found.map((component) =>
      report(`cycle over ${component.join(", ")}`, imports.filter((i) => component.includes(i.from) && component.includes(i.to)))
    ).join("\n")
    assert.deepStrictEqual(found, [], message)
  })

  it("imports only from its own layer or below", () => {
    const rank = new Map(LAYERS.flatMap((folders, i) => folders.map((f) => [f, i] as const)))
    const unknown = [...new Set(imports.flatMap((i) => [i.from, i.to]))].filter((f) => !rank.has(f))
    assert.deepStrictEqual(unknown, [], "folders missing from LAYERS in test/architecture.test.ts")
    const upward = imports.filter((i) => (rank.get(i.from) ?? 0) < (rank.get(i.to) ?? 0))
    assert.deepStrictEqual(upward.map((i) => i.path), [], report("imports from a higher layer", upward))
  })

  it("keeps src/htl/ to domain, llm and knowledge", () => {
    const outside = imports.filter((i) => i.from === "htl" && !HTL_MAY_IMPORT.has(i.to))
    assert.deepStrictEqual(outside.map((i) => i.path), [], report("src/htl/ imports outside domain, llm, knowledge", outside))
  })
})
