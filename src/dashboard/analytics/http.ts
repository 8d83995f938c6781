/** HTTP handlers of the analytics group. */
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { Api } from "../../domain/Api.ts"
import { CurrentUser } from "../../domain/dashboard/auth.ts"
import { Analytics } from "./Analytics.ts"

export const AnalyticsHttpLive = HttpApiBuilder.group(Api, "analytics", Effect.fn(function*(handlers) {
  const analytics = yield* Analytics
  return handlers
    .handle("analytics", ({ query }) => Effect.flatMap(CurrentUser, (caller) => analytics.report(caller, query)))
    .handle("stats", () => Effect.flatMap(CurrentUser, analytics.stats))
}))
