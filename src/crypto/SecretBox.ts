/**
 * Secrets at rest (channel tokens, app secrets): AES-256-GCM with a key derived from
 * `SECRETS_KEY`. Stored form: `v1.` + base64url(iv ‖ tag ‖ ciphertext).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto"
import { Context, Effect, Layer, Redacted, Schema } from "effect"
import { AppConfig } from "../config/AppConfig.ts"

export class SecretUnreadable extends Schema.TaggedError<SecretUnreadable>()("SecretUnreadable", {
  reason: Schema.String
}) {}

const PREFIX = "v1."

export const makeSecretBox = (key: Redacted.Redacted) => {
  const aesKey = createHash("sha256").update(`wa-secrets:${Redacted.value(key)}`).digest()
  const seal = (plain: Redacted.Redacted): string => {
    const iv = randomBytes(12)
    const cipher = createCipheriv("aes-256-gcm", aesKey, iv)
    const body = Buffer.concat([cipher.update(Redacted.value(plain), "utf8"), cipher.final()])
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url")
  }
  const open = (sealed: string): Effect.Effect<Redacted.Redacted, SecretUnreadable> =>
    Effect.try({
      try: () => {
        if (!sealed.startsWith(PREFIX)) throw new Error("unknown format")
        const raw = Buffer.from(sealed.slice(PREFIX.length), "base64url")
        const decipher = createDecipheriv("aes-256-gcm", aesKey, raw.subarray(0, 12))
        decipher.setAuthTag(raw.subarray(12, 28))
        return Redacted.make(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8"))
      },
      // never echo the stored value: only why it could not be opened
      catch: (e) => new SecretUnreadable({ reason: e instanceof Error ? e.message : "decryption failed" })
    })
  return { seal, open }
}

export class SecretBox extends Context.Service<SecretBox, ReturnType<typeof makeSecretBox>>()("wa/SecretBox") {
  static readonly layer = Layer.effect(SecretBox, Effect.map(AppConfig, (c) => SecretBox.of(makeSecretBox(c.secretsKey))))
}
