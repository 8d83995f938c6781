/**
 * A due follow-up. It fires once: moot (cancelled) when the lead wrote since it was scheduled,
 * when a human took over, or when the lead opted out; skipped (and recorded why) past the caps
 * or outside the 24-hour window without a template — policy, not a failure. Otherwise the HTL
 * decides: SEND_NOW sends the nudge (the row is marked EXECUTED before the send: never sent
 * twice); WAIT_SCHEDULE replaces it by a later one (at most `followup_max_total` times in a row);
 * anything else — the model or the policy hands off, the LLM is down, the guardrails rejected
 * two drafts, the send failed, a bug — hands the conversation to a person with a visible reason
 * and records it on the follow-up. The lead is not told (they did not write). Nothing is
 * dropped while the lead waits. A turn that decided (sent, waited, handed off) is remembered like
 * a lead turn: the state and the rolling summary.
 */
import { Clock, Effect, Option } from "effect"
import type { ConversationKey, MessageId, ScheduledActionId } from "../domain/ids.ts"
import { FollowUps } from "../followups/FollowUps.ts"
import { Htl } from "../htl/Htl.ts"
import { HtlAudit } from "../records/HtlAudit.ts"
import type { TurnResult } from "../htl/types.ts"
import { Knowledge } from "../knowledge/Knowledge.ts"
import { windowOpen, within24h } from "../domain/window.ts"
import { buildTurnContext } from "./context.ts"
import { makeDeliver, recipientOf } from "./outbound.ts"
import { makeHandoff } from "./handoff.ts"
import { sendFailedReason } from "../domain/outbound.ts"
import { makeRemember } from "./remember.ts"
import type { Snapshot } from "../records/snapshot.ts"
import type { SendFailed } from "./sender.ts"
import { EngineStore } from "../records/EngineStore.ts"

/** Handoff codes of the HTL that are follow-up policy, not a failure: the follow-up is skipped. */
const POLICY_SKIPS: ReadonlySet<string> = new Set(["followup_cap", "window_closed"])

const handoffReason = (result: TurnResult) =>
  result.handoff === null ? result.reason : `${result.handoff.code}: ${result.handoff.detail}`

export const makeFollowUpTurn = Effect.gen(function*() {
  const store = yield* EngineStore
  const htl = yield* Htl
  const audit = yield* HtlAudit
  const knowledge = yield* Knowledge
  const followUps = yield* FollowUps
  const deliver = yield* makeDeliver
  const handoff = yield* makeHandoff
  const remember = yield* makeRemember

  const completeWith = (key: ConversationKey, id: ScheduledActionId) => (status: "EXECUTED" | "CANCELLED", outcome: string) =>
    followUps.complete({ ...key, id }, status, outcome)

  /** A person takes over; the follow-up records why (before the handoff cancels what is still pending). */
  const handOver = Effect.fn("Engine.followUpHandoff")(function*(key: ConversationKey, id: ScheduledActionId, reason: string) {
    yield* completeWith(key, id)("EXECUTED", `handed to a human: ${reason}`)
    yield* handoff(key, reason, { notify: false })
  })

  /** The send failed after the follow-up was marked EXECUTED: its record is corrected, and a person takes over. */
  const sendFailed = Effect.fn("Engine.followUpSendFailed")(function*(key: ConversationKey, id: ScheduledActionId, error: SendFailed) {
    const reason = `${sendFailedReason(error)} (follow-up)`
    yield* followUps.amend({ ...key, id }, `failed: ${reason}; handed to a human`)
    yield* handoff(key, reason, { notify: false })
  })

  /** What the HTL decided, done: "replied" (a nudge went), "decided" (a wait, a handoff, a policy skip) or "ended" (moot, failed). */
  const act = Effect.fn("Engine.followUpAct")(function*(
    key: ConversationKey,
    id: ScheduledActionId,
    c: Snapshot["conversation"],
    newestLead: MessageId | null,
    result: TurnResult
  ) {
    const done = completeWith(key, id)
    switch (result.action) {
      case "HANDOFF_HUMAN": {
        const reason = handoffReason(result)
        if (result.handoff !== null && POLICY_SKIPS.has(result.handoff.code)) yield* done("EXECUTED", `skipped: ${reason}`)
        else yield* handOver(key, id, `${reason} (follow-up)`)
        return "decided"
      }
      case "WAIT_SCHEDULE": {
        const minutes = result.followupInMinutes ?? c.followupMinMinutes
        const next = yield* followUps.reschedule({ ...key, id }, {
          dueAt: (yield* Clock.currentTimeMillis) + minutes * 60_000,
          context: { why: result.reason, templateRequired: result.templateRequired, stage: result.nextStage },
          why: result.reason,
          limit: c.followupMaxTotal
        })
        if (next._tag === "Scheduled") return "decided"
        switch (next.reason) {
          case "reschedule_limit":
            // the model keeps waiting and the lead's message has no answer: a person decides
            yield* handOver(key, id, `followup_rescheduled: the model chose to wait ${c.followupMaxTotal} times in a row (follow-up)`)
            return "decided"
          case "not_pending":
            return "ended" // ended meanwhile (the lead wrote, a person took over)
          case "opted_out":
            yield* done("CANCELLED", "lead opted out")
            return "ended"
          case "human_mode":
            yield* done("CANCELLED", "human mode")
            return "ended"
          case "gone":
            yield* done("CANCELLED", "conversation gone")
            return "ended"
        }
      }
      case "SEND_NOW": {
        if (result.reply === null) {
          yield* handOver(key, id, "internal_error: SEND_NOW without a reply (follow-up)")
          return "ended"
        }
        const sent = yield* deliver({
          key,
          to: recipientOf(key, c),
          body: { _tag: "text", text: result.reply.text, replyTo: null },
          from: "BOT",
          answers: newestLead,
          beforeSend: done("EXECUTED", "sent")
        })
        if (sent._tag === "Stale") {
          yield* done("CANCELLED", `stale: ${sent.reason}`)
          return "ended"
        }
        if (sent._tag === "Failed") {
          yield* sendFailed(key, id, sent.error)
          return "ended"
        }
        yield* store.countNudge(key)
        return "replied"
      }
    }
  })

  // its own trace (not a child of the long-lived scheduler span the actor may have been spawned under)
  return Effect.fn("Engine.followUp", { root: true })(function*(key: ConversationKey, id: ScheduledActionId) {
    const done = completeWith(key, id)
    const row = yield* store.followUpRow(key, id)
    if (Option.isNone(row) || row.value.status !== "PENDING") return
    if (yield* store.leadWroteSince(key, row.value.createdAt)) return yield* done("CANCELLED", "lead replied")
    const loaded = yield* store.snapshot(key)
    if (Option.isNone(loaded)) return yield* done("CANCELLED", "conversation gone")
    const snapshot = loaded.value
    const c = snapshot.conversation
    if (c.mode !== "bot") return yield* done("CANCELLED", "human mode")
    if (c.optedOutAt !== null) return yield* done("CANCELLED", "lead opted out")
    const now = yield* Clock.currentTimeMillis
    if (within24h(c.followupWindowStart, now) && c.followupCount24h >= c.followupMax24h) return yield* done("EXECUTED", "skipped: 24 h follow-up cap reached")
    if (c.totalNudges >= c.followupMaxTotal) return yield* done("EXECUTED", "skipped: total follow-up cap reached")
    const newestLead = yield* store.newestLeadMessage(key)

    if (!windowOpen(c.lastUserMessageAt, now)) {
      if (c.followupTemplateName === null) return yield* done("EXECUTED", "skipped: window closed and no template configured")
      const sent = yield* deliver({
        key,
        to: recipientOf(key, c),
        body: { _tag: "template", name: c.followupTemplateName, language: c.followupTemplateLanguage ?? "en", parameters: c.leadName === null ? [] : [c.leadName] },
        from: "BOT",
        answers: newestLead,
        beforeSend: done("EXECUTED", "sent: template")
      })
      if (sent._tag === "Stale") return yield* done("CANCELLED", `stale: ${sent.reason}`)
      if (sent._tag === "Failed") return yield* sendFailed(key, id, sent.error)
      return yield* store.countNudge(key)
    }

    const profile = yield* knowledge.profile(key.organizationId, snapshot.conversation.knowledgeRevision)
    const context = buildTurnContext({ snapshot, profile, trigger: "followup", now })
    const result = yield* htl.runTurn(context)
    yield* audit.record(key, result.steps).pipe(Effect.catch((e) => Effect.logWarning("audit not written", e)))

    // remembered (the state and the rolling summary) whatever the turn decided, unless it failed
    const outcome = yield* act(key, id, c, newestLead, result)
    if (outcome !== "ended") yield* remember(key, context, result, outcome === "replied")
  }, (effect, key, id) => {
    // a failure (the store, a bug) hands over too; an interruption (a takeover) is not a failure
    const recover = (failure: unknown) =>
      Effect.logError("follow-up failed; handing to a human", failure).pipe(
        Effect.andThen(handOver(key, id, "internal_error: the follow-up failed")),
        Effect.catchCause((again) => Effect.logError("handoff failed too", again))
      )
    return effect.pipe(
      Effect.catch(recover),
      Effect.catchDefect(recover),
      Effect.annotateLogs({ organizationId: key.organizationId, conversationId: key.conversationId })
    )
  })
})
