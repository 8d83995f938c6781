/**
 * The brain's metrics: one model call by the GenAI semantic conventions (duration in seconds,
 * tokens by type, plus `htl.step` and `htl.outcome`), the HTL's decisions and the drafts its
 * guardrails rejected. Built with src/observability/metrics.ts's helpers (Prometheus names), here
 * so that src/htl/ reaches them through src/llm/ alone.
 */
import { Effect, Metric } from "effect"
import { count, counter, record, seconds } from "../observability/metrics.ts"

export { count }

/** GenAI semantic conventions: `gen_ai.client.operation.duration` (s), the advised buckets. */
export const llmOperationDuration = seconds(
  "gen_ai.client.operation.duration",
  "GenAI operation duration",
  [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92]
)
/** GenAI semantic conventions: `gen_ai.client.token.usage`, a histogram by `gen_ai.token.type`. */
export const llmTokenUsage = Metric.histogram("gen_ai.client.token.usage", {
  description: "Number of input and output tokens used",
  boundaries: Metric.boundariesFromIterable([1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864]),
  attributes: { unit: "{token}" }
})

export const decisions = counter("wa.turn.decisions", "HTL decisions by action")
export const guardrailViolations = counter("wa.htl.guardrail_violations", "generate drafts rejected, by rule")

/** One HTL step's model call, by the GenAI conventions (plus `htl.step`, `htl.outcome`). */
export const recordLlmCall = (call: {
  readonly step: string
  readonly model: string | null
  readonly outcome: string
  readonly latencyMs: number
  readonly tokensIn: number
  readonly tokensOut: number
  /** the error's tag when the call failed */
  readonly error?: string | undefined
}) => {
  const common = { "gen_ai.operation.name": "chat", "gen_ai.request.model": call.model ?? "none", "htl.step": call.step }
  const failed = call.error === undefined ? {} : { "error.type": call.error }
  return Effect.all([
    record(llmOperationDuration, call.latencyMs, { ...common, "htl.outcome": call.outcome, ...failed }),
    call.tokensIn > 0 ? record(llmTokenUsage, call.tokensIn, { ...common, "gen_ai.token.type": "input" }) : Effect.void,
    call.tokensOut > 0 ? record(llmTokenUsage, call.tokensOut, { ...common, "gen_ai.token.type": "output" }) : Effect.void
  ], { discard: true })
}
