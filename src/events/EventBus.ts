/**
 * The event bus: publishers never block; a dashboard subscriber sees only its organization.
 * In one process it is a PubSub. A worker's bus (src/internal/worker.ts) also forwards what it
 * publishes to the API, and receives there what the API's people did.
 */
import { Context, Effect, Layer, PubSub, Queue, Stream } from "effect"
import type { DomainEvent } from "../domain/events.ts"
import type { OrganizationId } from "../domain/ids.ts"

/** A kind of domain event. */
export type EventTag = DomainEvent["_tag"]
/** The events of the given kinds. */
export type EventOf<T extends EventTag> = Extract<DomainEvent, { readonly _tag: T }>

export class EventBus extends Context.Service<EventBus, {
  readonly publish: (event: DomainEvent) => Effect.Effect<void>
  /** Several events, in order, at once (a delivery's: one wake-up of each consumer, not one an event). */
  readonly publishAll: (events: ReadonlyArray<DomainEvent>) => Effect.Effect<void>
  /** An event another process has published already: for this process's subscribers only. */
  readonly publishLocal: (event: DomainEvent) => Effect.Effect<void>
  /** Every event, all tenants. */
  readonly all: Stream.Stream<DomainEvent>
  /**
   * The events of some kinds, all tenants: for in-process consumers (engine, metrics, audits).
   * Only what they listen for reaches them: a consumer of `all` is woken by every event — a
   * lead's every message — even to ignore it, and five did (a third of the runtime's work in
   * storing a delivery; README "Benchmarks").
   */
  readonly only: <const T extends EventTag>(tags: ReadonlyArray<T>) => Stream.Stream<EventOf<T>>
  /** The events of one organization: for dashboards. */
  readonly forOrganization: (organizationId: OrganizationId) => Stream.Stream<DomainEvent>
}>()("wa/EventBus") {
  /** The in-process bus, with `onPublish` for what this process itself publishes (a worker forwards it). */
  static readonly make = (onPublish?: (event: DomainEvent) => Effect.Effect<void>) =>
    Effect.gen(function*() {
      // unbounded: the engine must not lose a lead message; publishers never wait
      const hub = yield* Effect.acquireRelease(PubSub.unbounded<DomainEvent>(), PubSub.shutdown)
      const all = Stream.fromPubSub(hub)
      /** Each kind's listeners (`only`): their queues, unbounded for the same reason. */
      const listeners = new Map<EventTag, Set<(event: DomainEvent) => void>>()
      const tell = (event: DomainEvent) => {
        for (const listener of listeners.get(event._tag) ?? []) listener(event)
      }
      const publishLocal = (event: DomainEvent) =>
        Effect.suspend(() => {
          tell(event)
          return PubSub.publish(hub, event)
        }).pipe(Effect.asVoid)
      const publishAllLocal = (events: ReadonlyArray<DomainEvent>) =>
        Effect.suspend(() => {
          events.forEach(tell)
          return PubSub.publishAll(hub, events)
        }).pipe(Effect.asVoid)
      const only = <const T extends EventTag>(tags: ReadonlyArray<T>): Stream.Stream<EventOf<T>> => {
        const wanted = new Set<EventTag>(tags)
        const isWanted = (event: DomainEvent): event is EventOf<T> => wanted.has(event._tag)
        return Stream.unwrap(Effect.gen(function*() {
          const queue = yield* Queue.unbounded<EventOf<T>>()
          const listener = (event: DomainEvent) => {
            if (isWanted(event)) Queue.offerUnsafe(queue, event)
          }
          yield* Effect.acquireRelease(
            Effect.sync(() => wanted.forEach((tag) => listeners.set(tag, (listeners.get(tag) ?? new Set()).add(listener)))),
            () => Effect.andThen(Effect.sync(() => wanted.forEach((tag) => listeners.get(tag)?.delete(listener))), Queue.shutdown(queue))
          )
          return Stream.fromQueue(queue)
        }))
      }
      return EventBus.of({
        publish: (event) => onPublish === undefined ? publishLocal(event) : Effect.andThen(publishLocal(event), onPublish(event)),
        publishAll: (events) =>
          events.length === 0 ? Effect.void
          : onPublish === undefined ? publishAllLocal(events)
          : Effect.andThen(publishAllLocal(events), Effect.forEach(events, onPublish, { discard: true })),
        publishLocal,
        all,
        only,
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

/** What an engine elsewhere (a worker, the engine's thread) must hear: a person's actions and follow-ups scheduled anywhere. */
const forEngine = (event: DomainEvent) =>
  (event._tag === "ModeChanged" && event.kind !== "handoff") ||
  (event._tag === "MessageStored" && event.from === "HUMAN") ||
  (event._tag === "FollowUpChanged" && event.change === "scheduled")

/** The events of `bus` an engine elsewhere must hear (`forEngine`). */
export const engineEvents = (bus: EventBus["Service"]) =>
  bus.only(["ModeChanged", "MessageStored", "FollowUpChanged"]).pipe(Stream.filter(forEngine))

/**
 * A publisher for another process or thread (a worker's API, the engine's other thread): what it
 * is given goes to `send` in order, at most 256 at a time, from a fiber of the scope — the
 * publisher never waits for the other side.
 */
export const inBatches = <A, E, R>(send: (batch: ReadonlyArray<A>) => Effect.Effect<void, E, R>) =>
  Effect.gen(function*() {
    const outbox = yield* Queue.unbounded<A>()
    yield* Queue.takeBetween(outbox, 1, 256).pipe(Effect.flatMap(send), Effect.forever, Effect.forkScoped)
    return (item: A): Effect.Effect<void> => Queue.offer(outbox, item).pipe(Effect.asVoid)
  })
