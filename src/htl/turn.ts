/**
 * One turn: Analyze → (knowledge) → Decide → Generate (SEND_NOW only) → guardrails, with
 * Generate optionally started speculatively beside Decide. Never fails: every problem ends in
 * HANDOFF_HUMAN with a visible reason. Summarize is separate (the engine sends first).
 */
import { Clock, Effect, Exit, Fiber } from "effect"
import type { KnowledgeShape } from "../knowledge/Knowledge.ts"
import { emptyExcerpt } from "../knowledge/types.ts"
import type { LlmShape } from "../llm/Llm.ts"
import { type DraftRun, draftAndCheck, type KnowledgeLookup, lookupKnowledge } from "./draft.ts"
import { applyDecidePolicy } from "./policy/decide.ts"
import { describeViolations } from "./policy/guardrails.ts"
import type { Scorer } from "./policy/language.ts"
import { evidenceOf, replyLanguage } from "./policy/replyLanguage.ts"
import { generateSystem, generateUser } from "./prompts/generate.ts"
import { handoffCodeFor, handoffResult, usageOf } from "./result.ts"
import type { Speculation } from "./speculation.ts"
import { analyze } from "./steps/analyze.ts"
import { decide } from "./steps/decide.ts"
import type { AnalyzeOutput } from "./steps/schemas.ts"
import type { StepRecord, TurnContext, TurnResult } from "./types.ts"

export interface TurnDeps {
  readonly llm: LlmShape
  readonly knowledge: KnowledgeShape
  readonly speculation: Speculation
  readonly minConfidence: number
  /** The language detector (fastText), for the reply language and the language guardrail. */
  readonly scorer: Scorer
}

interface Spec {
  readonly lookup: KnowledgeLookup
  readonly draft: DraftRun
}

/** A speculative draft nobody will send: audited as discarded, its tokens counted as wasted. */
const discard = Effect.fnUntraced(function*(fiber: Fiber.Fiber<Spec>, estimatedPromptTokens: number, model: string) {
  yield* Fiber.interrupt(fiber)
  const exit = yield* Fiber.await(fiber)
  const records: Array<StepRecord> = []
  if (Exit.isSuccess(exit)) {
    if (exit.value.lookup.record !== null) records.push(exit.value.lookup.record)
    records.push({ ...exit.value.draft.record, outcome: "discarded", details: { ...exit.value.draft.record.details, speculative: true } })
  } else {
    records.push({
      step: "generate",
      outcome: "discarded",
      latencyMs: 0,
      tokensIn: estimatedPromptTokens,
      tokensOut: 0,
      model,
      inputSummary: "speculative draft",
      outputSummary: "interrupted: Decide did not say SEND_NOW",
      details: { speculative: true, estimated: true }
    })
  }
  return records
})

export const runTurn = Effect.fn("Htl.runTurn")(function*(deps: TurnDeps, ctx: TurnContext, steps: Array<StepRecord> = []) {
  const { llm, knowledge, speculation, minConfidence, scorer } = deps
  const started = yield* Clock.currentTimeMillis
  const elapsed = Effect.map(Clock.currentTimeMillis, (now) => now - started)
  const fail = (input: Parameters<typeof handoffResult>[1]) => Effect.map(elapsed, (ms) => handoffResult(ctx, input, steps, ms))

  // the reply language needs only the context: a fiber of its own works it out while Analyze
  // waits on the model (it runs once this one has sent Analyze's request and waits)
  const languageFiber = yield* Effect.forkChild(Effect.sync(() => replyLanguage(scorer, evidenceOf(ctx))))
  const a = yield* analyze(llm, ctx)
  steps.push(a.record)
  if (!a.ok) {
    yield* Fiber.interrupt(languageFiber)
    return yield* fail({ code: handoffCodeFor(a.error), detail: a.error.message, analysis: null })
  }
  const analysis: AnalyzeOutput = { ...a.value, confidence: Math.min(1, Math.max(0, a.value.confidence)) }
  const language = yield* Fiber.join(languageFiber)

  const canSpeculate = ctx.timing.windowOpen && analysis.confidence >= minConfidence &&
    analysis.risk_flags.policy_risk !== "high" && analysis.risk_flags.spam_risk !== "high" && (yield* speculation.shouldSpeculate)
  const specPlan = { nextStage: analysis.stage_recommendation, cta: null }
  const specFiber = canSpeculate
    ? yield* Effect.forkChild(Effect.gen(function*() {
      const lookup = yield* lookupKnowledge(knowledge, ctx, analysis)
      const draft = yield* draftAndCheck(llm, scorer, ctx, { analysis, knowledge: lookup.excerpt, plan: specPlan, language, violations: null }, { speculative: true })
      return { lookup, draft } satisfies Spec
    }))
    : null
  // without speculation the knowledge lookup (a database query) still runs beside Decide
  const lookupFiber = specFiber === null ? yield* Effect.forkChild(lookupKnowledge(knowledge, ctx, analysis)) : null
  // an interrupted draft reports no usage: its prompt is estimated (characters / 4)
  const estimate = () => Math.ceil((generateSystem(ctx, language).length + generateUser(ctx, analysis, emptyExcerpt, specPlan, null).length) / 4)
  const dropSpec = specFiber === null
    ? (lookupFiber === null ? Effect.void : Fiber.interrupt(lookupFiber))
    : Effect.suspend(() => Effect.map(discard(specFiber, estimate(), llm.model), (rs) => void steps.push(...rs)))

  const d = yield* decide(llm, ctx, analysis)
  if (!d.ok) {
    steps.push(d.record)
    yield* dropSpec
    return yield* fail({ code: handoffCodeFor(d.error), detail: d.error.message, analysis })
  }
  const policy = applyDecidePolicy(analysis, d.value, ctx, minConfidence)
  steps.push({ ...d.record, details: { ...d.record.details, finalAction: policy.action, overrides: policy.overrides } })
  yield* speculation.record(policy.action)

  if (policy.action !== "SEND_NOW") {
    yield* dropSpec
    if (policy.handoff !== null) {
      return yield* fail({ code: policy.handoff.code, detail: policy.handoff.detail, analysis, nextStage: policy.nextStage, recommendedCta: policy.recommendedCta })
    }
    return {
      action: policy.action,
      reason: policy.why,
      handoff: null,
      reply: null,
      nextStage: policy.nextStage,
      statePatch: { intentLevel: analysis.intent_level, sentiment: analysis.user_sentiment },
      recommendedCta: policy.recommendedCta,
      followupInMinutes: policy.followupInMinutes,
      templateRequired: policy.templateRequired,
      violations: [],
      steps,
      usage: usageOf(steps),
      latencyMs: yield* elapsed,
      language
    } satisfies TurnResult
  }

  const plan = { nextStage: policy.nextStage, cta: policy.recommendedCta }
  let lookup: KnowledgeLookup
  let draft: DraftRun
  if (specFiber !== null) {
    const spec = yield* Fiber.join(specFiber)
    lookup = spec.lookup
    draft = spec.draft
  } else {
    lookup = lookupFiber === null ? yield* lookupKnowledge(knowledge, ctx, analysis) : yield* Fiber.join(lookupFiber)
    draft = yield* draftAndCheck(llm, scorer, ctx, { analysis, knowledge: lookup.excerpt, plan, language, violations: null }, {})
  }
  if (lookup.record !== null) steps.push(lookup.record)
  steps.push(draft.record)

  if (draft.ok && draft.violations.length > 0) {
    const first = draft.violations
    draft = yield* draftAndCheck(llm, scorer, ctx, { analysis, knowledge: lookup.excerpt, plan, language, violations: describeViolations(first) }, { regenerated: true })
    steps.push(draft.record)
    if (draft.ok && draft.violations.length > 0) {
      return yield* fail({
        code: "guardrail_violation",
        detail: `draft broke the rules twice: ${[...new Set(draft.violations.map((v) => v.rule))].join(", ")}`,
        analysis,
        violations: [...first, ...draft.violations],
        nextStage: policy.nextStage,
        recommendedCta: policy.recommendedCta
      })
    }
  }
  if (!draft.ok) return yield* fail({ code: handoffCodeFor(draft.error), detail: draft.error.message, analysis, nextStage: policy.nextStage })

  return {
    action: "SEND_NOW",
    reason: policy.why,
    handoff: null,
    reply: { text: draft.output.message_text.trim(), language: language.code, ctaType: draft.output.cta_type },
    nextStage: policy.nextStage,
    statePatch: { intentLevel: draft.output.state_patch.intent_level, sentiment: draft.output.state_patch.user_sentiment },
    recommendedCta: policy.recommendedCta,
    followupInMinutes: null,
    templateRequired: false,
    violations: [],
    steps,
    usage: usageOf(steps),
    latencyMs: yield* elapsed,
    language
  } satisfies TurnResult
})
