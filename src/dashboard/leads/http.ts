/** HTTP handlers of the leads group. Deleting needs the admin role. */
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { requireAdmin } from "../../auth/Authentication.ts"
import { Api } from "../../domain/Api.ts"
import { CurrentUser } from "../../domain/dashboard/auth.ts"
import { Leads } from "./Leads.ts"

export const LeadsHttpLive = HttpApiBuilder.group(Api, "leads", Effect.fn(function*(handlers) {
  const leads = yield* Leads
  return handlers
    .handle("list", ({ query }) => Effect.flatMap(CurrentUser, (caller) => leads.list(caller, query)))
    .handle("create", ({ payload }) => Effect.flatMap(CurrentUser, (caller) => leads.create(caller, payload)))
    .handle("update", ({ params, payload }) => Effect.flatMap(CurrentUser, (caller) => leads.update(caller, params.id, payload)))
    .handle("remove", ({ params }) =>
      Effect.flatMap(CurrentUser, (caller) => Effect.andThen(requireAdmin(caller), leads.remove(caller, params.id))))
}))
