/**
 * The Human Thinking Layer as a service. The conversation engine calls `runTurn` with a
 * `TurnContext` and acts on the `TurnResult` (send the reply, schedule, or hand off), then
 * calls `summarize` after sending and stores the new rolling summary. Neither ever fails:
 * an LLM that is down, slow, misconfigured or misbehaving yields HANDOFF_HUMAN with a reason.
 */
import { Cause, Context, Effect, Layer } from "effect"
import { Knowledge } from "../knowledge/Knowledge.ts"
import { Llm } from "../llm/Llm.ts"
import { count, decisions } from "../llm/metrics.ts"
import { LanguageDetector } from "./policy/detector.ts"
import { evidenceOf, type LanguageTarget, replyLanguage } from "./policy/replyLanguage.ts"
import { makeSpeculation, type SpeculationMode } from "./speculation.ts"
import { HUMAN_OUTCOME } from "./prompts/summarize.ts"
import { summarize as summarizeStep } from "./steps/summarize.ts"
import { runTurn } from "./turn.ts"
import type { StepRecord, SummaryResult, TurnContext, TurnResult } from "./types.ts"

export interface HtlSettings {
  /** Start Generate beside Decide: always, never, or while Decide mostly says SEND_NOW. */
  readonly speculative: SpeculationMode
  /** Analyze confidence below this hands the turn to a human. */
  readonly minConfidence: number
}

export interface HtlShape {
  /** `steps`: where the turn's step records go as they are made (the caller keeps those of a turn it interrupts) */
  readonly runTurn: (context: TurnContext, steps?: Array<StepRecord>) => Effect.Effect<TurnResult>
  /**
   * Folds the turn into the rolling summary; on failure the previous summary comes back unchanged.
   * `turn` is the text that was sent, the turn's result (for turns without a reply), or a person
   * of the team wrote (their messages are the context's newest).
   */
  readonly summarize: (context: TurnContext, turn: string | SummarizeTurn | HumanWrote) => Effect.Effect<SummaryResult>
  /** Share of recent turns Decide answered SEND_NOW (null before the first turn). */
  readonly sendNowShare: Effect.Effect<number | null>
  /** The language a reply in this context must be in (what runTurn decides too). */
  readonly language: (context: TurnContext) => LanguageTarget
}

export type SummarizeTurn = Pick<TurnResult, "action" | "reply" | "nextStage">
/** A person of the team wrote to the lead (from the dashboard). */
export interface HumanWrote {
  readonly human: true
}

/** Words beyond this are cut: the summary must not grow turn after turn. */
const MAX_SUMMARY_WORDS = 220

const clipWords = (text: string, max: number) => {
  const words = text.trim().split(/\s+/)
  return words.length <= max ? text.trim() : `${words.slice(0, max).join(" ")}…`
}

export const makeHtl = Effect.fnUntraced(function*(settings: HtlSettings) {
  const llm = yield* Llm
  const knowledge = yield* Knowledge
  const speculation = yield* makeSpeculation(settings.speculative)
  const scorer = yield* LanguageDetector
  const deps = { llm, knowledge, speculation, minConfidence: settings.minConfidence, scorer }

  const summarize = Effect.fn("Htl.summarizeTurn")(function*(context: TurnContext, turn: string | SummarizeTurn | HumanWrote) {
    const outcome = typeof turn === "string"
      ? { action: "SEND_NOW", replyText: turn, stage: context.stage }
      : "human" in turn
      ? { action: HUMAN_OUTCOME, replyText: null, stage: context.stage }
      : { action: turn.action, replyText: turn.reply?.text ?? null, stage: turn.nextStage }
    const run = yield* summarizeStep(llm, context, outcome)
    const next = run.ok ? clipWords(run.value.updated_rolling_summary, MAX_SUMMARY_WORDS) : ""
    return next === ""
      ? { summary: context.rollingSummary, updated: false, step: run.record }
      : { summary: next, updated: true, step: run.record }
  })

  return {
    runTurn: (context: TurnContext, steps?: Array<StepRecord>) =>
      runTurn(deps, context, steps).pipe(
        // a defect (a bug) still ends in a handoff; an interruption (the engine gave up on the turn) stays one
        Effect.catchCauseIf((cause) => !Cause.hasInterruptsOnly(cause), (cause) =>
          Effect.logError("HTL turn failed unexpectedly", cause).pipe(
            Effect.as<TurnResult>({
              action: "HANDOFF_HUMAN",
              reason: "internal_error: the assistant failed unexpectedly",
              handoff: { code: "internal_error", detail: "the assistant failed unexpectedly" },
              reply: null,
              nextStage: context.stage,
              statePatch: { intentLevel: context.intentLevel, sentiment: context.sentiment },
              recommendedCta: null,
              followupInMinutes: null,
              templateRequired: false,
              violations: [],
              steps: [],
              usage: { promptTokens: 0, completionTokens: 0, wastedTokens: 0 },
              latencyMs: 0,
              language: null
            })
          )
        ),
        Effect.tap((r) => count(decisions, { action: r.action, handoff: r.handoff?.code ?? "none" }))
      ),
    summarize,
    sendNowShare: speculation.sendNowShare,
    language: (context: TurnContext) => replyLanguage(scorer, evidenceOf(context))
  } satisfies HtlShape
})

export class Htl extends Context.Service<Htl, HtlShape>()("wa/Htl") {
  /** Needs Llm and Knowledge; the app reads the settings from AppConfig (src/conversations/htlLive.ts). */
  static readonly layerWith = (settings: HtlSettings) =>
    Layer.effect(Htl, Effect.map(makeHtl(settings), Htl.of)).pipe(Layer.provide(LanguageDetector.layer))
}
