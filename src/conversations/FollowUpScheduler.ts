/**
 * Delivers due follow-ups to their conversation's actor at their due time. Two loops:
 *
 * - the claimer claims the rows due within the next `LOOKAHEAD_MS` (SKIP LOCKED: several
 *   schedulers never deliver the same row twice) and hands them to the dispatcher. It sleeps
 *   until the earliest unclaimed row enters that horizon (or a claim expires), and wakes early
 *   when a follow-up is written, whatever wrote it: this process, another one, an SQL fix or a
 *   restore (the database NOTIFYs on every pending row inserted or whose due time changed,
 *   migrations/0011; a worker hears it through the API). While rows keep coming due it claims
 *   at most every `MIN_GAP_MS`, each time everything the horizon holds.
 * - the dispatcher holds the claimed rows in memory and tells each actor at the exact due time,
 *   with no query in between: a claim's latency (or a database stall shorter than the horizon)
 *   does not make a follow-up late.
 *
 * A claim whose process died is re-offered after `CLAIM_TTL`; a stopping scheduler gives back
 * the claims it holds and has not delivered, so another one delivers them on time.
 */
import { randomUUID } from "node:crypto"
import { Clock, Duration, Effect, Layer, Queue, Schedule, Stream } from "effect"
import { Conversations } from "./Conversations.ts"
import { EngineStore } from "../records/EngineStore.ts"
import { makeDueQueue } from "./dueQueue.ts"
import { FollowUps } from "../followups/FollowUps.ts"
import type { Claimed } from "../records/followUpStore.ts"

const CLAIM_TTL = Duration.minutes(10)
/** Rows due within this horizon are claimed ahead and held until their due time. */
export const LOOKAHEAD_MS = 2_000
const BATCH = 1000
/** While rows keep coming due, one claim per this interval: well inside the horizon. */
const MIN_GAP_MS = 250
/** Upper bound on one sleep: a safety net, not a polling interval (wake-ups come by signal). */
const MAX_SLEEP_MS = Duration.toMillis(Duration.minutes(5))
/** Rows held at most: a backlog (after an outage) is claimed as fast as the actors are told. */
const MAX_HELD = 10 * BATCH
/** A stop gives its claims back within this time, else they are re-offered after CLAIM_TTL. */
const RELEASE_TIMEOUT = Duration.seconds(5)

export const runScheduler = Effect.gen(function*() {
  const store = yield* EngineStore
  const followUps = yield* FollowUps
  const conversations = yield* Conversations
  const claimer = `scheduler-${randomUUID()}`
  const ttl = Duration.toMillis(CLAIM_TTL)
  const held = makeDueQueue()
  /** claimer → dispatcher: rows were added */
  const added = yield* Queue.sliding<void>(1)
  /** dispatcher → claimer: rows were handed over */
  const handed = yield* Queue.sliding<void>(1)

  // follow-ups written anywhere (the database's NOTIFY; for a worker, relayed by the API)
  const signals = yield* Queue.sliding<void>(1)
  yield* store.followUpSignals.pipe(
    Stream.runForEach(() => Queue.offer(signals, undefined)),
    Effect.tapError((e) => Effect.logWarning("follow-up signals lost; reconnecting", e)),
    Effect.retry(Schedule.spaced("1 second")),
    Effect.forkScoped
  )
  const woken = Effect.raceFirst(Queue.take(followUps.wakeups), Queue.take(signals))

  const claim = Effect.gen(function*() {
    if (held.size() >= MAX_HELD) return yield* Queue.take(handed)
    const now = yield* Clock.currentTimeMillis
    const claimed = yield* store.claimDueFollowUps({
      now: new Date(now),
      until: new Date(now + LOOKAHEAD_MS),
      claimer,
      staleBefore: new Date(now - ttl),
      limit: BATCH
    })
    if (claimed.length > 0) {
      held.push(claimed)
      yield* Queue.offer(added, undefined)
    }
    if (claimed.length === BATCH) return
    const next = yield* store.nextFollowUpWake(ttl)
    const wait = next === null
      ? MAX_SLEEP_MS
      : Math.min(MAX_SLEEP_MS, Math.max(MIN_GAP_MS, next.getTime() - LOOKAHEAD_MS - (yield* Clock.currentTimeMillis)))
    yield* woken.pipe(Effect.timeoutOption(Duration.millis(wait)))
  })

  const tell = (row: Claimed) =>
    conversations.tell(
      { organizationId: row.organizationId, conversationId: row.conversationId },
      { _tag: "FollowUpDue", scheduledActionId: row.id }
    )

  const dispatch = Effect.gen(function*() {
    const due = held.takeDue(yield* Clock.currentTimeMillis)
    if (due.length > 0) {
      yield* Effect.forEach(due, tell, { discard: true })
      yield* Queue.offer(handed, undefined)
    }
    const next = held.nextDue()
    if (next === undefined) return yield* Queue.take(added)
    const wait = next - (yield* Clock.currentTimeMillis)
    if (wait > 0) yield* Queue.take(added).pipe(Effect.timeoutOption(Duration.millis(wait)))
  })

  /** On stop: what is held and not told goes back (the trigger wakes the other schedulers). */
  const release = Effect.suspend(() => {
    const ids = held.drain().map((row) => row.id)
    return ids.length === 0 ? Effect.void : store.releaseFollowUpClaims({ ids, claimer }).pipe(
      Effect.timeout(RELEASE_TIMEOUT),
      Effect.catchCause((cause) =>
        Effect.logWarning("follow-up claims not given back: re-offered when they expire", cause).pipe(
          Effect.annotateLogs({ claims: ids.length })
        )
      )
    )
  })

  const claimLoop = claim.pipe(
    Effect.tapError((e) => Effect.logWarning("follow-up scheduler: database error, retrying", e)),
    Effect.retry(Schedule.min([Schedule.exponential("200 millis"), Schedule.spaced("10 seconds")])),
    Effect.forever
  )
  // either loop ending (a defect) ends both; the claims held go back once both have stopped
  yield* Effect.all([claimLoop, Effect.forever(dispatch)], { concurrency: 2, discard: true }).pipe(Effect.ensuring(release))
}).pipe(Effect.scoped, Effect.withSpan("FollowUps.scheduler"))

export const SchedulerLive = Layer.effectDiscard(Effect.forkScoped(runScheduler))
