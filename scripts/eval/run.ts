/**
 * Runs the scripted conversations through the real HTL (prompts, policy, guardrails, the LLM
 * client) and scores every turn. "replay": the model's recorded answers are served by a local
 * fake OpenAI server (deterministic; CI). "live": the configured model answers; `record` writes its
 * answers back into the fixtures so the next replay runs on them.
 */
import { DateTime, Duration, Effect, Layer, Option, Redacted } from "effect"
import { ConversationId, OrganizationId } from "../../src/domain/ids.ts"
import { Htl, type HtlSettings } from "../../src/htl/Htl.ts"
import type { TurnContext, TurnMessage } from "../../src/htl/types.ts"
import { Knowledge } from "../../src/knowledge/Knowledge.ts"
import { Llm, type LlmSettings, type LlmShape } from "../../src/llm/Llm.ts"
import { startFakeLlm } from "../../test/support/fakeLlm.ts"
import { loadBusinesses } from "../../test/support/guardrailCorpus.ts"
import { type Conversation, type Expect, type Recorded, saveConversation } from "./fixtures.ts"
import { scorecard, scoreTurn, type TurnScore } from "./score.ts"

export interface EvalOptions {
  readonly mode: "replay" | "live"
  /** Live only: write the model's answers into the fixtures. */
  readonly record: boolean
  /** Live: the configured model and HTL settings. */
  readonly live?: { readonly llm: LlmSettings; readonly htl: HtlSettings }
  readonly onTurn?: (score: TurnScore) => void
}

const ORG = OrganizationId.make("00000000-0000-4000-8000-00000000e001")
const CONVERSATION = ConversationId.make("00000000-0000-4000-8000-00000000e0c1")

/** The model's answers as they come back, per step (what `record` writes). */
const recordingLlm = (llm: LlmShape, sink: Map<string, Array<unknown>>): LlmShape => ({
  ...llm,
  complete: (request) =>
    Effect.tap(llm.complete(request), (r) => Effect.sync(() => void sink.set(request.format.name, [...(sink.get(request.format.name) ?? []), r.value])))
})

const replaySettings = (url: string): LlmSettings => ({
  apiKey: Option.some(Redacted.make("recorded")),
  baseUrl: url,
  model: "recorded",
  maxTokens: 500,
  temperature: 0,
  timeout: Duration.seconds(5),
  retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 }
})

export const runEval = Effect.fnUntraced(function*(conversations: ReadonlyArray<Conversation>, options: EvalOptions) {
  const businesses = loadBusinesses()
  const fake = options.mode === "replay" ? yield* startFakeLlm() : null
  const scores: Array<TurnScore> = []
  const expects: Array<Expect> = []
  for (const conv of conversations) {
    const business = businesses.get(conv.business)
    if (business === undefined) return yield* Effect.die(new Error(`${conv.name}: unknown business "${conv.business}"`))
    const profile = { ...business, organizationId: ORG }
    const sink = new Map<string, Array<unknown>>()
    const llmSettings = fake === null ? options.live?.llm : replaySettings(fake.url)
    if (llmSettings === undefined) return yield* Effect.die(new Error("live mode needs LLM settings"))
    const htlSettings: HtlSettings = options.live?.htl ?? { speculative: "off", minConfidence: 0.5 }
    const llmLayer = Layer.effect(Llm, Effect.map(Effect.service(Llm), (llm) => Llm.of(recordingLlm(llm, sink)))).pipe(
      Layer.provide(Llm.layerWith(llmSettings))
    )
    const htl = yield* Effect.service(Htl).pipe(Effect.provide(Htl.layerWith(htlSettings).pipe(
      Layer.provide(Knowledge.layerMemory(profile, profile.products, profile.faqs)),
      Layer.provide(llmLayer)
    )))
    let history: Array<TurnMessage> = []
    let summary = ""
    let stage: TurnContext["stage"] = "greeting"
    let intentLevel: TurnContext["intentLevel"] = "unknown"
    let sentiment: TurnContext["sentiment"] = "neutral"
    let conversationLanguage: string | null = null
    const recorded: Array<Recorded> = []
    for (const [i, turn] of conv.turns.entries()) {
      if (fake !== null) {
        fake.clearScripts()
        for (const [step, answers] of Object.entries(turn.recorded ?? {})) fake.script(step, ...answers.map((body) => ({ kind: "json" as const, body })))
      }
      sink.clear()
      const now = yield* DateTime.now
      const burst = turn.lead.map((text): TurnMessage => ({ from: "LEAD", text, at: now }))
      const ctx: TurnContext = {
        organizationId: ORG, conversationId: CONVERSATION, trigger: "lead_message", profile, leadName: conv.leadName ?? null,
        rollingSummary: summary, history: history.slice(-3), burst, stage, intentLevel, sentiment, conversationLanguage,
        timing: { now, windowOpen: turn.windowOpen ?? true }, nudges: { followupCount24h: 0, totalNudges: 0 }
      }
      const r = yield* htl.runTurn(ctx)
      const s = yield* htl.summarize(ctx, r)
      const score = scoreTurn(conv, i + 1, turn.expect, r, { in: s.step.tokensIn, out: s.step.tokensOut })
      scores.push(score)
      expects.push(turn.expect)
      options.onTurn?.(score)
      recorded.push(Object.fromEntries(sink))
      summary = s.summary
      stage = r.nextStage
      intentLevel = r.statePatch.intentLevel
      sentiment = r.statePatch.sentiment
      if (r.reply !== null && r.language?.source === "lead") conversationLanguage = r.language.code
      history = [...history, ...burst, ...(r.reply === null ? [] : [{ from: "BOT" as const, text: r.reply.text, at: now }])]
    }
    if (options.record) saveConversation({ ...conv, turns: conv.turns.map((t, i) => ({ ...t, recorded: recorded[i] ?? {} })) })
  }
  return { scorecard: scorecard(scores, expects), turns: scores }
}, Effect.scoped)
