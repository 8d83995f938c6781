/**
 * The browser's bridge to the service, on the project's typed clients (src/client): sign-in and
 * signups over the HttpApi client, everything else over the RPC group on one WebSocket, with the
 * live event stream. The UI calls plain async functions; Effect runs here, at the edge.
 */
import { Cause, Effect, Exit, Fiber, Layer, ManagedRuntime, Schedule, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import { RpcClient } from "effect/rpc"
import { DashboardRpcClient, makeDashboardHttpClient } from "../../client/DashboardClient.ts"
import type { AuthResponse, CreateOrgPayload, JoinOrgPayload, LoginPayload, Me } from "../../domain/dashboard/auth.ts"
import type { DomainEvent } from "../../domain/events.ts"

/** A failure the UI can show: the server's message, or why the server could not be reached. */
export class ApiError extends Error {
  readonly tag: string
  constructor(tag: string, message: string) {
    super(message)
    this.tag = tag
  }
}

const messageOf = (error: unknown): ApiError => {
  if (typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string") {
    const tag = error._tag
    if (tag === "RpcClientError" || tag === "HttpClientError") {
      return new ApiError("Offline", "The server cannot be reached. Check your connection; the inbox retries by itself.")
    }
    if (tag === "SchemaError") return new ApiError(tag, "The server answered something this page does not understand: reload it.")
    if ("message" in error && typeof error.message === "string") return new ApiError(tag, error.message)
  }
  return new ApiError("Unknown", String(error))
}

const run = async <A, E, R>(runtime: ManagedRuntime.ManagedRuntime<R, unknown>, effect: Effect.Effect<A, E, R>) => {
  const exit = await runtime.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) return exit.value
  const failure = Cause.findError(exit.cause)
  throw messageOf(failure._tag === "Success" ? failure.success : Cause.squash(exit.cause))
}

const anonymous = ManagedRuntime.make(FetchHttpClient.layer)
const authClient = makeDashboardHttpClient({ baseUrl: location.origin, token: "" })

/** Sign in, or sign up with a new organization, or join one with its invite code; who a token is. */
export const auth = {
  me: (token: string): Promise<Me> =>
    run(anonymous, Effect.flatMap(makeDashboardHttpClient({ baseUrl: location.origin, token }), (c) => c.me.me())),
  login: (payload: LoginPayload): Promise<AuthResponse> =>
    run(anonymous, Effect.flatMap(authClient, (c) => c.auth.login({ payload }))),
  createOrg: (payload: CreateOrgPayload): Promise<AuthResponse> =>
    run(anonymous, Effect.flatMap(authClient, (c) => c.auth.signupCreateOrg({ payload }))),
  joinOrg: (payload: JoinOrgPayload): Promise<AuthResponse> =>
    run(anonymous, Effect.flatMap(authClient, (c) => c.auth.signupJoinOrg({ payload })))
}

export type Rpc = DashboardRpcClient["Service"]

export type ConnectionState = "connecting" | "live" | "offline"

export interface Connection {
  /** One typed RPC call: `call((rpc) => rpc["conversations.list"]({}))`. */
  readonly call: <A, E>(f: (rpc: Rpc) => Effect.Effect<A, E>) => Promise<A>
  /** Stops the event stream and closes the socket. */
  readonly close: () => Promise<void>
}

/**
 * Opens the RPC connection and subscribes to the organization's events. `onEvent` gets every
 * event; `onState` the connection's state; `onResume` is called each time the stream starts
 * again after a gap (events may have been missed: reload what is shown).
 */
export const connect = (options: {
  readonly token: string
  readonly onEvent: (event: DomainEvent) => void
  readonly onState: (state: ConnectionState) => void
  readonly onResume: () => void
}): Connection => {
  const hooks = Layer.succeed(RpcClient.ConnectionHooks, {
    onConnect: Effect.sync(() => options.onState("live")),
    onDisconnect: Effect.sync(() => options.onState("offline"))
  })
  const runtime = ManagedRuntime.make(
    Layer.provide(DashboardRpcClient.layer({ baseUrl: location.origin, token: options.token }), hooks)
  )
  let started = 0
  const subscription = Effect.gen(function*() {
    const rpc = yield* DashboardRpcClient
    if (started++ > 0) yield* Effect.sync(options.onResume)
    yield* rpc["events.subscribe"]().pipe(Stream.runForEach((event) => Effect.sync(() => options.onEvent(event))))
  }).pipe(
    // the stream ends with the socket: subscribe again (the client reconnects by itself)
    Effect.ignore,
    Effect.repeat(Schedule.spaced("1 second"))
  )
  options.onState("connecting")
  const fiber = runtime.runFork(subscription)
  return {
    call: (f) => run(runtime, Effect.flatMap(DashboardRpcClient, f)),
    close: async () => {
      await runtime.runPromise(Fiber.interrupt(fiber))
      await runtime.dispose()
    }
  }
}
