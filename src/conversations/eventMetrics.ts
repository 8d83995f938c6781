/** Counts what the domain events already say: decisions, follow-ups, statuses, handoffs. */
import { Effect, Layer, Stream } from "effect"
import { EventBus } from "../events/EventBus.ts"
import { decisions } from "../llm/metrics.ts"
import { count, followUps, sendErrors } from "../observability/metrics.ts"

export const EventMetricsLive = Layer.effectDiscard(Effect.gen(function*() {
  const bus = yield* EventBus
  yield* bus.only(["TurnDecided", "FollowUpChanged", "MessageStatusChanged"]).pipe(
    Stream.runForEach((event) => {
      switch (event._tag) {
        case "TurnDecided":
          return count(decisions, { action: event.action })
        case "FollowUpChanged":
          return count(followUps, { change: event.change })
        case "MessageStatusChanged":
          return event.status === "failed" ? count(sendErrors, { code: String(event.errorCode ?? "unknown") }) : Effect.void
      }
    }),
    Effect.forkScoped
  )
}))
