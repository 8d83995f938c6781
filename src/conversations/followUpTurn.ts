/**
 * A due follow-up. It fires once: moot when the lead wrote since it was scheduled, when a human
 * took over, or when the lead opted out; skipped (and recorded why) past the caps or outside
 * the 24-hour window without a template; otherwise the HTL writes the nudge and it is sent.
 * The row is marked EXECUTED in the transaction's wake, before the send: never sent twice.
 */
import { Clock, Effect, Option } from "effect"
import { FollowUps } from "../followups/FollowUps.ts"
import { Htl } from "../htl/Htl.ts"
import { HtlAudit } from "../htl/audit.ts"
import type { ScheduledActionId } from "../domain/ids.ts"
import { Knowledge } from "../knowledge/Knowledge.ts"
import { windowOpen, within24h } from "../domain/window.ts"
import { buildTurnContext } from "./context.ts"
import { makeDeliver } from "./deliver.ts"
import type { ConversationKey } from "./mailbox.ts"
import { EngineStore } from "./store.ts"


export const makeFollowUpTurn = Effect.gen(function*() {
    const store = yield* EngineStore
    const htl = yield* Htl
    const audit = yield* HtlAudit
    const knowledge = yield* Knowledge
    const followUps = yield* FollowUps
    const deliver = yield* makeDeliver

    // its own trace (not a child of the long-lived scheduler span the actor may have been spawned under)
    return Effect.fn("Engine.followUp", { root: true })(function*(key: ConversationKey, id: ScheduledActionId) {
      const done = (status: "EXECUTED" | "CANCELLED", outcome: string) => followUps.complete({ ...key, id }, status, outcome)
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
          conversation: c,
          body: { _tag: "template", name: c.followupTemplateName, language: c.followupTemplateLanguage ?? "en", parameters: c.leadName === null ? [] : [c.leadName] },
          from: "BOT",
          answers: newestLead,
          beforeSend: done("EXECUTED", "sent: template")
        })
        if (sent._tag === "Stale") return yield* done("CANCELLED", `stale: ${sent.reason}`)
        if (sent._tag === "Sent") yield* store.countNudge(key)
        return
      }

      const profile = yield* knowledge.profile(key.organizationId)
      const context = buildTurnContext({ snapshot, profile, trigger: "followup", now })
      const result = yield* htl.runTurn(context)
      yield* audit.record(key, result.steps)
      if (result.action !== "SEND_NOW" || result.reply === null) {
        return yield* done("EXECUTED", `skipped: the model chose ${result.action} (${result.reason})`)
      }
      const sent = yield* deliver({
        key,
        conversation: c,
        body: { _tag: "text", text: result.reply.text, replyTo: null },
        from: "BOT",
        answers: newestLead,
        beforeSend: done("EXECUTED", "sent")
      })
      if (sent._tag === "Stale") return yield* done("CANCELLED", `stale: ${sent.reason}`)
      if (sent._tag === "Sent") yield* store.countNudge(key)
    }, (effect, key) =>
      effect.pipe(
        Effect.catch((error) => Effect.logError("follow-up failed", error)),
        Effect.catchDefect((defect) => Effect.logError("follow-up failed", defect)),
        Effect.annotateLogs({ organizationId: key.organizationId, conversationId: key.conversationId })
      ))
  })
