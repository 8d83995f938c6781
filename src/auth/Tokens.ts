/** Dashboard access tokens: HS256 JWTs (jose) signed with `JWT_SECRET`, with an expiry. */
import { Context, Effect, Layer, Redacted, Schema } from "effect"
import { errors, jwtVerify, SignJWT } from "jose"
import { AppConfig } from "../config/AppConfig.ts"
import { Unauthorized } from "../domain/dashboard/errors.ts"
import { Role } from "../domain/enums.ts"

export const TOKEN_TTL_SECONDS = 12 * 60 * 60
export const ISSUER = "wa-sales-agent"
export const AUDIENCE = "wa-dashboard"

const Claims = Schema.Struct({ sub: Schema.String, org: Schema.String, role: Role })
export type Claims = typeof Claims.Type

const decodeClaims = Schema.decodeUnknownEffect(Claims)

export class Tokens extends Context.Service<Tokens, {
  readonly issue: (claims: Claims) => Effect.Effect<string>
  /** Fails with Unauthorized for a malformed, forged, expired or foreign token. */
  readonly verify: (token: string) => Effect.Effect<Claims, Unauthorized>
}>()("wa/auth/Tokens") {
  static readonly layer = Layer.effect(
    Tokens,
    Effect.gen(function*() {
      const config = yield* AppConfig
      const key = new TextEncoder().encode(Redacted.value(config.jwtSecret))

      const issue = Effect.fn("Tokens.issue")((claims: Claims) =>
        Effect.promise(() =>
          new SignJWT({ org: claims.org, role: claims.role })
            .setProtectedHeader({ alg: "HS256", typ: "JWT" })
            .setSubject(claims.sub)
            .setIssuer(ISSUER)
            .setAudience(AUDIENCE)
            .setIssuedAt()
            .setExpirationTime(`${TOKEN_TTL_SECONDS}s`)
            .sign(key)
        )
      )

      const verify = Effect.fn("Tokens.verify")(function*(token: string) {
        if (token.length === 0) return yield* new Unauthorized({ message: "Missing bearer token" })
        const { payload } = yield* Effect.tryPromise({
          try: () => jwtVerify(token, key, { algorithms: ["HS256"], issuer: ISSUER, audience: AUDIENCE }),
          catch: (e) =>
            new Unauthorized({ message: e instanceof errors.JWTExpired ? "Token expired" : "Invalid token" })
        })
        return yield* decodeClaims(payload).pipe(Effect.mapError(() => new Unauthorized({ message: "Invalid token" })))
      })

      return Tokens.of({ issue, verify })
    })
  )
}
