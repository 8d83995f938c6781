/**
 * Resuming conversations nobody is looking after. At start: bot messages left `pending` by a
 * process that is gone become `unknown` (never resent) and unanswered conversations get their
 * turn. While running: leases whose owner stopped renewing them (it died) are taken over and
 * those conversations resumed (README "Who runs a conversation's turn"); and every
 * RECOVERY_SWEEP, conversations whose last lead message nobody holds (a turn that failed while
 * the database was down, and its handoff with it) get their turn again — a bounded batch a pass.
 */
import { Duration, Effect, Layer, Schedule } from "effect"
import { AppConfig } from "../config/AppConfig.ts"
import { Conversations } from "./Conversations.ts"
import { EngineInstance } from "../records/EngineInstance.ts"
import { EngineStore } from "../records/EngineStore.ts"

export const recover = (options: { readonly pendingOlderThan: Duration.Duration }) =>
  Effect.gen(function*() {
    const store = yield* EngineStore
    const conversations = yield* Conversations
    const { unknownSends, unanswered } = yield* store.recover(options.pendingOlderThan)
    yield* Effect.forEach(unanswered, (key) => conversations.tell(key, { _tag: "Resume" }), { discard: true })
    if (unknownSends > 0 || unanswered.length > 0) {
      yield* Effect.logInfo("recovered conversations nobody was looking after").pipe(
        Effect.annotateLogs({ sendsOfUnknownOutcome: unknownSends, conversationsResumed: unanswered.length })
      )
    }
    return { unknownSends, resumed: unanswered.length }
  }).pipe(Effect.withSpan("Engine.recover"))

/** Takes over the expired leases it can and resumes those conversations. */
export const takeOverExpired = Effect.gen(function*() {
  const store = yield* EngineStore
  const conversations = yield* Conversations
  const { lessee } = yield* EngineInstance
  const taken = yield* store.takeExpiredLeases(lessee, 500)
  yield* Effect.forEach(taken, (key) => conversations.tell(key, { _tag: "Resume" }), { discard: true })
  if (taken.length > 0) yield* Effect.logWarning("took over conversations whose engine stopped renewing them").pipe(Effect.annotateLogs({ conversations: taken.length }))
  return taken.length
})

const startUp = recover({ pendingOlderThan: Duration.zero }).pipe(
  Effect.tapError((e) => Effect.logWarning("start-up recovery failed; retrying", e)),
  Effect.retry(Schedule.min([Schedule.exponential("500 millis"), Schedule.spaced("10 seconds")]))
)

/** Every half lease TTL: a lease lapses at most ~1.5 TTL after its owner died before it is taken over. */
const watchLeases = Effect.gen(function*() {
  const every = Duration.millis((yield* EngineInstance).lessee.ttlMs / 2)
  yield* takeOverExpired.pipe(
    Effect.catch((e) => Effect.logWarning("lease takeover failed", e)),
    Effect.repeat(Schedule.spaced(every)),
    Effect.delay(every)
  )
})

/** A pass over what nobody holds: the same recovery, only for sends older than two lease TTLs. */
const sweep = Effect.gen(function*() {
  const { lessee } = yield* EngineInstance
  const every = (yield* AppConfig).engine.recoverySweep
  yield* recover({ pendingOlderThan: Duration.millis(lessee.ttlMs * 2) }).pipe(
    Effect.catch((e) => Effect.logWarning("recovery sweep failed", e)),
    Effect.repeat(Schedule.spaced(every)),
    Effect.delay(every)
  )
})

export const RecoveryLive = Layer.effectDiscard(Effect.gen(function*() {
  yield* Effect.forkScoped(startUp)
  yield* Effect.forkScoped(watchLeases)
  yield* Effect.forkScoped(sweep)
}))
