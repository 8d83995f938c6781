import { Schema } from "effect"

/** The system of record could not be read or written (database, or the API's internal RPC). */
export class StoreError extends Schema.TaggedError<StoreError>()("StoreError", {
  reason: Schema.String
}) {
  override get message() {
    return this.reason
  }

  /** One line from whatever failed: a tagged error's message, an Error's, or the value. */
  static from(cause: unknown): StoreError {
    if (cause instanceof StoreError) return cause
    const reason = cause instanceof Error ? `${"_tag" in cause ? String(cause._tag) : cause.name}: ${cause.message}` : String(cause)
    return new StoreError({ reason: reason.slice(0, 500) })
  }
}
