/**
 * One full collection that gives the heap's free pages back to the system, where Node was started
 * with `--expose-gc` (package.json `start`, the deployment's `node …` line); nothing without it.
 * V8 returns pages only through its memory reducer, which waits for an allocation rate a running
 * service seldom falls to, and keeps garbage ArrayBuffers (whose memory is outside the heap) until
 * a major collection. It pauses the thread for tens of milliseconds: for the end of a burst of
 * work (a wave of conversations, the web inbox's build at start), never on a request's path.
 */
import { Effect, Option } from "effect"

/** The pause in milliseconds, or none where the collector is not exposed. */
export const giveMemoryBack: Effect.Effect<Option.Option<number>> = Effect.sync(() => {
  const collect = globalThis.gc
  if (collect === undefined) return Option.none()
  const started = performance.now()
  // "last-resort": collect everything and give the pages back; a regular major collection frees
  // the same memory but V8 keeps the pages for itself (RSS stays)
  collect({ type: "major", execution: "sync", flavor: "last-resort" })
  return Option.some(performance.now() - started)
})
