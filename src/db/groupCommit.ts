/**
 * Group commit: callers submit one item each and wait; a writer takes every item waiting (up to
 * `maxBatch`) and writes them together — one transaction, one round trip where it can — then
 * answers each caller with its own result. While a batch is written the next one forms, so the
 * batch grows with the load and the cost of a commit is shared. The queue is bounded: under a
 * flood, callers wait to submit (memory stays bounded).
 */
import { Array as Arr, Deferred, Effect, Exit, Queue } from "effect"

export interface GroupCommitOptions<A, B, E, R> {
  readonly maxBatch: number
  /** writers working at once (each on its own batch) */
  readonly writers: number
  /** items waiting for a writer, at most */
  readonly capacity: number
  /** One result per item, in order. A defect answers every caller of the batch with it. */
  readonly write: (batch: Arr.NonEmptyReadonlyArray<A>) => Effect.Effect<ReadonlyArray<Exit.Exit<B, E>>, never, R>
}

/** Starts the writers in the current scope; returns `submit`. */
export const makeGroupCommit = Effect.fnUntraced(function*<A, B, E, R>(options: GroupCommitOptions<A, B, E, R>) {
  const waiting = yield* Queue.bounded<{ readonly item: A; readonly done: Deferred.Deferred<B, E> }>(options.capacity)
  const writeOne = Effect.gen(function*() {
    const batch = yield* Queue.takeBetween(waiting, 1, options.maxBatch)
    if (!Arr.isReadonlyArrayNonEmpty(batch)) return
    const exits = yield* options.write(Arr.map(batch, (p) => p.item)).pipe(
      Effect.catchCause((cause) => Effect.succeed(batch.map(() => Exit.failCause(cause))))
    )
    yield* Effect.forEach(batch, (p, i) => Deferred.done(p.done, exits[i] ?? Exit.die(new Error("group commit: no result for an item"))), { discard: true })
  })
  for (let i = 0; i < options.writers; i++) yield* Effect.forkScoped(Effect.forever(writeOne), { startImmediately: true })
  return (item: A): Effect.Effect<B, E> =>
    Effect.gen(function*() {
      const done = yield* Deferred.make<B, E>()
      yield* Queue.offer(waiting, { item, done })
      return yield* Deferred.await(done)
    })
})
