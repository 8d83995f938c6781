/** In-process event bus: publishers never block; a dashboard subscriber sees only its organization. */
import { Context, Effect, Layer, PubSub, Stream } from "effect"
import type { DomainEvent } from "../domain/events.ts"
import type { OrganizationId } from "../domain/ids.ts"

export class EventBus extends Context.Service<EventBus, {
  readonly publish: (event: DomainEvent) => Effect.Effect<void>
  /** Every event, all tenants: for in-process consumers (engine, metrics). */
  readonly all: Stream.Stream<DomainEvent>
  /** The events of one organization: for dashboards. */
  readonly forOrganization: (organizationId: OrganizationId) => Stream.Stream<DomainEvent>
}>()("wa/EventBus") {
  static readonly layer = Layer.effect(
    EventBus,
    Effect.gen(function*() {
      // unbounded: the engine must not lose a lead message; publishers never wait
      const hub = yield* Effect.acquireRelease(PubSub.unbounded<DomainEvent>(), PubSub.shutdown)
      const all = Stream.fromPubSub(hub)
      return EventBus.of({
        publish: (event) => PubSub.publish(hub, event).pipe(Effect.asVoid),
        all,
        // a slow dashboard drops its oldest events instead of growing without bound
        forOrganization: (organizationId) =>
          all.pipe(
            Stream.filter((e) => e.organizationId === organizationId),
            Stream.buffer({ capacity: 1024, strategy: "sliding" })
          )
      })
    })
  )
}
