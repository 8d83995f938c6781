/**
 * A conversation's activity from its `conversation_events` rows: each lead turn's decision
 * ('turn', from TurnAudit) with the HTL steps it ran ('htl_step' rows, one INSERT per turn, so one
 * `created_at` per group), handoffs, takeovers and releases. Pure: the SQL lives in InboxView.
 *
 * A turn's steps are written after its action (the send), so a step group belongs to the latest
 * decision at or before it (2 s of clock skew allowed: the decision's time is the engine's clock,
 * the steps' the database's). A group that decision already has steps of (a follow-up's turn
 * after a WAIT_SCHEDULE) stands on its own as a `steps` entry; the turn's summary, written on its
 * own, joins its decision.
 */
import { Schema } from "effect"
import type { ActivityItem, TurnStep } from "../../domain/dashboard/inbox.ts"
import { Action } from "../../domain/enums.ts"

/** Clock skew between the engine (decision time) and the database (steps' time). */
const SKEW_MS = 2_000

export interface AnchorRow {
  readonly id: string
  readonly eventType: "turn" | "handoff" | "takeover" | "release"
  readonly createdAt: Date
  readonly outcome: string | null
  /** details.why (a turn), details.reason (a handoff; a release nobody made: `send_confirmed`), details.by_user_id (a takeover or release) */
  readonly why: string | null
  readonly reason: string | null
  readonly byUserId: string | null
}

export interface StepRow {
  readonly id: string
  readonly createdAt: Date
  readonly pipelineStep: string | null
  readonly outcome: string | null
  readonly latencyMs: number | null
  readonly tokensIn: number | null
  readonly tokensOut: number | null
  readonly model: string | null
  readonly inputSummary: string | null
  readonly outputSummary: string | null
  /** details.finalAction (decide) */
  readonly finalAction: string | null
  /** details.violations (generate) */
  readonly violations: unknown
}

const Violations = Schema.Array(Schema.Struct({ rule: Schema.String, detail: Schema.String }))
const decodeViolations = Schema.decodeUnknownOption(Violations)
const isAction = Schema.is(Action)

export const toTurnStep = (row: StepRow): TurnStep => {
  const violations = decodeViolations(row.violations)
  return {
    step: row.pipelineStep ?? "unknown",
    outcome: row.outcome ?? "unknown",
    latency_ms: row.latencyMs,
    tokens_in: row.tokensIn,
    tokens_out: row.tokensOut,
    model: row.model,
    input: row.inputSummary,
    output: row.outputSummary,
    final_action: isAction(row.finalAction) ? row.finalAction : null,
    violations: violations._tag === "Some" ? violations.value : []
  }
}

const anchorItem = (row: AnchorRow): ActivityItem => {
  const kind = row.eventType === "turn" ? "decision" : row.eventType
  return {
    id: row.id,
    at: row.createdAt.toISOString(),
    kind,
    action: kind === "decision" && isAction(row.outcome) ? row.outcome : null,
    reason: kind === "decision" ? row.why : row.reason,
    by_user_id: row.byUserId,
    steps: []
  }
}

/** Step rows grouped by the INSERT that wrote them (one `created_at`), oldest group first. */
const groupsOf = (steps: ReadonlyArray<StepRow>) => {
  const groups = new Map<number, Array<StepRow>>()
  for (const row of steps) {
    const key = row.createdAt.getTime()
    const group = groups.get(key)
    if (group === undefined) groups.set(key, [row])
    else group.push(row)
  }
  return [...groups.entries()].sort(([a], [b]) => a - b)
}

/** The HTL's order (a turn's summary is written before its other steps: it runs right after the send). */
const PIPELINE = ["analyze", "knowledge", "decide", "generate", "summarize"]
const rank = (s: StepRow) => {
  const i = PIPELINE.indexOf(s.pipelineStep ?? "")
  return i === -1 ? PIPELINE.length : i
}
/** Stable: a step that ran twice (a regenerated draft) keeps its order. */
const inPipelineOrder = (steps: ReadonlyArray<StepRow>) => [...steps].sort((a, b) => rank(a) - rank(b))

const isSummary = (group: ReadonlyArray<StepRow>) => group.every((s) => s.pipelineStep === "summarize")

/** Anchors (any order) and the steps of the same period → entries, newest first. */
export const assembleActivity = (anchors: ReadonlyArray<AnchorRow>, steps: ReadonlyArray<StepRow>): Array<ActivityItem> => {
  const sorted = [...anchors].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
  const items = sorted.map((row) => ({ row, item: anchorItem(row), steps: [] as Array<StepRow> }))
  const decisions = items.filter((x) => x.row.eventType === "turn")
  const loose: Array<ActivityItem> = []
  for (const [at, group] of groupsOf(steps)) {
    const owner = decisions.findLast((d) => d.row.createdAt.getTime() <= at + SKEW_MS)
    const summary = isSummary(group)
    const taken = owner !== undefined &&
      (summary ? owner.steps.some((s) => s.pipelineStep === "summarize") : owner.steps.some((s) => s.pipelineStep !== "summarize"))
    if (owner !== undefined && !taken) {
      owner.steps.push(...group)
      continue
    }
    const converted = group.map(toTurnStep)
    loose.push({
      id: group[0]?.id ?? String(at),
      at: new Date(at).toISOString(),
      kind: "steps",
      action: converted.find((s) => s.final_action !== null)?.final_action ?? null,
      reason: null,
      by_user_id: null,
      steps: converted
    })
  }
  const all = [...items.map((x) => ({ ...x.item, steps: inPipelineOrder(x.steps).map(toTurnStep) })), ...loose]
  return all.sort((a, b) => Date.parse(b.at) - Date.parse(a.at) || (a.id < b.id ? 1 : -1))
}
