/**
 * One conversation's actor loop: collects a burst of lead messages until `quiet` passes without
 * a new one (capped by `maxWait` from the first), then runs one turn. While a turn runs the
 * actor keeps reading its mailbox: new lead messages start the next burst and are passed to the
 * running turn, which gives up before its reply if one is newer than what it read (else its
 * pre-send check drops the draft), a takeover interrupts the turn. With nothing
 * pending (no burst, turn, follow-up, retry or lease) and an empty mailbox, the loop ends: the
 * registry keeps the conversation as an idle actor until `idleTtl` passes (passivation), and the
 * next mail starts a new loop.
 *
 * Ownership: while it has work (an open burst, a turn, a follow-up) the actor holds the
 * conversation's lease, renewed in the background; it lets go when idle. When another process
 * holds the lease, a lead message here only pokes that owner (who looks again before letting
 * go) and a due follow-up waits for the lease.
 */
import { Cause, Clock, Duration, Effect, Fiber, Option, Queue, Schedule, type Tracer } from "effect"
import type { Leases } from "../records/leases.ts"
import type { ConversationKey, MessageId } from "../domain/ids.ts"
import type { Mail, TurnHandlers } from "./mailbox.ts"

export interface ActorTiming {
  readonly quiet: Duration.Duration
  readonly maxWait: Duration.Duration
  readonly idleTtl: Duration.Duration
}

/** a turn links to at most this many deliveries */
const MAX_LINKS = 128

type FollowUpDue = Extract<Mail, { _tag: "FollowUpDue" }>
type Job =
  | { readonly _tag: "Burst"; readonly origins: ReadonlyArray<Tracer.AnySpan> }
  | { readonly _tag: "FollowUp"; readonly due: FollowUpDue }
  | { readonly _tag: "HumanWrote" }

export const runActor = <R>(options: {
  readonly key: ConversationKey
  readonly mailbox: Queue.Queue<Mail>
  readonly handlers: TurnHandlers<R>
  readonly timing: ActorTiming
  /** wraps every turn: the global concurrency limit */
  readonly limit: <A, E, R2>(effect: Effect.Effect<A, E, R2>) => Effect.Effect<A, E, R2>
  /** true when the loop may end (its mailbox is empty): called with the registry lock held */
  readonly rest: Effect.Effect<boolean>
  readonly leases: Leases
}) =>
  Effect.gen(function*() {
    const { key, mailbox, handlers, timing } = options
    const quiet = Duration.toMillis(timing.quiet)
    const maxWait = Duration.toMillis(timing.maxWait)
    const idleTtl = Duration.toMillis(timing.idleTtl)
    let burst: Option.Option<{ readonly first: number; last: number; urgent: boolean }> = Option.none()
    /** the spans that stored the open burst's messages (its turn links to them) */
    let origins: Array<Tracer.AnySpan> = []
    let running: Option.Option<Fiber.Fiber<void>> = Option.none()
    /** the running burst turn's ear: each lead message heard meanwhile (null: one arrived elsewhere) */
    let overheard: Option.Option<Queue.Queue<MessageId | null>> = Option.none()
    const followUps: Array<FollowUpDue> = []
    /** a person wrote: the summary is brought up to date when nothing else runs (several messages, one summary) */
    let humanWrote = false
    let heartbeat: Option.Option<Fiber.Fiber<void>> = Option.none()
    /** mail that comes back later (children of this loop: it may not end before they have offered) */
    let retrying = 0
    const annotated = Effect.annotateLogs({ organizationId: key.organizationId, conversationId: key.conversationId })

    /** Mail that comes back later: work that waits for the lease (or for the store to answer). */
    const later = (mail: Mail) =>
      Effect.suspend(() => {
        retrying++
        return Effect.forkChild(Effect.delay(Queue.offer(mailbox, mail), "1 second").pipe(Effect.ensuring(Effect.sync(() => retrying--))))
      })

    const every = Duration.millis(options.leases.lessee.ttlMs / 3)
    const renewing = Effect.gen(function*() {
      const renewed = yield* options.leases.renew(key)
      if (!renewed.held) return yield* Queue.offer(mailbox, { _tag: "LeaseLost" })
      if (renewed.poked) yield* Queue.offer(mailbox, { _tag: "Resume" })
    }).pipe(
      Effect.catch((e) => Effect.logWarning("lease renewal failed", e).pipe(annotated)),
      Effect.repeat(Schedule.spaced(every)),
      Effect.delay(every),
      Effect.asVoid
    )

    const disown = Effect.gen(function*() {
      if (Option.isSome(heartbeat)) yield* Fiber.interrupt(heartbeat.value)
      heartbeat = Option.none()
    })

    /** True when the lease is ours; otherwise the owner was poked (or we retry soon). */
    const own = (retry: Mail) => Effect.suspend(() => Option.isSome(heartbeat) ? Effect.succeed(true) : acquire(retry))
    const acquire = (retry: Mail) =>
      Effect.gen(function*() {
        const acquired = yield* Effect.result(options.leases.acquire(key))
        if (acquired._tag === "Failure") {
          yield* Effect.logWarning("conversation lease unavailable; retrying", acquired.failure).pipe(annotated)
          yield* later(retry)
          return false
        }
        if (acquired.success === "held") return false
        heartbeat = Option.some(yield* Effect.forkChild(renewing))
        return true
      })

    /** Idle: let the lease go, unless a lead message arrived elsewhere meanwhile. */
    const letGo = Effect.gen(function*() {
      if (Option.isNone(heartbeat)) return
      const released = yield* Effect.result(options.leases.release(key))
      if (released._tag === "Failure") return yield* Effect.logWarning("lease release failed; it will expire", released.failure).pipe(annotated)
      if (released.success === "poked") return yield* Queue.offer(mailbox, { _tag: "Resume" })
      yield* disown
    })

    const openBurst = (origin: Tracer.AnySpan | undefined, urgent: boolean) =>
      Effect.map(Clock.currentTimeMillis, (at) => {
        burst = Option.some(Option.match(burst, {
          onNone: () => ({ first: at, last: at, urgent }),
          onSome: (b) => ({ ...b, last: at, urgent: b.urgent || urgent })
        }))
        if (origin !== undefined && origins.length < MAX_LINKS) origins.push(origin)
        followUps.length = 0 // the lead wrote: a pending nudge is moot (the store cancels it too)
      })

    const start = (job: Job) =>
      Effect.gen(function*() {
        const ear = yield* Queue.unbounded<MessageId | null>()
        const work = job._tag === "Burst" ? handlers.burst(key, job.origins, Queue.take(ear))
          : job._tag === "FollowUp" ? handlers.followUp(key, job.due.scheduledActionId)
          : handlers.humanWrote(key)
        const fiber = yield* options.limit(work).pipe(
          Effect.catchCause((cause) =>
            Cause.hasInterruptsOnly(cause) ? Effect.void : Effect.logError("turn failed", cause).pipe(annotated)
          ),
          Effect.ensuring(Queue.offer(mailbox, { _tag: "TurnDone" })),
          Effect.forkChild
        )
        running = Option.some(fiber)
        overheard = job._tag === "Burst" ? Option.some(ear) : Option.none() // only a lead turn listens
      })

    /** When the next burst closes, if one is open. */
    const deadline = () => Option.map(burst, (b) => (b.urgent ? b.last : Math.min(b.last + quiet, b.first + maxWait)))

    /** Nothing to do and nothing held: the loop may end (the registry remembers the actor as idle). */
    const idle = () =>
      Option.isNone(running) && Option.isNone(burst) && Option.isNone(heartbeat) && followUps.length === 0 &&
      !humanWrote && retrying === 0

    /**
     * The loop's one timer: a child that mails `Alarm` at `at` (the open burst's deadline, else the
     * idle wait's end). Mail is taken without a timeout of its own (a race of two fibers and a timer
     * for every message); a timer set for earlier than needed stays, and the loop sets the next
     * when it rings (a burst's deadline only moves later, unless the lead asks for a person).
     */
    let alarm: { readonly at: number; readonly fiber: Fiber.Fiber<void> } | undefined
    const wakeBy = (at: number, now: number) =>
      Effect.gen(function*() {
        if (alarm !== undefined && alarm.at <= at) return
        if (alarm !== undefined) yield* Fiber.interrupt(alarm.fiber)
        const ring = Effect.andThen(Effect.sleep(at - now), Effect.asVoid(Queue.offer(mailbox, { _tag: "Alarm", at })))
        alarm = { at, fiber: yield* Effect.forkChild(ring) }
      })

    const loop = Effect.gen(function*() {
      /** since when the loop has waited for mail (with nothing due, `idleTtl` of it lets the lease go) */
      let waiting = yield* Clock.currentTimeMillis
      while (true) {
        if (idle() && (yield* options.rest)) return
        const now = yield* Clock.currentTimeMillis
        const due = Option.isSome(running) ? Option.none<number>() : deadline()
        const wakeAt = Option.isSome(due) ? due.value : Option.isSome(running) ? Infinity : waiting + idleTtl
        // time is up: only mail already here comes first (as a wait of zero would have it)
        const mail = wakeAt <= now ? yield* Queue.poll(mailbox) : Option.some(yield* Effect.andThen(
          Number.isFinite(wakeAt) ? wakeBy(wakeAt, now) : Effect.void,
          Queue.take(mailbox)
        ))
        if (Option.isSome(mail) && mail.value._tag === "Alarm") {
          if (alarm?.at === mail.value.at) alarm = undefined
          continue
        }
        waiting = now

        if (Option.isNone(mail)) {
          if (Option.isSome(due)) {
            burst = Option.none()
            yield* start({ _tag: "Burst", origins })
            origins = []
          } else {
            yield* letGo // a release that failed before: try again
          }
          continue
        }

        switch (mail.value._tag) {
          case "LeadMessage":
          case "Resume":
            if (yield* own(mail.value)) {
              yield* openBurst(mail.value._tag === "LeadMessage" ? mail.value.origin : undefined, mail.value._tag === "LeadMessage" && mail.value.urgent === true)
              if (Option.isSome(overheard)) yield* Queue.offer(overheard.value, mail.value._tag === "LeadMessage" ? mail.value.messageId : null)
            }
            break
          case "FollowUpDue":
            if (yield* own(mail.value)) followUps.push(mail.value)
            else yield* later(mail.value) // it waits for the lease
            break
          case "TurnDone":
            running = Option.none()
            overheard = Option.none()
            break
          case "LeaseLost":
            // whoever took the lease over resumes the conversation; a running turn's send is fenced
            yield* disown
            burst = Option.none()
            origins = []
            followUps.length = 0
            break
          case "Takeover":
            burst = Option.none()
            origins = []
            if (Option.isSome(running)) yield* Fiber.interrupt(running.value)
            break
          case "HumanMessageSent":
            if (yield* own(mail.value)) humanWrote = true
            break
          case "Release":
            break
        }
        // a follow-up (then a summary of a person's messages) runs only when nothing else is pending or running
        if (Option.isNone(running) && Option.isNone(burst)) {
          const next = followUps.shift()
          if (next !== undefined) yield* start({ _tag: "FollowUp", due: next })
          else if (humanWrote) {
            humanWrote = false
            yield* start({ _tag: "HumanWrote" })
          } else yield* letGo
        }
      }
    })
    // stopping (passivation, shutdown, a crash before the restart): the lease goes too
    return yield* loop.pipe(Effect.ensuring(Effect.ignore(letGo)))
  })
