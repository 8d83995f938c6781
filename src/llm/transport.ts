/**
 * One chat-completion request through the `openai` SDK, with our own timeout (the AbortSignal
 * is aborted on timeout and on fiber interruption) and bounded, jittered retries on 429 / 5xx /
 * network errors that honour Retry-After. The SDK's own retries are off.
 */
import OpenAI from "openai"
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions"
import { Duration, Effect, Random } from "effect"
import { waitingOn } from "../observability/remoteWaits.ts"
import { spanEvent } from "../observability/spanEvent.ts"
import { LlmRateLimited, LlmTimeout, LlmUnavailable } from "./errors.ts"

export interface RetryPolicy {
  /** HTTP attempts per call, first one included. */
  readonly maxAttempts: number
  readonly baseDelayMs: number
  readonly maxDelayMs: number
  /** A Retry-After beyond this is not waited for: the call fails as rate limited. */
  readonly maxRetryAfterMs: number
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 4_000, maxRetryAfterMs: 10_000 }

/** Why one attempt failed. */
export type AttemptFailure =
  | { readonly _tag: "RateLimited"; readonly retryAfterMs: number | null }
  | { readonly _tag: "Unavailable"; readonly status: number | null; readonly reason: string; readonly retryable: boolean }
  | { readonly _tag: "TimedOut" }

/** `retry-after-ms`, else `retry-after` as seconds or an HTTP date. */
export const retryAfterMs = (headers: Headers | undefined, now: number): number | null => {
  const ms = headers?.get("retry-after-ms")
  if (ms != null && Number.isFinite(Number(ms))) return Math.max(0, Math.round(Number(ms)))
  const value = headers?.get("retry-after")
  if (value == null || value.trim() === "") return null
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000))
  const date = Date.parse(value)
  return Number.isNaN(date) ? null : Math.max(0, date - now)
}

export const classify = (e: unknown, now: number): AttemptFailure => {
  if (e instanceof OpenAI.APIError && e.status !== undefined) {
    if (e.status === 429) return { _tag: "RateLimited", retryAfterMs: retryAfterMs(e.headers, now) }
    const retryable = e.status >= 500 || e.status === 408
    return { _tag: "Unavailable", status: e.status, reason: e.message.slice(0, 200), retryable }
  }
  // connection refused/reset, DNS, aborted sockets: the network
  const reason = e instanceof Error ? e.message.slice(0, 200) : "network error"
  return { _tag: "Unavailable", status: null, reason, retryable: true }
}

export type Completion = ChatCompletion & { readonly attempts: number }

const toError = (f: AttemptFailure, attempts: number, timeoutMs: number) =>
  f._tag === "RateLimited"
    ? new LlmRateLimited({ retryAfterMs: f.retryAfterMs, attempts })
    : f._tag === "TimedOut"
    ? new LlmTimeout({ timeoutMs, attempts })
    : new LlmUnavailable({ status: f.status, reason: f.reason, attempts })

/** The delay before attempt `attempt + 1`, or undefined when we should not retry. */
const delayFor = (f: AttemptFailure, attempt: number, policy: RetryPolicy) =>
  Effect.map(Random.nextBetween(0.8, 1.2), (jitter) => {
    if (attempt >= policy.maxAttempts) return undefined
    const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)) * jitter
    switch (f._tag) {
      case "Unavailable":
        return f.retryable ? backoff : undefined
      case "TimedOut": // a hung provider gets one more chance, not two
        return attempt === 1 ? backoff : undefined
      case "RateLimited":
        return f.retryAfterMs === null
          ? backoff
          : f.retryAfterMs > policy.maxRetryAfterMs
          ? undefined
          : Math.max(f.retryAfterMs, backoff)
    }
  })

export const createCompletion = (
  client: OpenAI,
  body: ChatCompletionCreateParamsNonStreaming,
  timeout: Duration.Duration,
  policy: RetryPolicy
): Effect.Effect<Completion, LlmUnavailable | LlmRateLimited | LlmTimeout> => {
  const timeoutMs = Math.round(Duration.toMillis(timeout))
  const once = Effect.tryPromise({
    try: (signal) => client.chat.completions.create(body, { signal }),
    catch: (e): AttemptFailure => classify(e, Date.now())
  }).pipe(Effect.timeoutOrElse({ duration: timeout, orElse: () => Effect.fail<AttemptFailure>({ _tag: "TimedOut" }) }))

  const loop = (attempt: number): Effect.Effect<Completion, LlmUnavailable | LlmRateLimited | LlmTimeout> =>
    once.pipe(
      Effect.map((completion): Completion => ({ ...completion, attempts: attempt })),
      Effect.catch((f) =>
        Effect.flatMap(delayFor(f, attempt, policy), (delay) =>
          delay === undefined
            ? Effect.fail(toError(f, attempt, timeoutMs))
            : Effect.logDebug("llm attempt failed, retrying").pipe(
              Effect.annotateLogs({ failure: f._tag, attempt, delayMs: Math.round(delay) }),
              Effect.andThen(spanEvent("gen_ai.retry", {
                "gen_ai.request.attempt": attempt,
                "error.type": f._tag,
                ...(f._tag === "Unavailable" && f.status !== null ? { "http.response.status_code": f.status } : {}),
                "retry.delay_ms": Math.round(delay)
              })),
              Effect.andThen(Effect.sleep(Duration.millis(delay))),
              Effect.andThen(loop(attempt + 1))
            ))
      )
    )
  // a turn's time outside the model: this call, its retries and their back-off are the model's
  return waitingOn("llm")(loop(1))
}
