/** HTTP handlers of the auth and me groups. */
import { Effect, Option } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { Api } from "../domain/Api.ts"
import { CurrentUser } from "../domain/dashboard/auth.ts"
import { Accounts } from "./Accounts.ts"

export const AuthHttpLive = HttpApiBuilder.group(Api, "auth", Effect.fn(function*(handlers) {
  const accounts = yield* Accounts
  return handlers
    .handle("signupCreateOrg", ({ payload }) => accounts.createOrg(payload))
    .handle("signupJoinOrg", ({ payload }) => accounts.joinOrg(payload))
    .handle("login", ({ payload, request }) =>
      accounts.login(payload, Option.getOrElse(request.remoteAddress, () => "unknown")))
}))

export const MeHttpLive = HttpApiBuilder.group(Api, "me", Effect.fn(function*(handlers) {
  const accounts = yield* Accounts
  return handlers.handle("me", () => Effect.flatMap(CurrentUser, accounts.me))
}))
