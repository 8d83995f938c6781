/**
 * `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body bytes)>` (WHATSAPP.md §3).
 * Always over the bytes as received; constant-time comparison after a length check. A delivery
 * is checked against exactly one secret (the one its route names), so a forged POST costs one
 * HMAC however many tenants there are.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto"
import { Redacted } from "effect"

export interface AppSecret {
  /** Stable, non-reversible id of the secret (which app signed a delivery). */
  readonly fingerprint: string
  readonly secret: Redacted.Redacted
}

export const fingerprintOf = (secret: Redacted.Redacted): string =>
  createHash("sha256").update(`wa-app-secret:${Redacted.value(secret)}`).digest("hex").slice(0, 16)

export const appSecret = (secret: Redacted.Redacted): AppSecret => ({ fingerprint: fingerprintOf(secret), secret })

export const sign = (secret: Redacted.Redacted | string, body: Uint8Array): string =>
  "sha256=" + createHmac("sha256", typeof secret === "string" ? secret : Redacted.value(secret)).update(body).digest("hex")

const HEADER = /^sha256=([0-9a-f]{64})$/i

let hmacs = 0
/** HMACs computed by `verifySignature` in this process (tests: what one request cost). */
export const hmacsComputed = (): number => hmacs

/** Whether `header` is the HMAC of `body` with `secret`. A malformed header costs no HMAC. */
export const verifySignature = (header: string | undefined, body: Uint8Array, secret: AppSecret): boolean => {
  const match = header === undefined ? null : HEADER.exec(header.trim())
  if (match === null || match[1] === undefined) return false
  const given = Buffer.from(match[1], "hex")
  hmacs++
  const expected = createHmac("sha256", Redacted.value(secret.secret)).update(body).digest()
  return expected.length === given.length && timingSafeEqual(expected, given)
}

/** Constant-time equality of two strings (verify tokens). */
export const safeEqual = (a: string, b: string): boolean => {
  const x = Buffer.from(a, "utf8")
  const y = Buffer.from(b, "utf8")
  return x.length === y.length && timingSafeEqual(x, y)
}
