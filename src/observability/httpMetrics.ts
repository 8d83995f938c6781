/**
 * `http.server.request.duration` for every request the public server answers: method, the
 * matched route's template (`/conversations/:id/messages`, never the raw path, so ids and
 * scanners' paths do not become series; no route: `unmatched`) and the status sent.
 */
import { Clock, Context, Effect } from "effect"
import { HttpRouter, HttpServerError, HttpServerRequest, type HttpServerResponse } from "effect/http"
import { httpServerDuration, record } from "./metrics.ts"

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])

/** For `HttpRouter.serve(…, { middleware })`: it sees the final response, errors turned into statuses. */
export const httpMetrics = <E, R>(app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
  Effect.withFiber((fiber) => {
    const request = Context.getUnsafe(fiber.context, HttpServerRequest.HttpServerRequest)
    const started = fiber.getRef(Clock.Clock).currentTimeMillisUnsafe()
    return Effect.onExit(app, (exit) =>
      Effect.gen(function*() {
        const status = exit._tag === "Success"
          ? exit.value.status
          : (yield* HttpServerError.causeResponse(exit.cause))[0].status
        // the router left the matched route in the request's context
        const route = yield* Effect.map(Effect.context<never>(), (context) => Context.getOrUndefined(context, HttpRouter.RouteContext))
        const elapsed = (yield* Clock.currentTimeMillis) - started
        yield* record(httpServerDuration, elapsed, {
          "http.request.method": METHODS.has(request.method) ? request.method : "_OTHER",
          "http.route": route?.route.path ?? "unmatched",
          "http.response.status_code": String(status)
        })
      }))
  })
