/**
 * Proof that an access token reaches a WhatsApp number before a tenant may bind it:
 * `GET {WHATSAPP_API_BASE_URL}/{phone_number_id}?fields=id,display_phone_number` with the token
 * must answer 200 with that very id. Anything else (a Graph error, another id, no answer) is no
 * proof; the reason names what the Graph API said, never the token.
 */
import { Context, Duration, Effect, Layer, Option, Redacted, Schema } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import { AppConfig } from "../config/AppConfig.ts"

const TIMEOUT = Duration.seconds(10)

export class OwnershipNotProven extends Schema.TaggedError<OwnershipNotProven>()("OwnershipNotProven", {
  reason: Schema.String
}) {
  override get message() {
    return this.reason
  }
}

const PhoneNumber = Schema.Struct({ id: Schema.String, display_phone_number: Schema.optionalKey(Schema.String) })
const GraphError = Schema.Struct({ error: Schema.Struct({ code: Schema.Number, message: Schema.optionalKey(Schema.String) }) })
const decodeNumber = Schema.decodeUnknownOption(PhoneNumber)
const decodeError = Schema.decodeUnknownOption(GraphError)

export class NumberOwnership extends Context.Service<NumberOwnership, {
  /** The number's display form when `token` reaches `phoneNumberId`; `OwnershipNotProven` otherwise. */
  readonly prove: (
    phoneNumberId: string,
    token: Redacted.Redacted
  ) => Effect.Effect<{ readonly displayPhoneNumber: Option.Option<string> }, OwnershipNotProven>
}>()("wa/NumberOwnership") {
  static readonly layer = Layer.effect(NumberOwnership, Effect.gen(function*() {
    const baseUrl = (yield* AppConfig).whatsapp.apiBaseUrl
    const client = yield* HttpClient.HttpClient
    const notProven = (reason: string) => new OwnershipNotProven({ reason })
    return NumberOwnership.of({
      prove: Effect.fn("NumberOwnership.prove")(function*(phoneNumberId: string, token: Redacted.Redacted) {
        const request = HttpClientRequest.get(`${baseUrl}/${encodeURIComponent(phoneNumberId)}`).pipe(
          HttpClientRequest.setUrlParam("fields", "id,display_phone_number"),
          HttpClientRequest.bearerToken(Redacted.value(token))
        )
        const { status, json } = yield* client.execute(request).pipe(
          Effect.flatMap((r) => Effect.map(r.json.pipe(Effect.orElseSucceed(() => null)), (json) => ({ status: r.status, json }))),
          Effect.scoped,
          Effect.timeoutOrElse({ duration: TIMEOUT, orElse: () => Effect.fail(notProven("the Graph API did not answer in time; try again")) }),
          Effect.catchTag("HttpClientError", () => Effect.fail(notProven("the Graph API could not be reached; try again")))
        )
        yield* Effect.annotateCurrentSpan({ "http.response.status_code": status })
        const found = decodeNumber(json)
        if (status === 200 && Option.isSome(found) && found.value.id === phoneNumberId) {
          return { displayPhoneNumber: Option.fromNullishOr(found.value.display_phone_number) }
        }
        const graph = decodeError(json)
        return yield* notProven(
          status === 200
            ? "the Graph API answered for another number with this access_token"
            : Option.match(graph, {
              onNone: () => `the Graph API refused this access_token for it (HTTP ${status})`,
              onSome: ({ error }) => `the Graph API refused this access_token for it (HTTP ${status}, code ${error.code})`
            })
        )
      })
    })
  })).pipe(Layer.provide(FetchHttpClient.layer))
}
