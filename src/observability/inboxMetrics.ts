/**
 * Samples the inbox's depth and oldest age into their gauges, only while metrics are exported
 * (OTLP) or served (METRICS_PORT); built where consumers run (not in the `api` role: src/app.ts).
 */
import { Effect } from "effect"
import { Inbox } from "../inbox/Inbox.ts"
import { inboxAgeMs, inboxDepth, record } from "./metrics.ts"
import { sampledEvery } from "./sampled.ts"

/** Untraced: a span every 15 seconds would only bury the turns' traces. */
const sample = Effect.fnUntraced(function*() {
  const stats = yield* (yield* Inbox).stats
  yield* record(inboxDepth, stats.depth)
  if (stats.oldestAgeMs !== null) yield* record(inboxAgeMs, Math.max(0, stats.oldestAgeMs))
})

export const InboxMetricsLive = sampledEvery("15 seconds", Effect.succeed(
  sample().pipe(Effect.catch((e) => Effect.logDebug("inbox stats unavailable").pipe(Effect.annotateLogs({ error: e.reason }))))
))
