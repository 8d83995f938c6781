/** The staff webhook settings (admin only): configure, remove, test, and the delivery log. */
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { requireAdmin } from "../../auth/Authentication.ts"
import { Api } from "../../domain/Api.ts"
import { type Caller, CurrentUser } from "../../domain/dashboard/auth.ts"
import { ValidationError } from "../../domain/dashboard/errors.ts"
import type { DeliveryQuery, WebhookDelivery, WebhookPayload } from "../../domain/dashboard/webhooks.ts"
import { type DeliveryLogItem, Webhooks } from "../../handoffs/Webhooks.ts"
import { DEFAULT_LIMIT, decodeCursor, iso, isoOrNull, page } from "../paging.ts"

const toDelivery = (d: DeliveryLogItem): WebhookDelivery => ({
  id: d.id,
  event: d.event,
  conversation_id: d.conversationId,
  status: d.status,
  attempts: d.attempts,
  last_status: d.lastStatus,
  last_error: d.lastError,
  created_at: iso(d.createdAt),
  delivered_at: isoOrNull(d.deliveredAt),
  next_attempt_at: isoOrNull(d.nextAttemptAt)
})

/** The operations, shared by HTTP and RPC. */
export const makeWebhookSettings = Effect.map(Effect.service(Webhooks), (webhooks) => ({
  get: (caller: Caller) =>
    Effect.andThen(requireAdmin(caller), Effect.map(webhooks.config(caller.organizationId), (c) => ({ url: c.url, has_secret: c.hasSecret }))),
  put: (caller: Caller, payload: WebhookPayload) =>
    Effect.andThen(requireAdmin(caller), webhooks.configure(caller.organizationId, payload.url, payload.secret ?? null)),
  remove: (caller: Caller) => Effect.andThen(requireAdmin(caller), webhooks.remove(caller.organizationId)),
  test: (caller: Caller) =>
    Effect.andThen(
      requireAdmin(caller),
      Effect.map(webhooks.test(caller.organizationId), (r) => ({ delivery_id: r.deliveryId, delivered: r.ok, status: r.status, error: r.error }))
    ),
  deliveries: (caller: Caller, query: DeliveryQuery) =>
    Effect.gen(function*() {
      yield* requireAdmin(caller)
      const limit = query.limit ?? DEFAULT_LIMIT
      const cursor = decodeCursor(query.cursor)
      if (cursor === null) return yield* new ValidationError({ message: "cursor: is not a cursor returned by this list" })
      return page(yield* webhooks.log(caller.organizationId, limit + 1, cursor), limit, toDelivery)
    })
}))

export const WebhooksHttpLive = HttpApiBuilder.group(Api, "webhooks", Effect.fn(function*(handlers) {
  const settings = yield* makeWebhookSettings
  return handlers
    .handle("getWebhook", () => Effect.flatMap(CurrentUser, settings.get))
    .handle("putWebhook", ({ payload }) => Effect.flatMap(CurrentUser, (caller) => settings.put(caller, payload)))
    .handle("deleteWebhook", () => Effect.flatMap(CurrentUser, settings.remove))
    .handle("testWebhook", () => Effect.flatMap(CurrentUser, settings.test))
    .handle("webhookDeliveries", ({ query }) => Effect.flatMap(CurrentUser, (caller) => settings.deliveries(caller, query)))
}))
