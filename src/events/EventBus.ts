/**
 * The event bus: publishers never block; a dashboard subscriber sees only its organization.
 * In one process it is a PubSub. A worker's bus (src/internal/worker.ts) also forwards what it
 * publishes to the API, and receives there what the API's people did.
 */
import { Context, Effect, Layer, PubSub, Stream } from "effect"
import type { DomainEvent } from "../domain/events.ts"
import type { OrganizationId } from "../domain/ids.ts"

export class EventBus extends Context.Service<EventBus, {
  readonly publish: (event: DomainEvent) => Effect.Effect<void>
  /** An event another process has published already: for this process's subscribers only. */
  readonly publishLocal: (event: DomainEvent) => Effect.Effect<void>
  /** Every event, all tenants: for in-process consumers (engine, metrics). */
  readonly all: Stream.Stream<DomainEvent>
  /** The events of one organization: for dashboards. */
  readonly forOrganization: (organizationId: OrganizationId) => Stream.Stream<DomainEvent>
}>()("wa/EventBus") {
  /** The in-process bus, with `onPublish` for what this process itself publishes (a worker forwards it). */
  static readonly make = (onPublish: (event: DomainEvent) => Effect.Effect<void> = () => Effect.void) =>
    Effect.gen(function*() {
      // unbounded: the engine must not lose a lead message; publishers never wait
      const hub = yield* Effect.acquireRelease(PubSub.unbounded<DomainEvent>(), PubSub.shutdown)
      const all = Stream.fromPubSub(hub)
      const publishLocal = (event: DomainEvent) => PubSub.publish(hub, event).pipe(Effect.asVoid)
      return EventBus.of({
        publish: (event) => Effect.andThen(publishLocal(event), onPublish(event)),
        publishLocal,
        all,
        // a slow dashboard drops its oldest events instead of growing without bound
        forOrganization: (organizationId) =>
          all.pipe(
            Stream.filter((e) => e.organizationId === organizationId),
            Stream.buffer({ capacity: 1024, strategy: "sliding" })
          )
      })
    })

  static readonly layer = Layer.effect(EventBus, EventBus.make())
}
