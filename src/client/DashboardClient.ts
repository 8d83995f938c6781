/**
 * Typed clients a dashboard can import (browser or Node): the HTTP API (`makeDashboardHttpClient`)
 * and the RPC group with its live event stream over WebSocket (`DashboardRpcClient`).
 *
 *   const program = Effect.gen(function*() {
 *     const rpc = yield* DashboardRpcClient
 *     yield* rpc["events.subscribe"]().pipe(Stream.runForEach(Console.log))
 *   }).pipe(Effect.provide(DashboardRpcClient.layer({ baseUrl: "http://127.0.0.1:8000", token })))
 */
import { Context, Effect, Layer } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { HttpApiClient } from "effect/http-api"
import { RpcClient, type RpcClientError, RpcSerialization } from "effect/rpc"
import { Socket } from "effect/socket"
import { Api } from "../domain/Api.ts"
import { DashboardRpcs } from "../domain/dashboard/rpc.ts"

export interface ClientOptions {
  /** The server's origin, e.g. "http://127.0.0.1:8000". */
  readonly baseUrl: string
  /** An `access_token` from /auth/login or a signup. */
  readonly token: string
}

/** ws(s)://…/rpc?access_token=… (browsers cannot set headers on a WebSocket). */
export const rpcUrl = (options: ClientOptions) => {
  const url = new URL("/rpc", options.baseUrl)
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:"
  url.searchParams.set("access_token", options.token)
  return url.toString()
}

export class DashboardRpcClient extends Context.Service<DashboardRpcClient, RpcClient.FromGroup<typeof DashboardRpcs, RpcClientError.RpcClientError>>()(
  "wa/client/DashboardRpcClient"
) {
  /** Connects lazily; the socket closes with the layer's scope. Needs nothing else in a browser or Node ≥ 22. */
  static readonly layer = (options: ClientOptions) =>
    Layer.effect(DashboardRpcClient, RpcClient.make(DashboardRpcs)).pipe(
      Layer.provide(RpcClient.layerProtocolSocket({ retryTransientErrors: true })),
      Layer.provide(Socket.layerWebSocket(rpcUrl(options))),
      Layer.provide(Socket.layerWebSocketConstructorGlobal),
      Layer.provide(RpcSerialization.layerJson)
    )
}

/** The HttpApi client for `Api`, with the base URL and bearer token applied to every request. */
export const makeDashboardHttpClient = (options: ClientOptions) =>
  HttpApiClient.make(Api, {
    transformClient: HttpClient.mapRequest((request) =>
      request.pipe(HttpClientRequest.prependUrl(options.baseUrl), HttpClientRequest.bearerToken(options.token))
    )
  })

export type DashboardHttpClient = Effect.Success<ReturnType<typeof makeDashboardHttpClient>>
