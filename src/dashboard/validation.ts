/** Request decoding failures → 400 `validation_error` with one "field: problem" per issue. */
import { Effect } from "effect"
import { HttpApiMiddleware } from "effect/http-api"
import type { HttpApiError } from "effect/http-api"
import { SchemaIssue } from "effect"
import { ValidationError } from "../domain/dashboard/errors.ts"
import { RequestValidation } from "../domain/dashboard/validation.ts"

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

const segment = (s: PropertyKey | { readonly key: PropertyKey }) => String(typeof s === "object" ? s.key : s)

const ARTICLE: Readonly<Record<string, string>> = { string: "a string", number: "a number", boolean: "a boolean", object: "an object", array: "an array" }

const friendly = (message: string) => {
  if (message === "Missing key") return "is required"
  if (!message.startsWith("Expected ")) return message
  const expected = message.slice("Expected ".length)
  return `must be ${ARTICLE[expected] ?? expected}`
}

export const describeSchemaError = (error: HttpApiError.HttpApiSchemaError) => {
  const where = error.kind === "Payload" ? "body" : error.kind.toLowerCase()
  const issues = formatter(error.cause.issue).issues.map((issue) => {
    const path = (issue.path ?? []).map(segment).join(".")
    return `${path === "" ? where : path}: ${friendly(issue.message)}`
  })
  return issues.length > 0 ? issues.join("; ") : `invalid ${where}`
}

export const RequestValidationLive = HttpApiMiddleware.layerSchemaErrorTransform(
  RequestValidation,
  (error) =>
    error.kind === "Body" || error.kind === "ResponseHeaders"
      ? Effect.fail(error)
      : Effect.fail(new ValidationError({ message: describeSchemaError(error) }))
)
