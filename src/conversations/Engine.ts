/**
 * The conversation engine as layers: `Turns` (what a turn does), `Conversations` (the actors),
 * the event dispatch that wakes actors (lead messages, takeover, release), the follow-up
 * scheduler and restart recovery.
 */
import { Effect, Layer, Option, Stream } from "effect"
import { EventBus } from "../events/EventBus.ts"
import { FollowUps } from "../followups/FollowUps.ts"
import { publisherOf } from "../observability/traceContext.ts"
import { SchedulerLive } from "../followups/Scheduler.ts"
import { Conversations, Turns } from "./Conversations.ts"
import { makeFollowUpTurn } from "./followUpTurn.ts"
import { RecoveryLive } from "./recovery.ts"
import { makeSnapshots } from "./snapshot.ts"
import { makeLeadTurn } from "./turn.ts"
import { OutboundSenderLive } from "./whatsappSender.ts"
import { makeWrites } from "./writes.ts"

export const TurnsLive = Layer.effect(
  Turns,
  Effect.gen(function*() {
    const snapshots = yield* makeSnapshots
    const writes = yield* makeWrites
    return Turns.of({
      burst: yield* makeLeadTurn(snapshots, writes),
      followUp: yield* makeFollowUpTurn(snapshots, writes)
    })
  })
)

/** Routes bus events to the actors: lead messages start bursts, takeover interrupts a turn. */
const DispatchLive = Layer.effectDiscard(Effect.gen(function*() {
  const bus = yield* EventBus
  const conversations = yield* Conversations
  yield* bus.all.pipe(
    Stream.runForEach((event) => {
      const key = { organizationId: event.organizationId, conversationId: event.conversationId }
      switch (event._tag) {
        case "MessageStored":
          return event.from === "LEAD" ? conversations.tell(key, { _tag: "LeadMessage", messageId: event.messageId, origin: Option.getOrUndefined(publisherOf(event)) })
            : event.from === "HUMAN" ? conversations.tell(key, { _tag: "HumanMessageSent" })
            : Effect.void
        case "ModeChanged":
          return event.kind === "takeover" ? conversations.tell(key, { _tag: "Takeover" })
            : event.kind === "release" ? conversations.tell(key, { _tag: "Release" })
            : Effect.void
        default:
          return Effect.void
      }
    }),
    Effect.forkScoped
  )
}))

export const EngineLive = Layer.mergeAll(DispatchLive, SchedulerLive, RecoveryLive).pipe(
  Layer.provideMerge(Conversations.layer),
  Layer.provide(TurnsLive),
  Layer.provide(OutboundSenderLive),
  Layer.provideMerge(FollowUps.layer)
)
