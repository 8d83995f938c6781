/**
 * Actors by conversation id: created on demand by the first mail, supervised (a defect in the
 * loop is logged and the loop restarts on the same mailbox, so nothing queued is lost),
 * passivated when idle. An idle actor holds nothing (no burst, turn, follow-up or lease), so its
 * fiber and mailbox end at once and the registry only remembers the conversation as an idle actor
 * until `ACTOR_IDLE_TTL` has passed (one sweeper for all of them): a flood of 10,000 conversations
 * keeps thousands of idle actors, each of which was three fibers with their stacks (≈ 28 KB) while
 * it waited. The next mail starts a fresh loop. Every actor fiber belongs to the registry's
 * scope. Turns waiting for a permit pause the inbox consumers when too many
 * (src/lifecycle/EngineLoad.ts). While the process stops (src/lifecycle/Drain.ts) running turns
 * are waited for and new ones do not start: their conversations stay unanswered, for restart
 * recovery or another process to resume.
 */
import { Cause, Clock, Duration, Effect, FiberSet, Latch, Queue, Semaphore } from "effect"
import type { ConversationId, ConversationKey } from "../domain/ids.ts"
import { Drain } from "../lifecycle/Drain.ts"
import { EngineLoad } from "../lifecycle/EngineLoad.ts"
import { activeActors, record } from "../observability/metrics.ts"
import { type ActorTiming, runActor } from "./actor.ts"
import type { Leases } from "../records/leases.ts"
import type { Mail, TurnHandlers } from "./mailbox.ts"

/** Mail waiting in one mailbox beyond which further lead-message signals are coalesced (memory stays bounded). */
export const MAILBOX_SIGNALS = 256

export interface ActorRegistry {
  /** Delivers the mail, starting the conversation's actor if it has none. */
  readonly tell: (key: ConversationKey, mail: Mail) => Effect.Effect<void>
  /** Delivers the mail only to an actor with a loop running (a takeover has nothing to stop elsewhere). */
  readonly tellIfActive: (key: ConversationKey, mail: Mail) => Effect.Effect<void>
  /** actors alive: with a loop running, or idle and not yet passivated */
  readonly active: Effect.Effect<number>
  /** of which with a loop running (a burst, a turn, a follow-up, a lease held, mail to read) */
  readonly busy: Effect.Effect<number>
}

export const makeActorRegistry = <R>(options: {
  readonly handlers: TurnHandlers<R>
  readonly timing: ActorTiming
  /** how many turns (LLM work) may run at once across all conversations */
  readonly concurrency: number
  readonly leases: Leases
}) =>
  Effect.gen(function*() {
    const lock = yield* Semaphore.make(1)
    const turns = yield* Semaphore.make(options.concurrency)
    const fibers = yield* FiberSet.make()
    /**
     * Actor fibers run with the registry's own context, as it is: a context derived per actor
     * (provided, or with log annotations) is copied into a map of every service once the actor has
     * looked up enough of them (≈ 1.6 KB an actor).
     */
    const runActorFiber = yield* FiberSet.runtime(fibers)<R>()
    /** actors with a loop running (work, or mail to read) */
    const mailboxes = new Map<ConversationId, Queue.Queue<Mail>>()
    /** idle actors: when each went idle (ms), oldest first; forgotten `idleTtl` later */
    const idle = new Map<ConversationId, number>()
    const idleTtlMs = Duration.toMillis(options.timing.idleTtl)
    const someIdle = Latch.makeUnsafe(false)
    const count = () => mailboxes.size + idle.size
    const drain = yield* Drain
    const load = yield* EngineLoad
    /**
     * The concurrency limit; a turn that gets its permit once the stop began does not start. While
     * it waits for its permit it counts towards the engine's load (src/lifecycle/EngineLoad.ts).
     */
    const limit = <A, E, R2>(work: Effect.Effect<A, E, R2>) =>
      Effect.suspend(() => {
        let queued = true
        load.queued(1)
        const admitted = Effect.sync(() => {
          if (!queued) return
          queued = false
          load.queued(-1)
        })
        return turns.withPermits(1)(admitted.pipe(
          Effect.andThen(drain.draining),
          Effect.flatMap((stopping) =>
            stopping
              ? Effect.logInfo("turn not started: the process is stopping (restart recovery resumes it)").pipe(Effect.andThen(Effect.interrupt))
              : drain.track(work))
        )).pipe(Effect.ensuring(admitted))
      })

    const spawn = (key: ConversationKey) =>
      Effect.gen(function*() {
        const mailbox = yield* Queue.unbounded<Mail>()
        mailboxes.set(key.conversationId, mailbox)
        idle.delete(key.conversationId)
        yield* record(activeActors, count())
        const rest = lock.withPermits(1)(Effect.gen(function*() {
          if ((yield* Queue.size(mailbox)) > 0) return false
          mailboxes.delete(key.conversationId)
          idle.set(key.conversationId, yield* Clock.currentTimeMillis)
          someIdle.openUnsafe()
          return true
        }))
        const loop = runActor({
          key,
          mailbox,
          handlers: options.handlers,
          timing: options.timing,
          limit,
          rest,
          leases: options.leases
        })
        const supervised: Effect.Effect<void, never, R> = Effect.exit(loop).pipe(
          Effect.flatMap((exit) => {
            if (exit._tag === "Success" || Cause.hasInterruptsOnly(exit.cause)) return Effect.void
            return Effect.logError("conversation actor crashed; restarting", exit.cause).pipe(
              Effect.annotateLogs({ organizationId: key.organizationId, conversationId: key.conversationId }),
              Effect.andThen(Effect.suspend(() => supervised))
            )
          })
        )
        runActorFiber(supervised)
        return mailbox
      })

    /** Forgets the idle actors whose `idleTtl` has passed (passivation), sleeping until the oldest's. */
    const sweep = Effect.gen(function*() {
      while (true) {
        const oldest = idle.values().next()
        if (oldest.done === true) {
          someIdle.closeUnsafe()
          yield* someIdle.await
          continue
        }
        const wait = oldest.value + idleTtlMs - (yield* Clock.currentTimeMillis)
        if (wait > 0) {
          yield* Effect.sleep(wait)
          continue
        }
        yield* lock.withPermits(1)(Effect.gen(function*() {
          const now = yield* Clock.currentTimeMillis
          for (const [conversationId, since] of idle) {
            if (since + idleTtlMs > now) break
            idle.delete(conversationId)
          }
          yield* record(activeActors, count())
        }))
      }
    })
    yield* Effect.forkScoped(sweep)

    /** "Look at the conversation" signals coalesce: the actor reads the burst from the store anyway. */
    const post = (mailbox: Queue.Queue<Mail>, mail: Mail) =>
      (mail._tag === "LeadMessage" || mail._tag === "Resume") && Queue.sizeUnsafe(mailbox) >= MAILBOX_SIGNALS &&
        !(mail._tag === "LeadMessage" && mail.urgent === true)
        ? Effect.void
        : Effect.asVoid(Queue.offer(mailbox, mail))

    // on every lead message: no generator (each one allocates its frame)
    const tell = (key: ConversationKey, mail: Mail) =>
      lock.withPermits(1)(Effect.suspend(() => {
        const mailbox = mailboxes.get(key.conversationId)
        return mailbox === undefined ? Effect.flatMap(spawn(key), (spawned) => post(spawned, mail)) : post(mailbox, mail)
      }))

    const tellIfActive = (key: ConversationKey, mail: Mail) =>
      lock.withPermits(1)(Effect.suspend(() => {
        const mailbox = mailboxes.get(key.conversationId)
        return mailbox === undefined ? Effect.void : Queue.offer(mailbox, mail).pipe(Effect.asVoid)
      }))

    return { tell, tellIfActive, active: Effect.sync(count), busy: Effect.sync(() => mailboxes.size) } satisfies ActorRegistry
  })
