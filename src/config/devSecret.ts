/**
 * Development only: random secrets generated once and kept in `DATA_DIR` (mode 0600), so JWTs
 * and encrypted channel secrets survive restarts without anyone choosing a secret. Outside
 * development these variables are required instead.
 */
import { randomBytes } from "node:crypto"
import { mkdir, readFile, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { Effect, Redacted } from "effect"
import { InvalidConfig } from "./read.ts"

const keptSecret = (options: { readonly dataDir: string; readonly file: string; readonly variable: string; readonly bytes: number }) =>
  Effect.tryPromise({
    try: async () => {
      const file = join(options.dataDir, options.file)
      const existing = await readFile(file, "utf8").catch(() => "")
      if (existing.trim().length >= 32) return Redacted.make(existing.trim())
      await mkdir(options.dataDir, { recursive: true })
      const fresh = randomBytes(options.bytes).toString("base64url")
      await writeFile(file, fresh, { mode: 0o600 })
      return Redacted.make(fresh)
    },
    catch: (e) =>
      new InvalidConfig({
        variable: options.variable,
        reason: `is unset and no development secret could be kept in DATA_DIR (${String(e)})`
      })
  })

/** `${dataDir}/jwt-secret`: signs dashboard tokens. */
export const devJwtSecret = (dataDir: string) => keptSecret({ dataDir, file: "jwt-secret", variable: "JWT_SECRET", bytes: 48 })

/** `${dataDir}/secrets-key`: encrypts channel secrets at rest. */
export const devSecretsKey = (dataDir: string) => keptSecret({ dataDir, file: "secrets-key", variable: "SECRETS_KEY", bytes: 32 })
