/**
 * Delivers due follow-ups to their conversation's actor. It sleeps until the earliest due time
 * (or a claim's expiry) and wakes early when a follow-up is written, whatever wrote it: this
 * process, another one, an SQL fix or a restore (the database NOTIFYs on every pending row
 * inserted or whose due time changed, migrations/0011; a worker hears it through the API). Rows
 * are claimed with SKIP LOCKED, so several schedulers never deliver the same row twice; a claim
 * whose process died is re-offered after `claimTtl`.
 */
import { randomUUID } from "node:crypto"
import { Clock, Duration, Effect, Layer, Queue, Schedule, Stream } from "effect"
import { Conversations } from "../conversations/Conversations.ts"
import { EngineStore } from "../conversations/store.ts"
import { FollowUps } from "./FollowUps.ts"

const CLAIM_TTL = Duration.minutes(10)
const BATCH = 1000
/** Under load, a few ms between claims lets one query take many due rows instead of one each. */
const MIN_SLEEP_MS = 10
/** Upper bound on one sleep: a safety net, not a polling interval (wake-ups come by signal). */
const MAX_SLEEP = Duration.minutes(5)

export const runScheduler = Effect.gen(function*() {
  const store = yield* EngineStore
  const followUps = yield* FollowUps
  const conversations = yield* Conversations
  const claimer = `scheduler-${randomUUID()}`
  const ttl = Duration.toMillis(CLAIM_TTL)

  // follow-ups written anywhere (the database's NOTIFY; for a worker, relayed by the API)
  const signals = yield* Queue.sliding<void>(1)
  yield* store.followUpSignals.pipe(
    Stream.runForEach(() => Queue.offer(signals, undefined)),
    Effect.tapError((e) => Effect.logWarning("follow-up signals lost; reconnecting", e)),
    Effect.retry(Schedule.spaced("1 second")),
    Effect.forkScoped
  )
  const woken = Effect.raceFirst(Queue.take(followUps.wakeups), Queue.take(signals))

  const tick = Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const claimed = yield* store.claimDueFollowUps({ now: new Date(now), claimer, staleBefore: new Date(now - ttl), limit: BATCH })
    yield* Effect.forEach(claimed, (row) =>
      conversations.tell(
        { organizationId: row.organizationId, conversationId: row.conversationId },
        { _tag: "FollowUpDue", scheduledActionId: row.id }
      ), { discard: true })
    if (claimed.length === BATCH) return
    const next = yield* store.nextFollowUpWake(ttl)
    const wait = next === null
      ? MAX_SLEEP
      : Duration.min(MAX_SLEEP, Duration.millis(Math.max(MIN_SLEEP_MS, next.getTime() - (yield* Clock.currentTimeMillis))))
    yield* woken.pipe(Effect.timeoutOption(wait))
  })

  yield* tick.pipe(
    Effect.tapError((e) => Effect.logWarning("follow-up scheduler: database error, retrying", e)),
    Effect.retry(Schedule.min([Schedule.exponential("200 millis"), Schedule.spaced("10 seconds")])),
    Effect.forever
  )
}).pipe(Effect.withSpan("FollowUps.scheduler"))

export const SchedulerLive = Layer.effectDiscard(Effect.forkScoped(runScheduler))
