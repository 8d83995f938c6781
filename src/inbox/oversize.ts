/**
 * A signed delivery the queue cannot carry (SQS takes 256 KiB a message; the webhook takes up to
 * 3 MB) is not refused — Meta would retry it for days — nor lost: it is kept in `webhook_inbox`
 * as `parked`, with the reason, for a person to look at (the same place as undecodable ones).
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import type { Delivery, DeliveryTooLarge } from "./Inbox.ts"
import { InboxError } from "./Inbox.ts"

export const keepOversized = (delivery: Delivery, error: DeliveryTooLarge) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql`INSERT INTO webhook_inbox (body, signed_by, status, decode_error, processed_at)
      VALUES (${delivery.body}, ${delivery.signedBy}, 'parked', ${`too large for the queue: ${error.message}`}, now())`
    yield* Effect.logError("webhook delivery too large for the queue; parked in webhook_inbox for a person to look at").pipe(
      Effect.annotateLogs({ bytes: error.bytes, maxBytes: error.maxBytes })
    )
  }).pipe(Effect.mapError((e) => new InboxError({ reason: e.message })))
