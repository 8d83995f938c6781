/**
 * HTL benchmark against the fake LLM server with the seed's step latencies (analyze 200 ms,
 * decide 150, generate 200, summarize 150):
 * - time from pipeline start to "reply ready": (a) the seed's serial order (analyze → decide →
 *   generate → summarize, then send) vs (b) ours (Generate speculatively beside Decide, Summarize
 *   after the send), interleaved in the same run;
 * - prompt tokens per turn at turn 5 vs turn 50 of a scripted 50-turn conversation.
 * Prints the figures and writes bench/results/htl.json (--smoke: htl-smoke.json, 2 runs and 10
 * turns at a tenth of the latencies, so npm test keeps the bench working).
 *   node bench/htl.ts [--smoke] [runs=7]
 */
import { DateTime, Effect } from "effect"
import { analyzeFormat, decideFormat, generateFormat, summarizeFormat } from "../src/htl/steps/schemas.ts"
import type { TurnContext, TurnMessage } from "../src/htl/types.ts"
import { startFakeLlm } from "../test/support/fakeLlm.ts"
import { analysis, bot, context, draft, GOOD_REPLY, goodDefaults, htlFor, lead, summary } from "../test/support/htlFixtures.ts"
import { writeResult } from "./support.ts"

const smoke = process.argv.includes("--smoke")
const [runsArg] = process.argv.slice(2).filter((a) => !a.startsWith("--"))
const RUNS = Number(runsArg ?? (smoke ? 2 : 7))
const TURNS = smoke ? 10 : 50
const scale = smoke ? 0.1 : 1
const LATENCY = { analyze: 200 * scale, decide: 150 * scale, generate: 200 * scale, summarize: 150 * scale }
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0
const now = Effect.sync(() => performance.now())

const latency = Effect.gen(function*() {
  const fake = yield* startFakeLlm(goodDefaults)
  Object.assign(fake.latency, LATENCY)
  const serial = yield* htlFor(fake, { speculative: "off" })
  const ours = yield* htlFor(fake, { speculative: "on" })
  const a: Array<number> = []
  const b: Array<number> = []
  for (let i = 0; i < RUNS; i++) {
    let t = yield* now
    const ra = yield* serial.runTurn(context())
    yield* serial.summarize(context(), ra) // the seed summarizes before the worker sends
    if (ra.reply === null) throw new Error("serial run did not produce a reply")
    a.push((yield* now) - t)
    t = yield* now
    const rb = yield* ours.runTurn(context())
    if (rb.reply === null) throw new Error("our run did not produce a reply")
    b.push((yield* now) - t) // reply ready: the engine sends now, Summarize follows
    yield* ours.summarize(context(), rb)
  }
  return { serialMs: a.map(Math.round), oursMs: b.map(Math.round), serialMedianMs: Math.round(median(a)), oursMedianMs: Math.round(median(b)) }
}).pipe(Effect.scoped)

const LEAD_LINES = [
  "Hi, do you have a CRM for shops?", "We are 4 people.", "How much is the premium plan?", "Does it include WhatsApp?",
  "Can I import my contacts from Excel?", "Is there a free trial?", "What about the onboarding?", "Ok, and yearly billing?",
  "My partner has to agree first.", "We mostly sell cakes online and in the shop."
]

const tokens = Effect.gen(function*() {
  let summaries = 0
  const fake = yield* startFakeLlm({
    ...goodDefaults,
    analyze: () => ({ kind: "json", body: analysis() }),
    generate: () => ({ kind: "json", body: draft(GOOD_REPLY) }),
    // a realistic, bounded summary that changes every turn (~150 words)
    summarize: (req) => ({
      kind: "json",
      body: summary(`Turn ${++summaries}. ` + Array.from({ length: 14 }, (_, i) => `Fact ${i}: the lead discussed plans, price, team size.`).join(" ") + ` Last: ${req.user.length} chars.`)
    })
  })
  const htl = yield* htlFor(fake, { speculative: "on" })
  let history: Array<TurnMessage> = []
  let rollingSummary = ""
  const perTurn: Array<{ turn: number; promptTokens: number; completionTokens: number; maxCallPromptTokens: number }> = []
  for (let turn = 1; turn <= TURNS; turn++) {
    const before = fake.requests.length
    const message = lead(`${LEAD_LINES[(turn - 1) % LEAD_LINES.length]} (message ${turn})`)
    const ctx: TurnContext = context({ history, burst: [message], rollingSummary, timing: { now: DateTime.makeUnsafe(Date.UTC(2026, 0, 15, 12)), windowOpen: true } })
    const r = yield* htl.runTurn(ctx)
    const s = yield* htl.summarize(ctx, r)
    rollingSummary = s.summary
    history = [...history, message, bot(r.reply?.text ?? "(no reply)")] // the engine may pass everything: the HTL keeps what it needs
    const calls = fake.requests.slice(before).map((q) => Math.ceil(q.messages.reduce((n, m) => n + m.content.length, 0) / 4))
    perTurn.push({
      turn,
      promptTokens: r.usage.promptTokens + s.step.tokensIn,
      completionTokens: r.usage.completionTokens + s.step.tokensOut,
      maxCallPromptTokens: Math.max(...calls)
    })
  }
  const at = (t: number) => perTurn[t - 1]?.promptTokens ?? 0
  return { turn5PromptTokens: at(5), lastPromptTokens: at(TURNS), ratio: Number((at(TURNS) / at(5)).toFixed(3)), maxPerTurn: Math.max(...perTurn.map((p) => p.promptTokens)), perTurn }
}).pipe(Effect.scoped)

const schemaTokens = [analyzeFormat, decideFormat, generateFormat, summarizeFormat]
  .map((f) => ({ step: f.name, tokens: Math.ceil(JSON.stringify(f.jsonSchema).length / 4) }))

const main = Effect.gen(function*() {
  const l = yield* latency
  const t = yield* tokens
  const ratio = Number((l.oursMedianMs / l.serialMedianMs).toFixed(3))
  const result = {
    smoke,
    turns: TURNS,
    stepLatencyMs: LATENCY,
    runs: RUNS,
    replyReady: { ...l, ratio, target: 0.6, pass: ratio <= 0.6 },
    promptTokens: {
      turn5: t.turn5PromptTokens,
      [`turn${TURNS}`]: t.lastPromptTokens,
      ratio: t.ratio,
      maxPerTurn: t.maxPerTurn,
      target: { ratio: 1.1, perTurn: 1500 },
      pass: t.ratio <= 1.1 && t.maxPerTurn <= 1500,
      counting: "characters/4 of the messages sent, all steps of a turn (analyze, decide, generate, summarize)",
      responseFormatSchemaTokens: schemaTokens,
      perTurn: t.perTurn
    }
  }
  console.log(`reply ready (median of ${RUNS}): seed serial ${l.serialMedianMs} ms, ours ${l.oursMedianMs} ms → ratio ${ratio} (target ≤ 0.6)`)
  console.log(`prompt tokens per turn: turn 5 ${t.turn5PromptTokens}, turn ${TURNS} ${t.lastPromptTokens} → ratio ${t.ratio} (target ≤ 1.1); max ${t.maxPerTurn} per turn (target ≤ 1500)`)
  console.log(`strict JSON schemas (sent as response_format, billed by some providers): ${schemaTokens.map((s) => `${s.step} ~${s.tokens}`).join(", ")} tokens`)
  yield* writeResult(smoke ? "htl-smoke" : "htl", result)
})

await Effect.runPromise(main)
