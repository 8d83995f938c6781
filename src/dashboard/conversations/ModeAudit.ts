/**
 * Keeps the bot's handoffs as `conversation_events` rows (event_type 'handoff', details.reason),
 * so analytics can count them and their reasons after the conversation is released again.
 * Takeover and release rows are written by ConversationsView itself.
 */
import { Effect, Layer, Stream } from "effect"
import { SqlClient } from "effect/sql"
import { EventBus } from "../../events/EventBus.ts"
import { jsonDocument } from "../../db/jsonDocument.ts"

export const ModeAuditLive = Layer.effectDiscard(Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const bus = yield* EventBus
  yield* bus.only(["ModeChanged"]).pipe(
    Stream.filter((e) => e.kind === "handoff"),
    Stream.runForEach((e) =>
      sql`INSERT INTO conversation_events ${sql.insert({
        organizationId: e.organizationId,
        conversationId: e.conversationId,
        eventType: "handoff",
        outcome: "human",
        details: jsonDocument({ reason: e.reason })
      })}`.pipe(Effect.catchCause((cause) => Effect.logWarning("handoff audit row not written", cause)))
    ),
    Effect.forkScoped
  )
}))
