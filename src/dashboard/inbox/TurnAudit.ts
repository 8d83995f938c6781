/**
 * Keeps every lead turn's decision as a `conversation_events` row (event_type 'turn', outcome the
 * action, details.why), at the moment it was decided: the inbox shows it beside the turn's HTL
 * steps, and analytics counts turns by action. Like ModeAudit, it listens to the EventBus, so a
 * worker's turns are recorded where the database is (the API), once.
 */
import { DateTime, Effect, Layer, Stream } from "effect"
import { SqlClient } from "effect/sql"
import { EventBus } from "../../events/EventBus.ts"
import { jsonDocument } from "../../db/jsonDocument.ts"

export const TURN_EVENT = "turn"

export const TurnAuditLive = Layer.effectDiscard(Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const bus = yield* EventBus
  yield* bus.only(["TurnDecided"]).pipe(
    Stream.runForEach((e) =>
      sql`INSERT INTO conversation_events ${sql.insert({
        organizationId: e.organizationId,
        conversationId: e.conversationId,
        eventType: TURN_EVENT,
        outcome: e.action,
        details: jsonDocument({ why: e.why }),
        createdAt: DateTime.toDateUtc(e.at)
      })}`.pipe(Effect.catchCause((cause) => Effect.logWarning("turn audit row not written", cause)))
    ),
    Effect.forkScoped
  )
}))
