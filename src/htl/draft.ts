/**
 * Knowledge lookup and draft + guardrail check: the pieces of the turn between Decide and the
 * reply. A draft record carries its violations; a violating draft never becomes a reply.
 */
import { Clock, Effect } from "effect"
import type { KnowledgeShape } from "../knowledge/Knowledge.ts"
import { count, guardrailViolations } from "../llm/metrics.ts"
import { emptyExcerpt, type KnowledgeExcerpt } from "../knowledge/types.ts"
import type { LlmError } from "../llm/errors.ts"
import type { LlmShape } from "../llm/Llm.ts"
import { checkDraft, guardrailContext } from "./policy/guardrails.ts"
import type { Scorer } from "./policy/language.ts"
import { generate, type GenerateInput } from "./steps/generate.ts"
import { summarizeText } from "./steps/run.ts"
import type { AnalyzeOutput, GenerateOutput } from "./steps/schemas.ts"
import type { StepRecord, TurnContext, Violation } from "./types.ts"

export interface KnowledgeLookup {
  readonly excerpt: KnowledgeExcerpt
  readonly record: StepRecord | null
}

/** Analyze's `need_kb.query` → the few products/FAQs for the prompt. A lookup failure is audited, not fatal. */
export const lookupKnowledge = Effect.fn("Htl.knowledge")(function*(knowledge: KnowledgeShape, ctx: TurnContext, analysis: AnalyzeOutput) {
  const query = analysis.need_kb.query.trim()
  if (!analysis.need_kb.required || query === "") return { excerpt: emptyExcerpt, record: null } satisfies KnowledgeLookup
  const started = yield* Clock.currentTimeMillis
  const found = yield* Effect.result(knowledge.search(ctx.organizationId, query))
  const latencyMs = (yield* Clock.currentTimeMillis) - started
  const excerpt = found._tag === "Success" ? found.success : emptyExcerpt
  const record: StepRecord = {
    step: "knowledge",
    outcome: found._tag === "Success" ? "ok" : "failed",
    latencyMs,
    tokensIn: 0,
    tokensOut: 0,
    model: null,
    inputSummary: summarizeText(query, 120),
    outputSummary: found._tag === "Success"
      ? summarizeText(`${excerpt.products.map((p) => p.name).join(", ") || "no products"}; ${excerpt.faqs.length} FAQ(s)`)
      : summarizeText(found.failure.reason),
    details: { products: excerpt.products.length, faqs: excerpt.faqs.length }
  }
  return { excerpt, record } satisfies KnowledgeLookup
})

export type DraftRun =
  | { readonly ok: true; readonly output: GenerateOutput; readonly violations: ReadonlyArray<Violation>; readonly record: StepRecord }
  | { readonly ok: false; readonly error: LlmError; readonly record: StepRecord }

/** The guardrail checks on a draft, in code; the span says which rules broke, never the text. */
const guardrails = Effect.fn("Htl.guardrails")(function*(text: string, input: GenerateInput, ctx: TurnContext, scorer: Scorer) {
  const violations = checkDraft(text, guardrailContext(ctx, input.knowledge, input.language, scorer))
  yield* Effect.annotateCurrentSpan({
    "htl.guardrails.violations": violations.length,
    "htl.guardrails.rules": [...new Set(violations.map((v) => v.rule))].join(",")
  })
  return violations
})

export const draftAndCheck = (
  llm: LlmShape,
  scorer: Scorer,
  ctx: TurnContext,
  input: GenerateInput,
  details: Readonly<Record<string, unknown>>
) =>
  Effect.tap(Effect.flatMap(generate(llm, ctx, input), (run) => Effect.gen(function*() {
    if (!run.ok) return { ok: false, error: run.error, record: { ...run.record, details: { ...run.record.details, ...details } } } satisfies DraftRun
    const violations = yield* guardrails(run.value.message_text, input, ctx, scorer)
    const record: StepRecord = violations.length === 0
      ? { ...run.record, details: { ...run.record.details, ...details } }
      : { ...run.record, outcome: "violation", details: { ...run.record.details, ...details, violations } }
    return { ok: true, output: run.value, violations, record } satisfies DraftRun
  })), (draft) =>
    draft.ok
      ? Effect.forEach(new Set(draft.violations.map((v) => v.rule)), (rule) => count(guardrailViolations, { rule }), { discard: true })
      : Effect.void)
