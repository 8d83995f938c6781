/** HTTP handlers of the auth and me groups. */
import { Effect, Option } from "effect"
import type { HttpServerRequest } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import { AppConfig } from "../config/AppConfig.ts"
import { Api } from "../domain/Api.ts"
import { CurrentUser } from "../domain/dashboard/auth.ts"
import { Accounts } from "./Accounts.ts"
import { clientAddress } from "../http/clientAddress.ts"

export const AuthHttpLive = HttpApiBuilder.group(Api, "auth", Effect.fn(function*(handlers) {
  const accounts = yield* Accounts
  const { trustProxy } = yield* AppConfig
  const addressOf = (request: HttpServerRequest.HttpServerRequest) =>
    clientAddress(Option.getOrUndefined(request.remoteAddress), request.headers["x-forwarded-for"], trustProxy)
  return handlers
    .handle("signupCreateOrg", ({ payload, request }) => accounts.createOrg(payload, addressOf(request)))
    .handle("signupJoinOrg", ({ payload, request }) => accounts.joinOrg(payload, addressOf(request)))
    .handle("login", ({ payload, request }) => accounts.login(payload, addressOf(request)))
}))

export const MeHttpLive = HttpApiBuilder.group(Api, "me", Effect.fn(function*(handlers) {
  const accounts = yield* Accounts
  return handlers.handle("me", () => Effect.flatMap(CurrentUser, accounts.me))
}))
