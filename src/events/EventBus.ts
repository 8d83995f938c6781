/** In-process event bus: publishers never block; each subscriber sees only its organization. */
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
      // sliding: a slow dashboard loses old events instead of stalling the engine
      const hub = yield* Effect.acquireRelease(PubSub.sliding<DomainEvent>(4096), PubSub.shutdown)
      const all = Stream.fromPubSub(hub)
      return EventBus.of({
        publish: (event) => PubSub.publish(hub, event).pipe(Effect.asVoid),
        all,
        forOrganization: (organizationId) => Stream.filter(all, (e) => e.organizationId === organizationId)
      })
    })
  )
}
