/**
 * Sends a stored (pending) human message through the WhatsApp service and records the outcome:
 * sent + wamid, failed + Graph error code/title, or unknown when the request may have reached
 * Meta (never resent). The row was committed before the send, so a crash cannot send twice.
 */
import { Clock, DateTime, Effect } from "effect"
import type { SqlClient } from "effect/sql"
import { MessageStatusChanged } from "../../domain/events.ts"
import { ChannelId, ConversationId, MessageId, type OrganizationId, Wamid } from "../../domain/ids.ts"
import type { EventBus } from "../../events/EventBus.ts"
import type { OutboundBody, WhatsApp } from "../../whatsapp/WhatsApp.ts"

export interface Delivery {
  readonly organizationId: OrganizationId
  readonly conversationId: string
  readonly messageId: string
  readonly channelId: string
  /** wa_id (digits) or BSUID of the lead. */
  readonly to: string
  readonly body: OutboundBody
}

type Outcome =
  | { readonly status: "sent"; readonly wamid: string }
  | { readonly status: "failed" | "unknown"; readonly code: number | null; readonly title: string; readonly details: string }

const outcomeOf = (whatsApp: WhatsApp["Service"], d: Delivery) =>
  whatsApp.channel(ChannelId.make(d.channelId)).pipe(
    Effect.flatMap((channel) => whatsApp.send(channel, d.to, d.body)),
    Effect.map(({ wamid }): Outcome => ({ status: "sent", wamid })),
    Effect.catch((e): Effect.Effect<Outcome> =>
      Effect.succeed({
        status: e._tag === "SendOutcomeUnknown" ? "unknown" : "failed",
        code: "code" in e ? e.code : null,
        title: e._tag,
        details: "details" in e ? e.details : "reason" in e ? e.reason : ""
      })
    )
  )

export const deliver = Effect.fn("HumanSend.deliver")(function*(
  sql: SqlClient.SqlClient,
  bus: EventBus["Service"],
  whatsApp: WhatsApp["Service"],
  d: Delivery
) {
  const outcome = yield* outcomeOf(whatsApp, d)
  if (outcome.status === "sent") {
    yield* sql`UPDATE messages SET status = 'sent', wamid = ${outcome.wamid}, updated_at = now()
      WHERE id = ${d.messageId} AND organization_id = ${d.organizationId} AND status = 'pending'`.pipe(Effect.orDie)
  } else {
    yield* sql`UPDATE messages SET status = ${outcome.status}, error_code = ${outcome.code}, error_title = ${outcome.title},
        error_details = ${outcome.details}, updated_at = now()
      WHERE id = ${d.messageId} AND organization_id = ${d.organizationId} AND status = 'pending'`.pipe(Effect.orDie)
  }
  if (outcome.status === "sent") {
    yield* bus.publish(new MessageStatusChanged({
      organizationId: d.organizationId,
      conversationId: ConversationId.make(d.conversationId),
      at: DateTime.makeUnsafe(yield* Clock.currentTimeMillis),
      messageId: MessageId.make(d.messageId),
      wamid: Wamid.make(outcome.wamid),
      status: "sent",
      errorCode: null
    }))
  }
})
