/** Password hashes: today's cost, old hashes, what needs a rehash, and how many hash at once. */
import { randomBytes, scryptSync } from "node:crypto"
import { stat } from "node:fs/promises"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Redacted } from "effect"
import { HASH_CONCURRENCY, hashPassword, needsRehash, verifyPassword } from "../../src/auth/Passwords.ts"

const secret = (s: string) => Redacted.make(s)

const legacyHash = (password: string, n: number) => {
  const salt = randomBytes(16)
  return `scrypt$${n}$8$1$${salt.toString("base64")}$${scryptSync(password, salt, 32, { N: n, r: 8, p: 1 }).toString("base64")}`
}

const millis = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const start = performance.now()
    yield* effect
    return performance.now() - start
  })

describe("passwords", () => {
  it.live("today's hashes carry N=2^17, r=8, p=1 and verify; old-cost hashes verify and need a rehash", () =>
    Effect.gen(function*() {
      const hash = yield* hashPassword(secret("pässword-1"))
      assert.match(hash, /^scrypt\$131072\$8\$1\$/)
      assert.isTrue(yield* verifyPassword(secret("pässword-1"), hash))
      // NFKC: the same password typed with a combining accent
      assert.isTrue(yield* verifyPassword(secret("pa\u0308ssword-1"), hash))
      assert.isFalse(yield* verifyPassword(secret("password-1"), hash))
      assert.isFalse(needsRehash(hash))

      const old = legacyHash("old password", 16384)
      assert.isTrue(yield* verifyPassword(secret("old password"), old))
      assert.isFalse(yield* verifyPassword(secret("old passwort"), old))
      assert.isTrue(needsRehash(old))
    }))

  it.live("unknown accounts, foreign or absurd hashes never verify", () =>
    Effect.gen(function*() {
      assert.isFalse(yield* verifyPassword(secret("x"), undefined))
      for (const stored of ["", "bcrypt$2b$10$abc", "scrypt$16384$8$1$c2FsdA==", "scrypt$1000$8$1$c2FsdA==$aGFzaA==", "scrypt$4194304$8$1$c2FsdA==$aGFzaA=="]) {
        assert.isFalse(yield* verifyPassword(secret("x"), stored), stored)
        assert.isFalse(needsRehash(stored), stored)
      }
    }))

  it.live(`at most ${HASH_CONCURRENCY} hashes at once: file work on libuv's pool does not wait behind a burst of hashes`, () =>
    Effect.gen(function*() {
      const one = yield* millis(hashPassword(secret("warm-up")))
      const burst = yield* Effect.forkChild(Effect.forEach(Array.from({ length: 8 }), () => hashPassword(secret("burst")), { concurrency: "unbounded" }))
      yield* Effect.sleep("50 millis") // the burst has started
      // libuv has 4 threads; with all 4 hashing, a stat would wait for one of them to finish
      const statTook = yield* millis(Effect.promise(() => stat(import.meta.filename)))
      yield* Fiber.join(burst)
      assert.isBelow(statTook, one / 2, `stat took ${statTook.toFixed(0)} ms, one hash ${one.toFixed(0)} ms`)
    }))
})
