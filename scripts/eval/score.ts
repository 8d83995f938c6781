/**
 * Scoring one turn against what must happen, and the scorecard over all turns. Both failure
 * directions count: a correct reply held back (a false handoff loses the lead) and a wrong message
 * sent (a must-not-mention in the reply, the wrong language, a reply where a person was needed).
 */
import type { TurnResult } from "../../src/htl/types.ts"
import type { Expect } from "./fixtures.ts"

export type FailureKind = "false_handoff" | "missed_handoff" | "wrong_action" | "wrong_handoff_reason" | "wrong_language" | "missing_mention" | "wrong_message"

export interface TurnScore {
  readonly conversation: string
  readonly turn: number
  /** The conversation's language. */
  readonly language: string
  readonly action: string
  readonly handoff: string | null
  readonly reply: string | null
  readonly failures: ReadonlyArray<{ readonly kind: FailureKind; readonly detail: string }>
  /** Guardrail violations the drafts of this turn were caught with (held back, regenerated). */
  readonly caught: ReadonlyArray<string>
  readonly promptTokens: number
  readonly completionTokens: number
  readonly latencyMs: number
}

const alternatives = (s: string) => s.split("|").map((a) => a.trim().toLowerCase()).filter((a) => a !== "")

export const scoreTurn = (
  conversation: { readonly name: string; readonly language: string },
  turn: number,
  expect: Expect,
  r: TurnResult,
  summarizeTokens: { readonly in: number; readonly out: number }
): TurnScore => {
  const failures: Array<{ kind: FailureKind; detail: string }> = []
  const reply = r.reply?.text ?? null
  const text = (reply ?? "").toLowerCase()
  if (expect.handoff === null && r.handoff !== null) failures.push({ kind: "false_handoff", detail: `handed off: ${r.reason}` })
  if (typeof expect.handoff === "string") {
    if (r.handoff === null) failures.push({ kind: "missed_handoff", detail: `expected a handoff (${expect.handoff}), got ${r.action}` })
    else if (!alternatives(expect.handoff).includes(r.handoff.code)) failures.push({ kind: "wrong_handoff_reason", detail: `${r.handoff.code}, expected ${expect.handoff}` })
  }
  if (expect.action !== undefined && r.action !== expect.action && !(expect.handoff === null && r.handoff !== null)) {
    failures.push({ kind: r.action === "SEND_NOW" ? "wrong_message" : "wrong_action", detail: `${r.action}, expected ${expect.action}` })
  }
  if (reply !== null) {
    if (expect.language !== undefined && !alternatives(expect.language).includes((r.reply?.language ?? "").toLowerCase())) {
      failures.push({ kind: "wrong_language", detail: `${r.reply?.language}, expected ${expect.language}` })
    }
    for (const m of expect.mentions ?? []) {
      if (!alternatives(m).some((a) => text.includes(a))) failures.push({ kind: "missing_mention", detail: `does not mention "${m}"` })
    }
    for (const m of expect.mustNotMention ?? []) {
      if (alternatives(m).some((a) => text.includes(a))) failures.push({ kind: "wrong_message", detail: `mentions "${m}"` })
    }
  }
  const caught = r.steps.flatMap((s) => {
    const v = s.details.violations
    return Array.isArray(v) ? v.flatMap((x) => (typeof x === "object" && x !== null && "rule" in x && typeof x.rule === "string" ? [x.rule] : [])) : []
  })
  return {
    conversation: conversation.name,
    turn,
    language: conversation.language,
    action: r.action,
    handoff: r.handoff?.code ?? null,
    reply,
    failures,
    caught,
    promptTokens: r.usage.promptTokens + summarizeTokens.in,
    completionTokens: r.usage.completionTokens + summarizeTokens.out,
    latencyMs: r.latencyMs
  }
}

const quantile = (xs: ReadonlyArray<number>, q: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0 ? 0 : s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? 0
}

export const scorecard = (turns: ReadonlyArray<TurnScore>, expects: ReadonlyArray<Expect>) => {
  const count = (kind: FailureKind) => turns.filter((t) => t.failures.some((f) => f.kind === kind)).length
  const shouldAnswer = expects.filter((e) => e.handoff === null).length
  const perLanguage: Record<string, { turns: number; passed: number }> = {}
  for (const t of turns) {
    const key = t.language
    const entry = perLanguage[key] ?? { turns: 0, passed: 0 }
    perLanguage[key] = { turns: entry.turns + 1, passed: entry.passed + (t.failures.length === 0 ? 1 : 0) }
  }
  const caughtByRule: Record<string, number> = {}
  for (const rule of turns.flatMap((t) => t.caught)) caughtByRule[rule] = (caughtByRule[rule] ?? 0) + 1
  const falseHandoffs = count("false_handoff")
  return {
    conversations: new Set(turns.map((t) => t.conversation)).size,
    turns: turns.length,
    passed: turns.filter((t) => t.failures.length === 0).length,
    falseHandoffs: { count: falseHandoffs, of: shouldAnswer, rate: shouldAnswer === 0 ? 0 : falseHandoffs / shouldAnswer },
    missedHandoffs: count("missed_handoff"),
    wrongMessagesSent: count("wrong_message") + count("wrong_language"),
    wrongAction: count("wrong_action"),
    missingMentions: count("missing_mention"),
    guardrailCatches: caughtByRule,
    perLanguage,
    tokensPerTurn: {
      prompt: Math.round(turns.reduce((n, t) => n + t.promptTokens, 0) / Math.max(1, turns.length)),
      completion: Math.round(turns.reduce((n, t) => n + t.completionTokens, 0) / Math.max(1, turns.length))
    },
    replyReadyMs: { p50: quantile(turns.map((t) => t.latencyMs), 0.5), p95: quantile(turns.map((t) => t.latencyMs), 0.95) },
    failures: turns.flatMap((t) => t.failures.map((f) => ({ conversation: t.conversation, turn: t.turn, ...f })))
  }
}
export type Scorecard = ReturnType<typeof scorecard>
