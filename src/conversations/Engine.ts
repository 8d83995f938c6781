/**
 * The conversation engine as layers: `Turns` (what a turn does), `Conversations` (the actors),
 * the event dispatch that wakes actors (lead messages, takeover, release), the follow-up
 * scheduler and restart recovery.
 */
import { Effect, Layer, Option, Stream } from "effect"
import { asksForHuman } from "../htl/policy/asksForHuman.ts"
import { EventBus } from "../events/EventBus.ts"
import { publisherOf } from "../observability/traceContext.ts"
import { SchedulerLive } from "./FollowUpScheduler.ts"
import { Conversations, Turns } from "./Conversations.ts"
import { makeFollowUpTurn } from "./followUpTurn.ts"
import { makeHumanTurn } from "./humanTurn.ts"
import { RecoveryLive } from "./recovery.ts"
import { makeLeadTurn } from "./leadTurn.ts"
import { MemoryReleaseLive } from "./memoryRelease.ts"

export const TurnsLive = Layer.effect(
  Turns,
  Effect.gen(function*() {
    return Turns.of({ burst: yield* makeLeadTurn, followUp: yield* makeFollowUpTurn, humanWrote: yield* makeHumanTurn })
  })
)

/**
 * Routes bus events to the actors: lead messages start bursts, a takeover interrupts a turn, a
 * release re-arms the conversation (`Resume`: a lead message written while a person had it gets
 * its turn). A worker's bus carries the API's takeovers and releases too (src/internal/worker.ts).
 */
const DispatchLive = Layer.effectDiscard(Effect.gen(function*() {
  const bus = yield* EventBus
  const conversations = yield* Conversations
  yield* bus.only(["MessageStored", "ModeChanged"]).pipe(
    Stream.runForEach((event) => {
      const key = { organizationId: event.organizationId, conversationId: event.conversationId }
      switch (event._tag) {
        case "MessageStored":
          return event.from === "LEAD"
            ? conversations.tell(key, {
              _tag: "LeadMessage",
              messageId: event.messageId,
              origin: Option.getOrUndefined(publisherOf(event)),
              urgent: asksForHuman([event.content]) !== null
            })
            : event.from === "HUMAN" ? conversations.tell(key, { _tag: "HumanMessageSent" })
            : Effect.void
        case "ModeChanged":
          return event.kind === "takeover" ? conversations.tellIfActive(key, { _tag: "Takeover" })
            : event.kind === "release" ? conversations.tell(key, { _tag: "Resume" })
            : Effect.void
      }
    }),
    Effect.forkScoped
  )
}))

/**
 * The engine on whatever store, follow-ups and sender the role provides: the database
 * (`src/app.ts`), or the API's internal RPC in a worker (`src/internal/worker.ts`).
 */
export const EngineCore = Layer.mergeAll(DispatchLive, SchedulerLive, RecoveryLive, MemoryReleaseLive).pipe(
  Layer.provideMerge(Conversations.layer),
  Layer.provide(TurnsLive)
)
