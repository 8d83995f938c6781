/** HTTP handlers of the inbox group (one conversation, its activity and follow-ups; templates). */
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { Api } from "../../domain/Api.ts"
import { CurrentUser } from "../../domain/dashboard/auth.ts"
import { InboxView } from "./InboxView.ts"

export const InboxHttpLive = HttpApiBuilder.group(Api, "inbox", Effect.fn(function*(handlers) {
  const inbox = yield* InboxView
  return handlers
    .handle("conversation", ({ params }) => Effect.flatMap(CurrentUser, (caller) => inbox.detail(caller, params.id)))
    .handle("activity", ({ params, query }) => Effect.flatMap(CurrentUser, (caller) => inbox.activity(caller, params.id, query)))
    .handle("followups", ({ params }) => Effect.flatMap(CurrentUser, (caller) => inbox.followUps(caller, params.id)))
    .handle("cancelFollowUp", ({ params }) =>
      Effect.flatMap(CurrentUser, (caller) => inbox.cancelFollowUp(caller, params.id, params.followup_id)))
    .handle("templates", () => Effect.flatMap(CurrentUser, inbox.templates))
}))
