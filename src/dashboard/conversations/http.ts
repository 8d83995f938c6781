/** HTTP handlers of the conversations group (conversations, messages, takeover/release, assignment, send). */
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { Api } from "../../domain/Api.ts"
import { CurrentUser } from "../../domain/dashboard/auth.ts"
import { ConversationsView } from "./ConversationsView.ts"
import { HumanSend } from "./HumanSend.ts"

export const ConversationsHttpLive = HttpApiBuilder.group(Api, "conversations", Effect.fn(function*(handlers) {
  const view = yield* ConversationsView
  const human = yield* HumanSend
  return handlers
    .handle("list", ({ query }) => Effect.flatMap(CurrentUser, (caller) => view.list(caller, query)))
    .handle("messages", ({ params, query }) => Effect.flatMap(CurrentUser, (caller) => view.messages(caller, params.id, query)))
    .handle("takeover", ({ params }) => Effect.flatMap(CurrentUser, (caller) => view.setMode(caller, params.id, "human")))
    .handle("release", ({ params }) => Effect.flatMap(CurrentUser, (caller) => view.setMode(caller, params.id, "bot")))
    .handle("assign", ({ params, payload }) => Effect.flatMap(CurrentUser, (caller) => view.assign(caller, params.id, payload.user_id)))
    .handle("send", ({ payload }) => Effect.flatMap(CurrentUser, (caller) => human.send(caller, payload)))
}))
