/**
 * Bearer token → CurrentUser, for the HttpApi (Authorization middleware) and the RPC server.
 * The token must verify (HS256, not expired) and name an active user of that organization; the
 * role is read from the database, so a demoted or deactivated user loses access at once.
 */
import { Context, Effect, Layer, Redacted } from "effect"
import { Authorization, type Caller, CurrentUser } from "../domain/dashboard/auth.ts"
import { Forbidden, Unauthorized } from "../domain/dashboard/errors.ts"
import { Accounts } from "./Accounts.ts"
import { Presence } from "./Presence.ts"
import { Tokens } from "./Tokens.ts"

export class Authenticator extends Context.Service<Authenticator, {
  readonly authenticate: (token: string) => Effect.Effect<Caller, Unauthorized>
}>()("wa/auth/Authenticator") {
  static readonly layer = Layer.effect(
    Authenticator,
    Effect.gen(function*() {
      const tokens = yield* Tokens
      const accounts = yield* Accounts
      const presence = yield* Presence
      return Authenticator.of({
        authenticate: Effect.fn("Authenticator.authenticate")(function*(token: string) {
          const claims = yield* tokens.verify(token)
          const account = yield* accounts.find(claims.sub, claims.org)
          if (account === undefined) return yield* new Unauthorized({ message: "Account not found or inactive" })
          const caller: Caller = { id: account.id, organizationId: account.organizationId, role: account.role }
          yield* presence.seen(caller)
          return caller
        })
      })
    })
  )
}

/** The HttpApi bearer middleware. */
export const AuthorizationLive = Layer.effect(
  Authorization,
  Effect.gen(function*() {
    const authenticator = yield* Authenticator
    return Authorization.of({
      bearer: (httpEffect, { credential }) =>
        Effect.flatMap(
          authenticator.authenticate(Redacted.value(credential)),
          (caller) => Effect.provideService(httpEffect, CurrentUser, caller)
        )
    })
  })
)

/** Admin-only operations (settings, channels, invites, deletes). */
export const requireAdmin = (caller: Caller) =>
  caller.role === "admin" ? Effect.void : Effect.fail(new Forbidden({ message: "This action needs the admin role" }))

/** The token of an `Authorization: Bearer …` header value, else "". */
export const bearerToken = (header: string | undefined) => {
  const match = header === undefined ? null : /^Bearer\s+(.+)$/i.exec(header.trim())
  return match?.[1]?.trim() ?? ""
}
