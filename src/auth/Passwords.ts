/**
 * Password hashing with scrypt (memory-hard, node:crypto). Stored as
 * `scrypt$N$r$p$salt$hash` (base64), verified in constant time. Passwords are never logged.
 */
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto"
import { Effect, Redacted } from "effect"

const N = 16_384
const R = 8
const P = 1
const KEY_LENGTH = 32
const maxmem = (n: number, r: number) => 256 * n * r

const derive = (password: Redacted.Redacted<string>, salt: Buffer, n: number, r: number, p: number, length: number) =>
  Effect.callback<Buffer>((resume) => {
    scrypt(Redacted.value(password).normalize("NFKC"), salt, length, { N: n, r, p, maxmem: maxmem(n, r) }, (error, key) => {
      resume(error === null ? Effect.succeed(key) : Effect.die(error))
    })
  })

export const hashPassword = Effect.fn("Passwords.hash")(function*(password: Redacted.Redacted<string>) {
  const salt = randomBytes(16)
  const key = yield* derive(password, salt, N, R, P, KEY_LENGTH)
  return `scrypt$${N}$${R}$${P}$${salt.toString("base64")}$${key.toString("base64")}`
})

const parse = (stored: string) => {
  const [scheme, n, r, p, salt, hash] = stored.split("$")
  if (scheme !== "scrypt" || n === undefined || r === undefined || p === undefined || salt === undefined || hash === undefined) {
    return undefined
  }
  const params = { n: Number(n), r: Number(r), p: Number(p) }
  return Object.values(params).every((v) => Number.isSafeInteger(v) && v > 0)
    ? { ...params, salt: Buffer.from(salt, "base64"), hash: Buffer.from(hash, "base64") }
    : undefined
}

/** A hash of a random password: verifying against it costs as much as a real one (no user enumeration by timing). */
const decoy = `scrypt$${N}$${R}$${P}$${randomBytes(16).toString("base64")}$${randomBytes(KEY_LENGTH).toString("base64")}`

export const verifyPassword = Effect.fn("Passwords.verify")(function*(
  password: Redacted.Redacted<string>,
  stored: string | undefined
) {
  const parsed = parse(stored ?? decoy)
  if (parsed === undefined) return false
  const key = yield* derive(password, parsed.salt, parsed.n, parsed.r, parsed.p, parsed.hash.length)
  return stored !== undefined && key.length === parsed.hash.length && timingSafeEqual(key, parsed.hash)
})
