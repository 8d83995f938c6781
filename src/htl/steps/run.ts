/** Runs one step's model call and turns its result or error into an audit record. Never fails. */
import { Clock, Effect } from "effect"
import type { LlmError } from "../../llm/errors.ts"
import type { LlmRequest, LlmResult, LlmShape } from "../../llm/Llm.ts"
import { recordLlmCall } from "../../llm/metrics.ts"
import type { StepName, StepRecord } from "../types.ts"

export type StepRun<A> =
  | { readonly ok: true; readonly value: A; readonly result: LlmResult<A>; readonly record: StepRecord }
  | { readonly ok: false; readonly error: LlmError; readonly record: StepRecord }

export interface StepAudit<A> {
  readonly input: string
  readonly output: (value: A) => string
  readonly details?: (value: A) => Readonly<Record<string, unknown>>
}

export const summarizeText = (text: string, max = 160) => {
  const t = text.replace(/\s+/g, " ").trim()
  return t.length <= max ? t : `${t.slice(0, max - 1)}…`
}

/** The step's span and the gen_ai metrics carry what the audit row carries (no message text). */
const annotate = (r: StepRecord) =>
  Effect.all([
    Effect.annotateCurrentSpan({
      "htl.step": r.step,
      "htl.outcome": r.outcome,
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": r.model ?? "none",
      "gen_ai.usage.input_tokens": r.tokensIn,
      "gen_ai.usage.output_tokens": r.tokensOut,
      "htl.latency_ms": r.latencyMs,
      ...(typeof r.details.attempts === "number" ? { "htl.attempts": r.details.attempts } : {}),
      ...(typeof r.details.error === "string" ? { "error.type": r.details.error } : {})
    }),
    recordLlmCall({ ...r, error: typeof r.details.error === "string" ? r.details.error : undefined })
  ], { discard: true })

export const callStep = <A>(step: StepName, llm: LlmShape, request: LlmRequest<A>, audit: StepAudit<A>): Effect.Effect<StepRun<A>> =>
  Effect.gen(function*() {
    const started = yield* Clock.currentTimeMillis
    const outcome = yield* Effect.result(llm.complete(request))
    if (outcome._tag === "Success") {
      const r = outcome.success
      const record: StepRecord = {
        step,
        outcome: r.repaired ? "repaired" : r.attempts > 1 ? "retried" : "ok",
        latencyMs: r.latencyMs,
        tokensIn: r.usage.promptTokens,
        tokensOut: r.usage.completionTokens,
        model: r.model,
        inputSummary: summarizeText(audit.input),
        outputSummary: summarizeText(audit.output(r.value)),
        details: { attempts: r.attempts, ...(r.normalized.length > 0 ? { normalized: r.normalized } : {}), ...audit.details?.(r.value) }
      }
      yield* annotate(record)
      return { ok: true, value: r.value, result: r, record }
    }
    const error = outcome.failure
    const record: StepRecord = {
      step,
      outcome: "failed",
      latencyMs: (yield* Clock.currentTimeMillis) - started,
      tokensIn: error._tag === "LlmBadOutput" ? error.promptTokens : 0,
      tokensOut: error._tag === "LlmBadOutput" ? error.completionTokens : 0,
      model: llm.configured ? llm.model : null,
      inputSummary: summarizeText(audit.input),
      outputSummary: summarizeText(error.message),
      details: { error: error._tag, ...("attempts" in error ? { attempts: error.attempts } : {}) }
    }
    yield* annotate(record)
    return { ok: false, error, record }
  })
