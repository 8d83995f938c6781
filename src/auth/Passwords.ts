/**
 * Password hashing with scrypt (memory-hard, node:crypto). Stored as
 * `scrypt$N$r$p$salt$hash` (base64), verified in constant time. Passwords are never logged.
 *
 * Cost: OWASP's scrypt guidance, N=2^17, r=8, p=1 (128 MiB and ~0.1–0.5 s per hash). The parameters
 * travel in the stored string, so hashes made with an older, cheaper cost keep verifying;
 * `needsRehash` tells the login to replace them. At most `HASH_CONCURRENCY` hashes run at once in a
 * process: that bounds their memory (2 × 128 MiB) and leaves libuv's thread pool (4 threads, also
 * used for files and DNS) free for other work. Hash outside database transactions: a hash holds a
 * connection idle for its whole duration otherwise.
 */
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto"
import { Effect, Redacted, Semaphore } from "effect"

export const SCRYPT_N = 2 ** 17
export const SCRYPT_R = 8
export const SCRYPT_P = 1
const KEY_LENGTH = 32
/** Parameters accepted from a stored hash: anything beyond is not one of ours (and would cost too much). */
const MAX_N = 2 ** 20
const MAX_R = 32
const MAX_P = 16
/** scrypt needs 128·N·r bytes (plus 128·r·p); twice that leaves room. */
const maxmem = (n: number, r: number, p: number) => 256 * n * r + 256 * r * p

export const HASH_CONCURRENCY = 2
const hashing = Semaphore.makeUnsafe(HASH_CONCURRENCY)

const derive = (password: Redacted.Redacted<string>, salt: Buffer, n: number, r: number, p: number, length: number) =>
  hashing.withPermits(1)(Effect.callback<Buffer>((resume) => {
    scrypt(Redacted.value(password).normalize("NFKC"), salt, length, { N: n, r, p, maxmem: maxmem(n, r, p) }, (error, key) => {
      resume(error === null ? Effect.succeed(key) : Effect.die(error))
    })
  }))

export const hashPassword = Effect.fn("Passwords.hash")(function*(password: Redacted.Redacted<string>) {
  const salt = randomBytes(16)
  const key = yield* derive(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, KEY_LENGTH)
  return `scrypt$${SCRYPT_N}$${SCRYPT_R}$${SCRYPT_P}$${salt.toString("base64")}$${key.toString("base64")}`
})

const isPowerOfTwo = (n: number) => n > 1 && (n & (n - 1)) === 0

const parse = (stored: string) => {
  const [scheme, n, r, p, salt, hash, ...rest] = stored.split("$")
  if (scheme !== "scrypt" || n === undefined || r === undefined || p === undefined || salt === undefined || hash === undefined || rest.length > 0) {
    return undefined
  }
  const params = { n: Number(n), r: Number(r), p: Number(p) }
  const sane = Object.values(params).every((v) => Number.isSafeInteger(v) && v > 0) &&
    isPowerOfTwo(params.n) && params.n <= MAX_N && params.r <= MAX_R && params.p <= MAX_P
  const decoded = { ...params, salt: Buffer.from(salt, "base64"), hash: Buffer.from(hash, "base64") }
  return sane && decoded.hash.length > 0 ? decoded : undefined
}

/** A hash of a random password: verifying against it costs as much as a real one (no user enumeration by timing). */
const decoy = `scrypt$${SCRYPT_N}$${SCRYPT_R}$${SCRYPT_P}$${randomBytes(16).toString("base64")}$${randomBytes(KEY_LENGTH).toString("base64")}`

export const verifyPassword = Effect.fn("Passwords.verify")(function*(
  password: Redacted.Redacted<string>,
  stored: string | undefined
) {
  const parsed = parse(stored ?? decoy)
  if (parsed === undefined) return false
  const key = yield* derive(password, parsed.salt, parsed.n, parsed.r, parsed.p, parsed.hash.length)
  return stored !== undefined && key.length === parsed.hash.length && timingSafeEqual(key, parsed.hash)
})

/** A (verified) stored hash made with a weaker cost than today's: hash the password again. */
export const needsRehash = (stored: string): boolean => {
  const parsed = parse(stored)
  return parsed !== undefined &&
    (parsed.n < SCRYPT_N || parsed.r < SCRYPT_R || parsed.p < SCRYPT_P || parsed.hash.length < KEY_LENGTH)
}
