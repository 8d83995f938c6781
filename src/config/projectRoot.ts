/**
 * The project's root directory (the one holding package.json), found from this module's own
 * location: the same answer whether it runs from `src/` (`npm run dev`, tests) or from the
 * production bundle in `dist/` (`npm start`, scripts/start.mjs), where every module shares the
 * bundle's `import.meta.url`. Files the service reads at run time (migrations, the web inbox's
 * sources) are named from here.
 */
import { existsSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const find = (from: string): string => {
  if (existsSync(join(from, "package.json"))) return from
  const up = dirname(from)
  if (up === from) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`)
  return find(up)
}

export const PROJECT_ROOT = find(dirname(fileURLToPath(import.meta.url)))

/** A path under the project's root. */
export const projectPath = (...parts: ReadonlyArray<string>): string => join(PROJECT_ROOT, ...parts)
