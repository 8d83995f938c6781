/**
 * One Graph API call, `POST {base}/{phone_number_id}/messages`, classified without policy:
 * accepted (with the JSON), a Graph error (status + code), or a network failure that either
 * certainly did not reach Meta (connection refused) or may have (timeout, reset).
 */
import { Duration, Effect, Option, Redacted, Schema } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"

export type GraphResult =
  | { readonly _tag: "Accepted"; readonly json: unknown }
  | { readonly _tag: "GraphError"; readonly status: number; readonly code: number; readonly details: string }
  | { readonly _tag: "NotSent"; readonly reason: string }
  | { readonly _tag: "MaybeSent"; readonly reason: string }

const ErrorBody = Schema.Struct({
  error: Schema.Struct({
    code: Schema.Number,
    message: Schema.optionalKey(Schema.String),
    error_subcode: Schema.optionalKey(Schema.Number),
    error_data: Schema.optionalKey(Schema.Struct({ details: Schema.optionalKey(Schema.String) }))
  })
})
const decodeError = Schema.decodeUnknownOption(ErrorBody)

/** Errors raised before the request could have reached the server. */
const NOT_SENT = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ConnectTimeout|bad port/

const causeText = (e: unknown): string => {
  const parts: Array<string> = []
  let current: unknown = e
  for (let i = 0; i < 5 && current !== undefined && current !== null; i++) {
    parts.push(current instanceof Error ? `${current.name}: ${current.message} ${"code" in current ? String(current.code) : ""}` : String(current))
    current = typeof current === "object" && "cause" in current ? current.cause : undefined
  }
  return parts.join(" <- ")
}

export const postMessages = (
  client: HttpClient.HttpClient,
  options: { readonly baseUrl: string; readonly phoneNumberId: string; readonly token: Redacted.Redacted; readonly timeout: Duration.Duration },
  body: unknown
): Effect.Effect<GraphResult> =>
  HttpClientRequest.post(`${options.baseUrl}/${encodeURIComponent(options.phoneNumberId)}/messages`).pipe(
    HttpClientRequest.bearerToken(Redacted.value(options.token)),
    HttpClientRequest.bodyJsonUnsafe(body),
    client.execute,
    Effect.flatMap((response) =>
      Effect.map(response.json.pipe(Effect.orElseSucceed(() => null)), (json): GraphResult => {
        if (response.status >= 200 && response.status < 300) return { _tag: "Accepted", json }
        return Option.match(decodeError(json), {
          onNone: () => ({ _tag: "GraphError", status: response.status, code: response.status >= 500 ? 0 : -1, details: `HTTP ${response.status}` }),
          onSome: ({ error }) => ({
            _tag: "GraphError",
            status: response.status,
            code: error.code,
            details: error.error_data?.details ?? error.message ?? ""
          })
        })
      })
    ),
    Effect.timeoutOrElse({
      duration: options.timeout,
      orElse: () => Effect.succeed<GraphResult>({ _tag: "MaybeSent", reason: "timed out waiting for the Graph API" })
    }),
    Effect.catch((e) => {
      const reason = causeText(e.reason.cause ?? e)
      return Effect.succeed<GraphResult>(NOT_SENT.test(reason) ? { _tag: "NotSent", reason } : { _tag: "MaybeSent", reason })
    }),
    Effect.scoped
  )
