/**
 * Background consumers of the inbox: take a batch, process each delivery, then complete it,
 * park it (undecodable: kept with the reason) or hand it back for a retry (any failure —
 * parked by the inbox after its last attempt). Waits on the inbox, never on a timer, and takes
 * nothing new while the engine is behind (src/lifecycle/EngineLoad.ts). When the
 * process stops, a consumer takes nothing more and finishes the batch in hand (src/lifecycle/Drain.ts).
 */
import { Cause, Effect, Layer, Option, Schedule } from "effect"
import { AppConfig } from "../config/AppConfig.ts"
import { Inbox, type InboxItem } from "../inbox/Inbox.ts"
import { Drain } from "../lifecycle/Drain.ts"
import { EngineLoad } from "../lifecycle/EngineLoad.ts"
import { parseTraceparent } from "../observability/traceContext.ts"
import { EngineInstance } from "../records/EngineInstance.ts"
import { Ingest } from "./Ingest.ts"

/** One line for `last_error`: the error's tag/name and message, no stack. */
const describeCause = (cause: Cause.Cause<unknown>): string => {
  const e = Cause.squash(cause)
  const text = e instanceof Error ? `${"_tag" in e ? String(e._tag) : e.name}: ${e.message}` : String(e)
  return text.slice(0, 2000)
}

export const consumeInbox = (options: { readonly consumers: number; readonly batch: number }) =>
  Effect.gen(function*() {
    const inbox = yield* Inbox
    const ingest = yield* Ingest
    const { lessee } = yield* EngineInstance
    const handle = (item: InboxItem) =>
      ingest.process(item, lessee).pipe(
        Effect.flatMap(({ outcome }) =>
          outcome._tag === "Undecodable"
            ? Effect.logWarning("undecodable webhook delivery parked").pipe(
              Effect.annotateLogs({ item: item.id, reason: outcome.reason }),
              Effect.andThen(inbox.park(item, outcome.reason))
            )
            : inbox.complete(item)
        ),
        Effect.catchCause((cause) =>
          inbox.retry(item, describeCause(cause)).pipe(
            Effect.tap((next) =>
              Effect.logWarning(next === "parked" ? "webhook delivery parked after its last attempt" : "webhook delivery failed; will retry").pipe(
                Effect.annotateLogs({ item: item.id, attempts: item.attempts, error: Cause.squash(cause) })
              )
            )
          )
        ),
        // a child of the webhook's intake span (its context was stored with the delivery)
        Effect.withSpan("InboxConsumer.handle", {
          kind: "consumer",

          parent: Option.getOrUndefined(parseTraceparent(item.traceparent)),
          attributes: {
            "messaging.system": inbox.kind === "sqs" ? "aws_sqs" : "postgresql",
            "messaging.operation.type": "process",
            "messaging.destination.name": "webhook_inbox",
            "messaging.message.id": item.id,
            "messaging.message.delivery_count": item.attempts,
            "messaging.message.body.size": item.body.byteLength
          }
        }, { captureStackTrace: false }) // one a delivery, like the intake's
      )
    const drain = yield* Drain
    const backoff = Schedule.min([Schedule.exponential("200 millis"), Schedule.spaced("10 seconds")])
    const take = inbox.take(options.batch).pipe(
      Effect.tapError((e) => Effect.logWarning("inbox unavailable; backing off").pipe(Effect.annotateLogs({ error: e.reason }))),
      Effect.retry(backoff),
      Effect.map(Option.some)
    )
    // Once the stop began, nothing is claimed: a claim the stop interrupts may still commit, and
    // its items would wait out the visibility timeout before the next process could take them.
    // A long poll in progress is abandoned when the stop begins (SQS offers those items again).
    const stopped = Option.none<ReadonlyArray<InboxItem>>()
    const next = Effect.flatMap(drain.draining, (draining) =>
      draining ? Effect.succeed(stopped) : Effect.race(take, Effect.as(drain.started, stopped)))
    const load = yield* EngineLoad
    const worker = Effect.gen(function*() {
      while (true) {
        // the engine is behind: what is not taken yet waits in the inbox, not in memory
        yield* load.admit
        const items = yield* next
        if (Option.isNone(items)) return
        // all at once: their writes share one transaction (Ingest's group commit)
        yield* drain.track(Effect.forEach(items.value, (item) => Effect.ignore(handle(item)), { concurrency: "unbounded", discard: true }))
      }
    })
    yield* Effect.forEach(
      Array.from({ length: options.consumers }, (_, i) => i),
      () => Effect.forkScoped(worker),
      { discard: true }
    )
  })

/** Built by the `all` and `worker` roles only (src/app.ts); INBOX_CONSUMERS loops. */
export const InboxConsumerLive = Layer.effectDiscard(Effect.gen(function*() {
  const { inboxConsumers } = yield* AppConfig
  return yield* consumeInbox({ consumers: inboxConsumers, batch: 128 })
}))
