/** Typed failures of an LLM call. Every one says whether the turn can still be answered by the bot. */
import { Schema } from "effect"

/** Tokens already spent when a call failed (bad output, repair): still counted in the audit. */
const spent = { promptTokens: Schema.Int, completionTokens: Schema.Int }

/** No API key configured: the bot does not answer, a human does. */
export class LlmNotConfigured extends Schema.TaggedError<LlmNotConfigured>()("LlmNotConfigured", {}) {
  override get message() {
    return "no LLM API key configured (LLM_API_KEY / GROQ_API_KEY)"
  }
}

/** Network failure, 5xx, or a non-retryable 4xx, after the bounded retries. */
export class LlmUnavailable extends Schema.TaggedError<LlmUnavailable>()("LlmUnavailable", {
  status: Schema.NullOr(Schema.Int),
  reason: Schema.String,
  attempts: Schema.Int
}) {
  override get message() {
    return `LLM unavailable${this.status === null ? "" : ` (HTTP ${this.status})`}: ${this.reason}`
  }
}

/** 429 after the bounded retries, or a Retry-After longer than we are willing to wait. */
export class LlmRateLimited extends Schema.TaggedError<LlmRateLimited>()("LlmRateLimited", {
  retryAfterMs: Schema.NullOr(Schema.Int),
  attempts: Schema.Int
}) {
  override get message() {
    return `LLM rate limited${this.retryAfterMs === null ? "" : ` (retry after ${this.retryAfterMs} ms)`}`
  }
}

/** No answer within LLM_TIMEOUT (the request was aborted), after the bounded retries. */
export class LlmTimeout extends Schema.TaggedError<LlmTimeout>()("LlmTimeout", {
  timeoutMs: Schema.Int,
  attempts: Schema.Int
}) {
  override get message() {
    return `LLM timed out after ${this.timeoutMs} ms`
  }
}

/** The model's output did not decode with the step's Schema, even after one repair request. */
export class LlmBadOutput extends Schema.TaggedError<LlmBadOutput>()("LlmBadOutput", {
  step: Schema.String,
  reason: Schema.String,
  ...spent
}) {
  override get message() {
    return `LLM output for ${this.step} did not match its schema: ${this.reason}`
  }
}

export type LlmError = LlmNotConfigured | LlmUnavailable | LlmRateLimited | LlmTimeout | LlmBadOutput
