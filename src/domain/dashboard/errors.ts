/**
 * Dashboard API errors. Each is a Schema tagged error (its class carries the HTTP status); on the
 * HTTP wire every one is encoded as `{error: {code, message}}` (SPEC §8.1) by its `*Wire` schema.
 */
import { Schema, SchemaTransformation } from "effect"
import { HttpApiSchema } from "effect/http-api"

export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", {
  message: Schema.String
}, { httpApiStatus: 401 }) {}

export class Forbidden extends Schema.TaggedError<Forbidden>()("Forbidden", {
  message: Schema.String
}, { httpApiStatus: 403 }) {}

export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {
  message: Schema.String
}, { httpApiStatus: 404 }) {}

export class Conflict extends Schema.TaggedError<Conflict>()("Conflict", {
  message: Schema.String
}, { httpApiStatus: 409 }) {}

/** Free text outside the 24-hour customer service window: a template is needed. */
export class WindowClosed extends Schema.TaggedError<WindowClosed>()("WindowClosed", {
  message: Schema.String
}, { httpApiStatus: 409 }) {}

export class ValidationError extends Schema.TaggedError<ValidationError>()("ValidationError", {
  message: Schema.String
}, { httpApiStatus: 400 }) {}

export class TooManyAttempts extends Schema.TaggedError<TooManyAttempts>()("TooManyAttempts", {
  message: Schema.String,
  retryAfterSeconds: Schema.Int
}, { httpApiStatus: 429 }) {}

export const ErrorBody = <const Code extends string>(code: Code, status: number) =>
  Schema.Struct({
    error: Schema.Struct({ code: Schema.Literal(code), message: Schema.String })
  }).annotate({ httpApiStatus: status })

/** `{error: {code, message}}` on the wire, the tagged error inside. */
const onWire = <S extends Schema.Top & { readonly Type: { readonly message: string } }, const Code extends string>(
  self: S,
  code: Code,
  status: number,
  make: (message: string) => S["Type"]
) =>
  ErrorBody(code, status).pipe(
    Schema.decodeTo(
      Schema.toType(self),
      SchemaTransformation.transform({
        decode: ({ error }) => make(error.message),
        encode: (e: S["Type"]) => ({ error: { code, message: e.message } })
      })
    )
  ).annotate({ httpApiStatus: status })

export const UnauthorizedWire = onWire(Unauthorized, "unauthorized", 401, (message) => new Unauthorized({ message }))
export const ForbiddenWire = onWire(Forbidden, "forbidden", 403, (message) => new Forbidden({ message }))
export const NotFoundWire = onWire(NotFound, "not_found", 404, (message) => new NotFound({ message }))
export const ConflictWire = onWire(Conflict, "conflict", 409, (message) => new Conflict({ message }))
export const WindowClosedWire = onWire(WindowClosed, "window_closed", 409, (message) => new WindowClosed({ message }))
export const ValidationErrorWire = onWire(ValidationError, "validation_error", 400, (message) => new ValidationError({ message }))

/** 429 with a `Retry-After` header (seconds). */
export const TooManyAttemptsWire = TooManyAttempts.pipe(
  HttpApiSchema.encodeToWithHeaders({
    body: ErrorBody("too_many_attempts", 429),
    headers: { "retry-after": Schema.String }
  }, {
    decode: ({ body, headers }) =>
      new TooManyAttempts({ message: body.error.message, retryAfterSeconds: Number(headers["retry-after"]) || 1 }),
    encode: (e) => ({
      body: { error: { code: "too_many_attempts" as const, message: e.message } },
      headers: { "retry-after": String(e.retryAfterSeconds) }
    })
  })
)

/** The errors an RPC call may fail with (RPC keeps the tagged shape). */
export const RpcError = Schema.Union([Unauthorized, Forbidden, NotFound, Conflict, WindowClosed, ValidationError, TooManyAttempts])
export type RpcError = typeof RpcError.Type
