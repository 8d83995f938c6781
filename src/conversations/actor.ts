/**
 * One conversation's actor loop: collects a burst of lead messages until `quiet` passes without
 * a new one (capped by `maxWait` from the first), then runs one turn. While a turn runs the
 * actor keeps reading its mailbox: new lead messages start the next burst (the running turn's
 * draft is dropped by its own pre-send check), a takeover interrupts the turn. With nothing
 * pending for `idleTtl`, the loop ends and the registry forgets the actor (passivation).
 */
import { Cause, Clock, Duration, Effect, Fiber, Option, Queue, type Tracer } from "effect"
import type { ConversationKey, Mail, TurnHandlers } from "./mailbox.ts"

export interface ActorTiming {
  readonly quiet: Duration.Duration
  readonly maxWait: Duration.Duration
  readonly idleTtl: Duration.Duration
}

/** a turn links to at most this many deliveries */
const MAX_LINKS = 128

type FollowUpDue = Extract<Mail, { _tag: "FollowUpDue" }>
type Job = { readonly _tag: "Burst"; readonly origins: ReadonlyArray<Tracer.AnySpan> } | { readonly _tag: "FollowUp"; readonly due: FollowUpDue }

export const runActor = <R>(options: {
  readonly key: ConversationKey
  readonly mailbox: Queue.Queue<Mail>
  readonly handlers: TurnHandlers<R>
  readonly timing: ActorTiming
  /** wraps every turn: the global concurrency limit */
  readonly limit: <A, E, R2>(effect: Effect.Effect<A, E, R2>) => Effect.Effect<A, E, R2>
  /** true when the actor may stop: called with the registry lock held */
  readonly passivate: Effect.Effect<boolean>
}) =>
  Effect.gen(function*() {
    const { key, mailbox, handlers, timing } = options
    const quiet = Duration.toMillis(timing.quiet)
    const maxWait = Duration.toMillis(timing.maxWait)
    let burst: Option.Option<{ readonly first: number; last: number }> = Option.none()
    /** the spans that stored the open burst's messages (its turn links to them) */
    let origins: Array<Tracer.AnySpan> = []
    let running: Option.Option<Fiber.Fiber<void>> = Option.none()
    const followUps: Array<FollowUpDue> = []

    const start = (job: Job) =>
      Effect.gen(function*() {
        const work = job._tag === "Burst" ? handlers.burst(key, job.origins) : handlers.followUp(key, job.due.scheduledActionId)
        const fiber = yield* options.limit(work).pipe(
          Effect.catchCause((cause) =>
            Cause.hasInterruptsOnly(cause) ? Effect.void : Effect.logError("turn failed", cause)
          ),
          Effect.ensuring(Queue.offer(mailbox, { _tag: "TurnDone" })),
          Effect.forkChild
        )
        running = Option.some(fiber)
      })

    /** When the next burst closes, if one is open. */
    const deadline = () => Option.map(burst, (b) => Math.min(b.last + quiet, b.first + maxWait))

    while (true) {
      const now = yield* Clock.currentTimeMillis
      const due = Option.isSome(running) ? Option.none<number>() : deadline()
      const waitFor = Option.isSome(due)
        ? Duration.millis(Math.max(0, due.value - now))
        : Option.isSome(running)
        ? Duration.infinity
        : timing.idleTtl
      const mail = yield* Queue.take(mailbox).pipe(Effect.timeoutOption(waitFor))

      if (Option.isNone(mail)) {
        if (Option.isSome(due)) {
          burst = Option.none()
          yield* start({ _tag: "Burst", origins })
          origins = []
        } else if (followUps.length === 0 && (yield* options.passivate)) {
          return
        }
        continue
      }

      switch (mail.value._tag) {
        case "LeadMessage": {
          const at = yield* Clock.currentTimeMillis
          burst = Option.some(Option.match(burst, { onNone: () => ({ first: at, last: at }), onSome: (b) => ({ ...b, last: at }) }))
          if (mail.value.origin !== undefined && origins.length < MAX_LINKS) origins.push(mail.value.origin)
          followUps.length = 0 // the lead wrote: a pending nudge is moot (the store cancels it too)
          break
        }
        case "FollowUpDue":
          followUps.push(mail.value)
          break
        case "TurnDone":
          running = Option.none()
          break
        case "Takeover":
          burst = Option.none()
          origins = []
          if (Option.isSome(running)) yield* Fiber.interrupt(running.value)
          break
        case "Release":
        case "HumanMessageSent":
          break
      }
      // a follow-up runs only when nothing else is pending or running
      if (Option.isNone(running) && Option.isNone(burst)) {
        const next = followUps.shift()
        if (next !== undefined) yield* start({ _tag: "FollowUp", due: next })
      }
    }
  })
