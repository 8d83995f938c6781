/**
 * Development only: a random JWT secret generated once and kept in `${dataDir}/jwt-secret`,
 * so tokens survive restarts without anyone choosing a secret.
 */
import { randomBytes } from "node:crypto"
import { mkdir, readFile, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { Effect, Redacted } from "effect"
import { InvalidConfig } from "./read.ts"

export const devJwtSecret = (dataDir: string) =>
  Effect.tryPromise({
    try: async () => {
      const file = join(dataDir, "jwt-secret")
      const existing = await readFile(file, "utf8").catch(() => "")
      if (existing.trim().length >= 32) return Redacted.make(existing.trim())
      await mkdir(dataDir, { recursive: true })
      const fresh = randomBytes(48).toString("base64url")
      await writeFile(file, fresh, { mode: 0o600 })
      return Redacted.make(fresh)
    },
    catch: (e) =>
      new InvalidConfig({
        variable: "JWT_SECRET",
        reason: `is unset and no development secret could be kept in DATA_DIR (${String(e)})`
      })
  })
