/**
 * Development only: a random key for encrypting channel secrets, generated once and kept in
 * `${dataDir}/secrets-key` (like the JWT secret), so stored channels stay readable.
 */
import { randomBytes } from "node:crypto"
import { mkdir, readFile, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { Effect, Redacted } from "effect"
import { InvalidConfig } from "./read.ts"

export const devSecretsKey = (dataDir: string) =>
  Effect.tryPromise({
    try: async () => {
      const file = join(dataDir, "secrets-key")
      const existing = await readFile(file, "utf8").catch(() => "")
      if (existing.trim().length >= 32) return Redacted.make(existing.trim())
      await mkdir(dataDir, { recursive: true })
      const fresh = randomBytes(32).toString("base64url")
      await writeFile(file, fresh, { mode: 0o600 })
      return Redacted.make(fresh)
    },
    catch: (e) =>
      new InvalidConfig({
        variable: "SECRETS_KEY",
        reason: `is unset and no development key could be kept in DATA_DIR (${String(e)})`
      })
  })
