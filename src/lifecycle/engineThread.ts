/**
 * The engine on a thread of its own (role `all`, ENGINE_THREAD on, the default). The main thread
 * answers HTTP — webhooks into the inbox, the dashboard, the internal API — and the engine's
 * thread runs what holds an event loop for long stretches: the inbox consumers, the conversation
 * actors and their turns, the follow-up scheduler. With both on one loop, a webhook's answer
 * waited behind the consumers' and turns' callbacks (README "Benchmarks", finding (27)).
 *
 * The two share the database (each its own pool) and talk by messages, like an API and its
 * worker (src/internal/worker.ts) but with no HTTP between them: the engine's events go to the
 * main thread's bus (dashboards, metrics), and the people's actions the engine must hear come
 * back (`engineEvents`). A stop drains both: the main thread's drain waits for the engine's. The
 * engine's metrics are served with the main thread's (src/observability/threadMetrics.ts). A
 * thread that dies stops the process (src/main.ts): a service that takes webhooks and never
 * answers its leads must not look healthy.
 */
import { type MessagePort, Worker } from "node:worker_threads"
import { Cause, Context, Deferred, Duration, Effect, Exit, Layer, Queue, Redacted, Schema, Scope, Stream } from "effect"
import { AppConfig } from "../config/AppConfig.ts"
import { DatabaseUrl } from "../db/Database.ts"
import { DomainEvent } from "../domain/events.ts"
import { engineEvents, EventBus, inBatches } from "../events/EventBus.ts"
import { type MetricEntry, MetricSources, registryEntries } from "../observability/threadMetrics.ts"
import { Drain } from "./Drain.ts"

export class EngineThreadFailed extends Schema.TaggedError<EngineThreadFailed>()("EngineThreadFailed", {
  message: Schema.String
}) {}

/** The module a thread starts from: the main module (src/main.ts, or its bundle), which runs the engine there. */
export class EngineThreadEntry extends Context.Service<EngineThreadEntry, URL>()("wa/lifecycle/EngineThreadEntry") {}

/** What the engine's thread is started with (its workerData). */
export interface EngineThreadData {
  readonly engineThread: { readonly databaseUrl: string }
}

export const isEngineThreadData = (data: unknown): data is EngineThreadData =>
  typeof data === "object" && data !== null && "engineThread" in data

/** Main thread → engine thread. */
export type ToEngine =
  | { readonly _tag: "events"; readonly events: ReadonlyArray<unknown> }
  | { readonly _tag: "drain" }
  | { readonly _tag: "stop" }
  | { readonly _tag: "metrics"; readonly id: number }

/** Engine thread → main thread. */
export type FromEngine =
  | { readonly _tag: "ready" }
  | { readonly _tag: "failed"; readonly message: string }
  | { readonly _tag: "events"; readonly events: ReadonlyArray<unknown> }
  | { readonly _tag: "drained"; readonly left: number }
  | { readonly _tag: "metrics"; readonly id: number; readonly entries: ReadonlyArray<MetricEntry> }

/** Events cross in their JSON form (structured clone keeps no class, and no DateTime). */
const EventJson = Schema.toCodecJson(DomainEvent)
export const encodeEvents = Schema.encodeSync(Schema.Array(EventJson))
const decodeEvent = Schema.decodeUnknownExit(EventJson)

/** The events of a message, each decoded; one that does not decode is logged and left out. */
export const decodeEvents = (events: ReadonlyArray<unknown>) =>
  Effect.gen(function*() {
    const decoded: Array<DomainEvent> = []
    for (const event of events) {
      const exit = decodeEvent(event)
      if (Exit.isSuccess(exit)) decoded.push(exit.value)
      else yield* Effect.logError("an event from the other thread did not decode; dropped", exit.cause)
    }
    return decoded
  })

/** Fails once the engine's thread is lost after it started: src/main.ts stops the process then. */
export const EngineThreadLost = Context.Reference<Deferred.Deferred<never, EngineThreadFailed>>("wa/lifecycle/EngineThreadLost", {
  defaultValue: () => Deferred.makeUnsafe()
})

/** How long the thread has to close (actors, pool) once told to stop, after its drain. */
const CLOSE_LIMIT = Duration.seconds(10)

/**
 * The main thread's side: starts the engine's thread once the database is ready, and is ready
 * itself when the thread is (it fails with the thread's start-up error otherwise).
 */
export const EngineThreadLive = Layer.effectDiscard(Effect.gen(function*() {
  const entry = yield* EngineThreadEntry
  const databaseUrl = yield* DatabaseUrl
  const bus = yield* EventBus
  const drain = yield* Drain
  const lost = yield* EngineThreadLost
  const metricSources = yield* MetricSources

  const started = yield* Deferred.make<void, EngineThreadFailed>()
  const drained = yield* Deferred.make<number>()
  const exited = yield* Deferred.make<number>()
  const incoming = yield* Queue.unbounded<ReadonlyArray<unknown>>()
  const metricsAsked = new Map<number, Deferred.Deferred<ReadonlyArray<MetricEntry>>>()
  let ready = false
  let stopping = false
  /** What the thread threw, if it did: the reason its exit gives. */
  let thrown: string | undefined

  const onMessage = (message: FromEngine) => {
    switch (message._tag) {
      case "ready":
        ready = true
        return void Deferred.doneUnsafe(started, Exit.void)
      case "failed":
        return void Deferred.doneUnsafe(started, Exit.fail(new EngineThreadFailed({ message: message.message })))
      case "events":
        return void Queue.offerUnsafe(incoming, message.events)
      case "drained":
        return void Deferred.doneUnsafe(drained, Exit.succeed(message.left))
      case "metrics": {
        // the asker forgets it (answered or timed out)
        const asked = metricsAsked.get(message.id)
        if (asked !== undefined) Deferred.doneUnsafe(asked, Exit.succeed(message.entries))
      }
    }
  }
  const onExit = (code: number) => {
    const why = thrown === undefined ? "" : `: ${thrown}`
    const gone = new EngineThreadFailed({ message: `the engine's thread exited (code ${code}) before it was ready${why}` })
    Deferred.doneUnsafe(started, Exit.fail(gone))
    Deferred.doneUnsafe(drained, Exit.succeed(0))
    Deferred.doneUnsafe(exited, Exit.succeed(code))
    if (ready && !stopping) Deferred.doneUnsafe(lost, Exit.fail(new EngineThreadFailed({ message: `the engine's thread stopped unexpectedly (code ${code})${why}` })))
  }

  const worker = yield* Effect.acquireRelease(
    Effect.sync(() => {
      const data: EngineThreadData = { engineThread: { databaseUrl: Redacted.value(databaseUrl) } }
      const thread = new Worker(entry, {
        name: "engine",
        workerData: data
      })
      thread.on("message", onMessage)
      thread.on("error", (e) => {
        thrown = e.message
        onMessage({ _tag: "failed", message: e.message })
      })
      thread.on("exit", onExit)
      return thread
    }),
    (thread) =>
      Effect.gen(function*() {
        stopping = true
        thread.postMessage({ _tag: "stop" } satisfies ToEngine)
        const closed = yield* Deferred.await(exited).pipe(Effect.timeoutOption(CLOSE_LIMIT))
        if (closed._tag === "None") {
          yield* Effect.logError("the engine's thread did not close in time; terminated").pipe(Effect.annotateLogs({ limit: Duration.format(CLOSE_LIMIT) }))
          yield* Effect.promise(() => thread.terminate())
        }
      })
  )
  const send = (message: ToEngine) => Effect.sync(() => worker.postMessage(message))

  yield* Deferred.await(started)

  // the engine's events, for this thread's subscribers (dashboards, metrics, workers of the internal API)
  const fromEngine = new WeakSet<DomainEvent>()
  yield* Queue.take(incoming).pipe(
    Effect.flatMap(decodeEvents),
    Effect.tap((events) => Effect.sync(() => events.forEach((event) => fromEngine.add(event)))),
    Effect.flatMap(bus.publishAll),
    Effect.forever,
    Effect.forkScoped
  )
  // the people's actions (and follow-ups scheduled), for the engine: not its own events back
  const toEngine = yield* inBatches((events: ReadonlyArray<DomainEvent>) => send({ _tag: "events", events: encodeEvents(events) }))
  yield* engineEvents(bus).pipe(
    Stream.filter((event) => !fromEngine.has(event)),
    Stream.runForEach(toEngine),
    Effect.forkScoped
  )

  // the stop waits for the engine's drain: in flight here until the engine's thread has drained
  yield* drain.track(Effect.gen(function*() {
    yield* drain.started
    yield* send({ _tag: "drain" })
    const left = yield* Deferred.await(drained)
    // the engine's own drain ran out of time: so does this one (the exit code says so)
    if (left > 0) yield* Effect.never
  })).pipe(Effect.forkScoped)

  let nextId = 0
  yield* metricSources.add(Effect.gen(function*() {
    const id = nextId++
    const answer = yield* Deferred.make<ReadonlyArray<MetricEntry>>()
    metricsAsked.set(id, answer)
    yield* send({ _tag: "metrics", id })
    return yield* Deferred.await(answer).pipe(Effect.ensuring(Effect.sync(() => metricsAsked.delete(id))))
  }))
  yield* Effect.logInfo("the engine runs on its own thread")
}))

/** The engine thread's end of the messages: what it sends, and the events the main thread sent. */
export class EngineThreadPort extends Context.Service<EngineThreadPort, {
  readonly send: (message: FromEngine) => void
  readonly events: Queue.Dequeue<ReadonlyArray<unknown>>
}>()("wa/lifecycle/EngineThreadPort") {}

/** The engine thread's bus: what it publishes goes to the main thread too; what comes from there is published here. */
export const EngineThreadBus = Layer.effect(EventBus, Effect.gen(function*() {
  const port = yield* EngineThreadPort
  const toMain = yield* inBatches((events: ReadonlyArray<DomainEvent>) => Effect.sync(() => port.send({ _tag: "events", events: encodeEvents(events) })))
  const bus = yield* EventBus.make(toMain)
  yield* Queue.take(port.events).pipe(
    Effect.flatMap(decodeEvents),
    Effect.flatMap((events) => Effect.forEach(events, bus.publishLocal, { discard: true })),
    Effect.forever,
    Effect.forkScoped
  )
  return bus
}))

/** The error's message and what caused it, on one line (for the main thread's start-up report). */
const describe = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  return error instanceof Error ? error.message : Cause.pretty(cause)
}

/**
 * Runs the engine on this thread (src/main.ts, when started as the engine's thread): builds
 * `engine`, says "ready" (or why it could not start), then does what the main thread asks — drain,
 * metrics — until it says stop; then closes everything and ends the thread.
 */
export const runEngineThread = <E>(
  port: MessagePort,
  engine: Layer.Layer<AppConfig, E, EngineThreadPort>
) => {
  const send = (message: FromEngine) => port.postMessage(message)
  const program = Effect.gen(function*() {
    const events = yield* Queue.unbounded<ReadonlyArray<unknown>>()
    const control = yield* Queue.unbounded<ToEngine>()
    port.on("message", (message: ToEngine) =>
      message._tag === "events" ? Queue.offerUnsafe(events, message.events) : Queue.offerUnsafe(control, message))
    const scope = yield* Scope.make()
    const built = yield* Layer.buildWithScope(engine, scope).pipe(
      Effect.provideService(EngineThreadPort, EngineThreadPort.of({ send, events })),
      Effect.exit
    )
    if (Exit.isFailure(built)) {
      send({ _tag: "failed", message: describe(built.cause) })
      return yield* Scope.close(scope, built).pipe(Effect.as(1))
    }
    const context = built.value
    const drain = Context.get(context, Drain)
    const { shutdownTimeout } = Context.get(context, AppConfig)
    send({ _tag: "ready" })
    while (true) {
      const message = yield* Queue.take(control)
      if (message._tag === "stop") break
      if (message._tag === "drain") send({ _tag: "drained", left: yield* drain.drain(shutdownTimeout) })
      if (message._tag === "metrics") send({ _tag: "metrics", id: message.id, entries: registryEntries(context) })
    }
    yield* Scope.close(scope, Exit.void)
    return 0
  })
  Effect.runFork(program).addObserver((exit) => process.exit(Exit.isSuccess(exit) ? exit.value : 1))
}
