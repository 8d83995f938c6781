/**
 * `npm run eval`: replays the scripted conversations of test/fixtures/conversations/ through the
 * real HTL and prints a scorecard — false handoffs, wrong messages sent, guardrail catches per
 * rule, results per language, tokens and latency — and writes it to bench/results/eval.json.
 *
 * With LLM_API_KEY set it runs live against the configured model (LLM_BASE_URL, LLM_MODEL, …);
 * without one, or with `--replay`, on the model answers recorded in the fixtures (what CI runs).
 * `--record` (live) writes the live answers into the fixtures. `npm run eval -- clinica` runs only
 * the conversations whose name starts with "clinica". Exits 1 when any turn failed.
 */
import { mkdir, writeFile } from "node:fs/promises"
import { Effect, Option } from "effect"
import { AppConfig } from "../src/config/AppConfig.ts"
import { loadConversations } from "./eval/fixtures.ts"
import { runEval } from "./eval/run.ts"
import type { Scorecard, TurnScore } from "./eval/score.ts"

const args = process.argv.slice(2)
const flag = (name: string) => args.includes(name)
const prefix = args.find((a) => !a.startsWith("--"))
const out = "bench/results/eval.json"

const printTurn = (t: TurnScore) => {
  const mark = t.failures.length === 0 ? "ok  " : "FAIL"
  console.log(`${mark} ${t.conversation} #${t.turn} [${t.language}] ${t.action}${t.handoff === null ? "" : ` (${t.handoff})`}` +
    `${t.caught.length > 0 ? `  caught: ${t.caught.join(", ")}` : ""}`)
  if (t.reply !== null) console.log(`       › ${t.reply}`)
  for (const f of t.failures) console.log(`       ✗ ${f.kind}: ${f.detail}`)
}

const printScorecard = (mode: string, model: string, s: Scorecard) => {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`
  console.log(`\n== Scorecard (${mode}, ${model})`)
  console.log(`turns passed            ${s.passed}/${s.turns} in ${s.conversations} conversations`)
  console.log(`false handoffs          ${s.falseHandoffs.count}/${s.falseHandoffs.of} turns that needed an answer (${pct(s.falseHandoffs.rate)})`)
  console.log(`wrong messages sent     ${s.wrongMessagesSent}`)
  console.log(`missed handoffs         ${s.missedHandoffs}`)
  console.log(`wrong action            ${s.wrongAction}`)
  console.log(`missing mentions        ${s.missingMentions}`)
  console.log(`guardrail catches       ${Object.entries(s.guardrailCatches).map(([r, n]) => `${r} ${n}`).join(", ") || "none"} (drafts held back and regenerated)`)
  console.log(`per language            ${Object.entries(s.perLanguage).sort().map(([l, v]) => `${l} ${v.passed}/${v.turns}`).join(", ")}`)
  console.log(`tokens per turn         prompt ${s.tokensPerTurn.prompt}, completion ${s.tokensPerTurn.completion}`)
  console.log(`reply ready             p50 ${s.replyReadyMs.p50} ms, p95 ${s.replyReadyMs.p95} ms`)
}

const main = Effect.gen(function*() {
  const config = yield* AppConfig
  const live = !flag("--replay") && Option.isSome(config.llm.apiKey)
  if (flag("--record") && !live) return yield* Effect.die(new Error("--record needs a live model (LLM_API_KEY)"))
  const conversations = loadConversations(prefix)
  const model = live ? `${config.llm.model} at ${config.llm.baseUrl}` : "recorded answers"
  console.log(`${conversations.length} conversation(s); ${live ? "live" : "replay"}: ${model}`)
  const result = yield* runEval(conversations, {
    mode: live ? "live" : "replay",
    record: flag("--record"),
    live: { llm: config.llm, htl: config.htl },
    onTurn: printTurn
  })
  printScorecard(live ? "live" : "replay", model, result.scorecard)
  yield* Effect.promise(async () => {
    await mkdir("bench/results", { recursive: true })
    await writeFile(out, `${JSON.stringify({ mode: live ? "live" : "replay", model, at: new Date().toISOString(), ...result.scorecard, turns: result.turns }, null, 2)}\n`)
  })
  console.log(`written ${out}`)
  return result.scorecard.passed === result.scorecard.turns
}).pipe(Effect.provide(AppConfig.layer))

const passed = await Effect.runPromise(main)
process.exitCode = passed ? 0 : 1
