/**
 * A lead turn: snapshot → (opt-out?) → HTL → action. SEND_NOW delivers at most once and then
 * summarizes; WAIT_SCHEDULE writes a durable follow-up; HANDOFF_HUMAN switches the
 * conversation to a person with a visible reason. Nothing here throws the lead away: any
 * failure ends in a handoff.
 */
import { Clock, DateTime, Effect, Option, type Tracer } from "effect"
import type { ConversationKey, MessageId } from "../domain/ids.ts"
import { TurnDecided } from "../domain/events.ts"
import { EventBus } from "../events/EventBus.ts"
import { FollowUps } from "../followups/FollowUps.ts"
import { isOptOut } from "../followups/optOut.ts"
import { asksForHuman } from "../htl/policy/asksForHuman.ts"
import { Htl } from "../htl/Htl.ts"
import { HtlAudit } from "../records/HtlAudit.ts"
import type { StepRecord, TurnContext, TurnResult } from "../htl/types.ts"
import { Knowledge } from "../knowledge/Knowledge.ts"
import { count, engineOverheadMs, overtakenTurns, record, turnLatencyMs } from "../observability/metrics.ts"
import { CurrentWaitClock, makeWaitClock, type WaitClock } from "../observability/remoteWaits.ts"
import { buildTurnContext } from "./context.ts"
import { type OutboundOutcome, makeDeliver, recipientOf, sendTargetOf } from "./outbound.ts"
import { sendFailedReason } from "../domain/outbound.ts"
import { makeHandoff } from "./handoff.ts"
import { makeRemember } from "./remember.ts"
import { OutboundSender } from "./sender.ts"
import { optOutAcknowledgement } from "./optOutReply.ts"
import type { Snapshot } from "../records/snapshot.ts"
import { EngineStore } from "../records/EngineStore.ts"

/** Graph API: the 24-hour customer-service window is closed (free text refused). */
const WINDOW_CLOSED = 131047

/**
 * A turn's stopwatch (performance.now, ms): its own time is its wall time less the time it waited
 * on the model or the Graph API (src/observability/remoteWaits.ts).
 */
interface TurnTimer {
  readonly clock: WaitClock
  readonly started: number
  action: string
  /** the engine's own time from the turn's start until the Graph API accepted the reply (SEND_NOW only) */
  toReply: number | undefined
  /** of which waiting on the database */
  dbToReply: number | undefined
}

const ownTime = (timer: TurnTimer) => performance.now() - timer.started - timer.clock.waited()

const round = (ms: number) => Math.round(ms * 1000) / 1000

export const makeLeadTurn = Effect.gen(function*() {
    const store = yield* EngineStore
    const htl = yield* Htl
    const audit = yield* HtlAudit
    const knowledge = yield* Knowledge
    const followUps = yield* FollowUps
    const bus = yield* EventBus
    const deliver = yield* makeDeliver
    const sender = yield* OutboundSender

    const remember = yield* makeRemember
    const handoffWithNotice = yield* makeHandoff
    /** Every lead-turn handoff tells the lead — not after a failed send, nor with the window closed (no free text). */
    const handoff = (key: ConversationKey, reason: string) =>
      handoffWithNotice(key, reason, { notify: !reason.startsWith("send_failed") && !reason.startsWith("window_closed") })

    const optOut = Effect.fn("Engine.optOut")(function*(key: ConversationKey, snapshot: Snapshot, context: TurnContext) {
      const first = yield* store.optOut(key)
      yield* followUps.cancelPending(key, "lead opted out")
      const last = snapshot.burst.at(-1)
      if (!first || last === undefined) return
      yield* deliver({
        key,
        to: recipientOf(key, snapshot.conversation),
        body: { _tag: "text", text: optOutAcknowledgement(last.content, htl.language(context).code), replyTo: last.wamid },
        from: "BOT",
        answers: last.id
      })
    })

    /** Meta says the 24-hour window closed before the reply went out: the template, else a person. */
    const windowClosed = Effect.fn("Engine.windowClosed")(function*(key: ConversationKey, snapshot: Snapshot, answers: MessageId) {
      const c = snapshot.conversation
      if (c.followupTemplateName === null) {
        yield* handoff(key, "window_closed: the 24-hour window closed before the reply was sent, and no template is configured")
        return false
      }
      const sent = yield* deliver({
        key,
        to: recipientOf(key, c),
        body: { _tag: "template", name: c.followupTemplateName, language: c.followupTemplateLanguage ?? "en", parameters: c.leadName === null ? [] : [c.leadName] },
        from: "BOT",
        answers
      })
      if (sent._tag === "Failed") yield* handoff(key, `window_closed: the template was not sent either (${sent.error.code ?? "network"} ${sent.error.title})`)
      return sent._tag === "Sent"
    })

    const act = Effect.fn("Engine.act")(function*(
      key: ConversationKey,
      snapshot: Snapshot,
      result: TurnResult,
      context: TurnContext,
      timer: TurnTimer
    ) {
      const last = snapshot.burst.at(-1)
      switch (result.action) {
        case "HANDOFF_HUMAN":
          yield* handoff(key, result.handoff === null ? result.reason : `${result.handoff.code}: ${result.handoff.detail}`)
          return yield* remember(key, context, result, false)
        case "WAIT_SCHEDULE": {
          const minutes = result.followupInMinutes ?? snapshot.conversation.followupMinMinutes
          yield* followUps.schedule({
            ...key,
            dueAt: (yield* Clock.currentTimeMillis) + minutes * 60_000,
            context: { why: result.reason, templateRequired: result.templateRequired, stage: result.nextStage }
          })
          if (last !== undefined) yield* store.markDecided(key, last.id)
          return yield* remember(key, context, result, false)
        }
        case "SEND_NOW": {
          if (result.reply === null || last === undefined) return yield* handoff(key, "internal_error: SEND_NOW without a reply")
          const delivery: OutboundOutcome = yield* deliver({
            key,
            to: recipientOf(key, snapshot.conversation),
            body: { _tag: "text", text: result.reply.text, replyTo: last.wamid },
            from: "BOT",
            answers: last.id,
            // the engine's own time to the reply: everything but the model's and the Graph API's (and its pacing)
            accepted: Effect.sync(() => {
              timer.toReply = ownTime(timer)
              timer.dbToReply = timer.clock.byKind().db
            })
          })
          if (delivery._tag === "Stale") {
            if (delivery.reason === "newer_lead_message") yield* count(overtakenTurns, { at: "send" })
            return yield* Effect.logInfo("draft dropped").pipe(Effect.annotateLogs({ reason: delivery.reason }))
          }
          if (delivery._tag === "Failed") {
            if (delivery.error.code === WINDOW_CLOSED) {
              const templated = yield* windowClosed(key, snapshot, last.id)
              return yield* remember(key, context, result, templated)
            }
            return yield* handoff(key, sendFailedReason(delivery.error))
          }
          yield* record(turnLatencyMs, performance.now() - timer.started)
          if (timer.toReply !== undefined) yield* record(engineOverheadMs, timer.toReply)
          // off the reply's critical path: read receipts, the state and the rolling summary
          if (last.wamid !== null) yield* markRead(key, snapshot.conversation, last.wamid)
          yield* remember(key, context, result, true)
        }
      }
    })

    const markRead = (key: ConversationKey, conversation: Snapshot["conversation"], wamid: string) =>
      sender.markRead(sendTargetOf(key, conversation), wamid)

    /**
     * Completes once the lead has written after the burst this turn read: its draft would be
     * dropped by the pre-send check, so the model need not be asked further. A message the
     * snapshot holds is not newer; any other is checked against the store (the same test as the
     * pre-send check), which also answers for a message heard of without its id.
     */
    const overtaken = (key: ConversationKey, snapshot: Snapshot, overheard: Effect.Effect<MessageId | null>) => {
      const read = new Set(snapshot.burst.map((m) => m.id))
      const answers = snapshot.burst.at(-1)?.id ?? null
      const newer = (id: MessageId | null): Effect.Effect<boolean> =>
        id !== null && read.has(id) ? Effect.succeed(false) : store.newestLeadMessage(key).pipe(
          Effect.map((newest) => newest !== null && newest !== answers),
          Effect.catch(() => Effect.succeed(false)) // the pre-send check still stands
        )
      const listen: Effect.Effect<void> = Effect.flatMap(overheard, (id) => Effect.flatMap(newer(id), (yes) => (yes ? Effect.void : listen)))
      return listen
    }

    const leadTurn = Effect.fnUntraced(function*(key: ConversationKey, timer: TurnTimer, overheard: Effect.Effect<MessageId | null>) {
      const startedAt = yield* Clock.currentTimeMillis
      const loaded = yield* store.snapshot(key)
      if (Option.isNone(loaded)) return
      const snapshot = loaded.value
      const last = snapshot.burst.at(-1)
      if (snapshot.conversation.mode !== "bot" || last === undefined) return
      // decided already (a follow-up is scheduled): resuming the conversation does not decide again
      if (snapshot.conversation.decidedMessageId === last.id) return
      // unchanged since it was last read (the snapshot's revision): from memory, no round trip
      const profile = yield* knowledge.profile(key.organizationId, snapshot.conversation.knowledgeRevision)
      const context = yield* Effect.sync(() =>
        buildTurnContext({ snapshot, profile, trigger: "lead_message", now: startedAt })
      ).pipe(
        Effect.tap((c) => Effect.annotateCurrentSpan({ "wa.context.history": c.history.length, "wa.context.burst": c.burst.length, "wa.context.window_open": c.timing.windowOpen })),
        Effect.withSpan("Engine.context")
      )
      // (a lead who opted out and writes again is answered: that is consent to talk, not to nudges)
      if (isOptOut(last.content)) return yield* optOut(key, snapshot, context)
      // "I want a person": at once, by code, without the model
      const request = asksForHuman(snapshot.burst.map((m) => m.content))
      if (request !== null) {
        const reason = `lead_asked_for_human: "${request}"`
        yield* bus.publish(new TurnDecided({ ...key, at: yield* DateTime.now, action: "HANDOFF_HUMAN", why: reason }))
        return yield* handoff(key, reason)
      }
      const steps: Array<StepRecord> = []
      const thought = yield* htl.runTurn(context, steps).pipe(
        Effect.map(Option.some),
        Effect.raceFirst(Effect.as(overtaken(key, snapshot, overheard), Option.none<TurnResult>()))
      )
      if (Option.isNone(thought)) {
        // the lead added to the burst: the next turn, already waiting, answers it all
        timer.action = "overtaken"
        yield* count(overtakenTurns, { at: "thinking" })
        yield* Effect.logInfo("turn given up: the lead wrote again before the reply")
        return yield* audit.record(key, steps).pipe(Effect.catchCause((cause) => Effect.logWarning("audit not written", cause)))
      }
      const result = thought.value
      timer.action = result.action
      yield* bus.publish(new TurnDecided({ ...key, at: yield* DateTime.now, action: result.action, why: result.reason }))
      // the audit is written after the action: off the reply's critical path
      yield* act(key, snapshot, result, context, timer).pipe(
        Effect.ensuring(audit.record(key, result.steps).pipe(Effect.catchCause((cause) => Effect.logWarning("audit not written", cause))))
      )
    }, (effect, key) => {
      // typed failures and defects end in a handoff; an interruption (takeover) is not a failure
      const recover = (failure: unknown) =>
        Effect.logError("lead turn failed; handing to a human", failure).pipe(
          Effect.andThen(handoff(key, "internal_error: the turn failed")),
          Effect.catchCause((again) => Effect.logError("handoff failed too", again))
        )
      return effect.pipe(
        Effect.catch(recover),
        Effect.catchDefect(recover),
        Effect.annotateLogs({ organizationId: key.organizationId, conversationId: key.conversationId })
      )
    })

    /** One line a turn (debug): where its time went. `bench/engine.ts` reads it. */
    const report = (timer: TurnTimer) =>
      Effect.suspend(() => {
        const waits = timer.clock.byKind()
        return Effect.logDebug("turn timing").pipe(Effect.annotateLogs({
          action: timer.action,
          turn_ms: round(performance.now() - timer.started),
          llm_ms: round(waits.llm),
          send_ms: round(waits.send),
          db_ms: round(waits.db),
          engine_ms: round(ownTime(timer)),
          engine_to_reply_ms: timer.toReply === undefined ? null : round(timer.toReply),
          db_to_reply_ms: timer.dbToReply === undefined ? null : round(timer.dbToReply)
        }))
      })

    // its own trace, linked to every delivery of the burst (the spans that stored its messages)
    return (key: ConversationKey, origins: ReadonlyArray<Tracer.AnySpan>, overheard: Effect.Effect<MessageId | null>) =>
      Effect.suspend(() => {
        const timer: TurnTimer = { clock: makeWaitClock(), started: performance.now(), action: "none", toReply: undefined, dbToReply: undefined }
        return leadTurn(key, timer, overheard).pipe(
          Effect.provideService(CurrentWaitClock, timer.clock),
          Effect.ensuring(report(timer))
        )
      }).pipe(Effect.withSpan("Engine.leadTurn", {
        root: true,
        links: origins.map((span) => ({ span, attributes: { "wa.link": "lead_message" } })),
        attributes: { "wa.organization_id": key.organizationId, "wa.conversation_id": key.conversationId, "wa.turn.links": origins.length }
      }))
  })
