/**
 * `npm run eval`: replays the scripted conversations of test/fixtures/conversations/ against the
 * configured LLM (LLM_API_KEY, LLM_BASE_URL, LLM_MODEL, …) and prints, per turn, the decision,
 * the reply, guardrail violations, tokens and latency. Not part of CI: it calls a real model.
 * `npm run eval -- pricing` replays only the fixtures whose name starts with "pricing".
 */
import { readdir, readFile } from "node:fs/promises"
import { join } from "node:path"
import { DateTime, Effect, Layer, Schema } from "effect"
import { AppConfig } from "../src/config/AppConfig.ts"
import { ConversationId, OrganizationId } from "../src/domain/ids.ts"
import { Htl } from "../src/htl/Htl.ts"
import type { TurnContext, TurnMessage } from "../src/htl/types.ts"
import { defaultProfile, Knowledge } from "../src/knowledge/Knowledge.ts"
import { Faq, Product } from "../src/knowledge/types.ts"
import { Llm } from "../src/llm/Llm.ts"

const DIR = "test/fixtures/conversations"

const Conversation = Schema.Struct({
  name: Schema.String,
  business: Schema.Struct({
    businessName: Schema.String,
    description: Schema.String,
    tone: Schema.String,
    languages: Schema.Array(Schema.String),
    policies: Schema.String,
    timezone: Schema.String
  }),
  products: Schema.Array(Product),
  faqs: Schema.Array(Faq),
  turns: Schema.Array(Schema.Struct({ lead: Schema.Array(Schema.String), windowOpen: Schema.optional(Schema.Boolean) }))
})
type Conversation = typeof Conversation.Type
const decode = Schema.decodeUnknownEffect(Schema.fromJsonString(Conversation))

const ORG = OrganizationId.make("00000000-0000-4000-8000-00000000e001")
const CONVERSATION = ConversationId.make("00000000-0000-4000-8000-00000000e0c1")

const replay = Effect.fn("eval.replay")(function*(conv: Conversation) {
  const profile = {
    ...defaultProfile(ORG),
    ...conv.business,
    hasFollowupTemplate: true,
    catalogPrices: conv.products.flatMap((p) => (p.price === null ? [] : [{ amount: p.price, currency: p.currency }]))
  }
  const htl = yield* Effect.service(Htl).pipe(Effect.provide(Htl.layer.pipe(
    Layer.provide(Knowledge.layerMemory(profile, conv.products, conv.faqs)),
    Layer.provide(Llm.layer)
  )))
  console.log(`\n=== ${conv.name} (${conv.turns.length} turns)`)
  let history: Array<TurnMessage> = []
  let summary = ""
  let stage: TurnContext["stage"] = "greeting"
  let intentLevel: TurnContext["intentLevel"] = "unknown"
  let sentiment: TurnContext["sentiment"] = "neutral"
  for (const [i, turn] of conv.turns.entries()) {
    const now = yield* DateTime.now
    const burst = turn.lead.map((text): TurnMessage => ({ from: "LEAD", text, at: now }))
    const ctx: TurnContext = {
      organizationId: ORG, conversationId: CONVERSATION, trigger: "lead_message", profile, leadName: null,
      rollingSummary: summary, history, burst, stage, intentLevel, sentiment,
      timing: { now, windowOpen: turn.windowOpen ?? true }, nudges: { followupCount24h: 0, totalNudges: 0 }
    }
    const r = yield* htl.runTurn(ctx)
    console.log(`\n#${i + 1} lead: ${turn.lead.join(" / ")}`)
    console.log(`   ${r.action} — ${r.reason}`)
    if (r.reply !== null) console.log(`   reply [${r.reply.language}]: ${r.reply.text}`)
    for (const v of r.violations) console.log(`   violation ${v.rule}: ${v.detail}`)
    for (const s of r.steps) console.log(`   · ${s.step.padEnd(9)} ${s.outcome.padEnd(9)} ${String(s.latencyMs).padStart(5)} ms  in ${s.tokensIn} out ${s.tokensOut}`)
    const s = yield* htl.summarize(ctx, r)
    console.log(`   · summarize ${s.step.outcome.padEnd(9)} ${String(s.step.latencyMs).padStart(5)} ms  in ${s.step.tokensIn} out ${s.step.tokensOut}`)
    console.log(`   tokens: prompt ${r.usage.promptTokens + s.step.tokensIn}, completion ${r.usage.completionTokens + s.step.tokensOut}, wasted ${r.usage.wastedTokens}; reply ready in ${r.latencyMs} ms`)
    summary = s.summary
    stage = r.nextStage
    intentLevel = r.statePatch.intentLevel
    sentiment = r.statePatch.sentiment
    history = [...history, ...burst, ...(r.reply === null ? [] : [{ from: "BOT" as const, text: r.reply.text, at: now }])]
  }
})

const main = Effect.gen(function*() {
  const config = yield* AppConfig
  const only = process.argv[2]
  console.log(`LLM ${config.llm.model} at ${config.llm.baseUrl}; speculative=${config.htl.speculative}`)
  if (config.llm.apiKey._tag === "None") console.log("No LLM_API_KEY: every turn will be handed to a human (that is the expected behaviour).")
  const files = (yield* Effect.promise(() => readdir(DIR))).filter((f) => f.endsWith(".json") && (only === undefined || f.startsWith(only))).sort()
  for (const file of files) {
    const conv = yield* decode(yield* Effect.promise(() => readFile(join(DIR, file), "utf8")))
    yield* replay(conv)
  }
}).pipe(Effect.provide(AppConfig.layer))

await Effect.runPromise(main)
