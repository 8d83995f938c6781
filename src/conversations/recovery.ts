/**
 * After a restart: bot messages left `pending` (sent or not, nobody knows) become `unknown` and
 * are never resent; conversations in bot mode whose newest message is an unanswered lead
 * message get their turn.
 */
import { Duration, Effect, Layer, Schema } from "effect"
import { SqlClient, SqlSchema } from "effect/sql"
import { ConversationId, MessageId, OrganizationId } from "../domain/ids.ts"
import { Conversations } from "./Conversations.ts"

const Unanswered = Schema.Struct({ organizationId: OrganizationId, conversationId: ConversationId, messageId: MessageId })

export const recover = (options: { readonly pendingOlderThan: Duration.Duration }) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const conversations = yield* Conversations
    const seconds = Duration.toSeconds(options.pendingOlderThan)
    const unknown = yield* sql<{ id: string }>`
      UPDATE messages SET status = 'unknown', updated_at = now()
      WHERE status = 'pending' AND message_from = 'BOT' AND created_at <= now() - make_interval(secs => ${seconds})
      RETURNING id`
    const unanswered = yield* SqlSchema.findAll({
      Request: Schema.Void,
      Result: Unanswered,
      execute: () => sql`
        SELECT c.organization_id, c.id AS conversation_id, last.id AS message_id
        FROM conversations c
        CROSS JOIN LATERAL (SELECT id, message_from FROM messages m WHERE m.conversation_id = c.id
                            ORDER BY m.created_at DESC, m.id DESC LIMIT 1) last
        WHERE c.mode = 'bot' AND c.opted_out_at IS NULL AND last.message_from = 'LEAD'`
    })(undefined)
    yield* Effect.forEach(unanswered, (row) =>
      conversations.tell(
        { organizationId: row.organizationId, conversationId: row.conversationId },
        { _tag: "LeadMessage", messageId: row.messageId }
      ), { discard: true })
    if (unknown.length > 0 || unanswered.length > 0) {
      yield* Effect.logInfo("recovered after restart").pipe(
        Effect.annotateLogs({ sendsOfUnknownOutcome: unknown.length, conversationsResumed: unanswered.length })
      )
    }
    return { unknownSends: unknown.length, resumed: unanswered.length }
  }).pipe(Effect.withSpan("Engine.recover"))

export const RecoveryLive = Layer.effectDiscard(recover({ pendingOlderThan: Duration.zero }))
