/**
 * The dashboard RPC server on `GET /rpc` (WebSocket). The upgrade is refused with 401 unless the
 * request carries a valid token (`Authorization: Bearer …`, or `?access_token=` for browsers);
 * the token then rides along as a header on every call, checked again by RpcAuthentication.
 */
import { Effect, Layer, Result } from "effect"
import { Headers, HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { RpcSerialization, RpcServer } from "effect/rpc"
import { Authenticator, bearerToken } from "../../auth/Authentication.ts"
import { CurrentUser } from "../../domain/dashboard/auth.ts"
import { RpcAuthentication, DashboardRpcs } from "../../domain/dashboard/rpc.ts"
import { DashboardRpcHandlers } from "./handlers.ts"

export const RPC_PATH = "/rpc"

const tokenOf = (request: HttpServerRequest.HttpServerRequest) => {
  const fromHeader = bearerToken(request.headers.authorization)
  if (fromHeader !== "") return fromHeader
  const url = new URL(request.url, "http://localhost")
  return url.searchParams.get("access_token") ?? ""
}

const ProtocolLive = Layer.effect(
  RpcServer.Protocol,
  Effect.gen(function*() {
    const { httpEffect, protocol } = yield* RpcServer.makeProtocolWithHttpEffectWebsocket
    const authenticator = yield* Authenticator
    const router = yield* HttpRouter.HttpRouter
    yield* router.add("GET", RPC_PATH, (request) =>
      Effect.gen(function*() {
        if (request.headers.upgrade?.toLowerCase() !== "websocket") {
          return HttpServerResponse.jsonUnsafe(
            { error: { code: "upgrade_required", message: "/rpc speaks WebSocket: connect with a WebSocket client" } },
            { status: 426, headers: { upgrade: "websocket" } }
          )
        }
        const token = tokenOf(request)
        const caller = yield* Effect.result(authenticator.authenticate(token))
        if (Result.isFailure(caller)) {
          return HttpServerResponse.jsonUnsafe(
            { error: { code: "unauthorized", message: caller.failure.message } },
            { status: 401 }
          )
        }
        const authorized = request.modify({ headers: Headers.set(request.headers, "authorization", `Bearer ${token}`) })
        return yield* Effect.provideService(httpEffect, HttpServerRequest.HttpServerRequest, authorized)
      }))
    return protocol
  })
)

const RpcAuthenticationLive = Layer.effect(
  RpcAuthentication,
  Effect.map(Authenticator, (authenticator) =>
    RpcAuthentication.of((effect, { headers }) =>
      Effect.flatMap(
        authenticator.authenticate(bearerToken(headers.authorization)),
        (caller) => Effect.provideService(effect, CurrentUser, caller)
      )))
)

export const DashboardRpcLive = RpcServer.layer(DashboardRpcs).pipe(
  Layer.provide([DashboardRpcHandlers, RpcAuthenticationLive]),
  Layer.provide(ProtocolLive),
  Layer.provide(RpcSerialization.layerJson)
)
