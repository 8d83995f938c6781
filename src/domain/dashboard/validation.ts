import { HttpApiMiddleware } from "effect/http-api"
import { ValidationErrorWire } from "./errors.ts"

/** Turns request decoding failures into 400 `{error: {code: "validation_error", message}}` naming the field. */
export class RequestValidation extends HttpApiMiddleware.Service<RequestValidation>()(
  "wa/dashboard/RequestValidation",
  { error: ValidationErrorWire }
) {}
