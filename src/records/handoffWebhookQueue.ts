/**
 * Enqueueing a handoff notification: when the business configured an outgoing webhook, a row of
 * `webhook_deliveries` is written in the transaction that hands the conversation over, so the
 * notice is as durable as the handoff; the dispatcher (./Webhooks.ts) sends it, with retries.
 * The payload names the conversation, the lead, the reason and the assignee.
 */
import { Effect } from "effect"
import type { SqlClient } from "effect/sql"
import type { ConversationId, OrganizationId, UserId } from "../domain/ids.ts"

export const HANDOFF_EVENT = "conversation.handoff"

export const enqueueHandoffWebhook = (
  sql: SqlClient.SqlClient,
  key: { readonly organizationId: OrganizationId; readonly conversationId: ConversationId },
  reason: string,
  assignedTo: UserId | null
) =>
  sql`
    INSERT INTO webhook_deliveries (organization_id, event, conversation_id, url, payload)
    SELECT p.organization_id, ${HANDOFF_EVENT}::text, c.id, p.handoff_webhook_url,
           json_build_object(
             'event', ${HANDOFF_EVENT}::text,
             'organization_id', c.organization_id,
             'conversation_id', c.id,
             'at', now(),
             'reason', ${reason}::text,
             'lead', json_build_object('id', l.id, 'name', l.name, 'phone', coalesce(l.phone, l.wa_id)),
             'last_message', c.last_message,
             'assigned_to', (SELECT json_build_object('id', u.id, 'name', u.name, 'email', u.email)
                             FROM users u WHERE u.id = ${assignedTo}::uuid AND u.organization_id = c.organization_id)
           )::jsonb
    FROM business_profiles p
    JOIN conversations c ON c.organization_id = p.organization_id AND c.id = ${key.conversationId}
    JOIN leads l ON l.id = c.lead_id AND l.organization_id = c.organization_id
    WHERE p.organization_id = ${key.organizationId} AND p.handoff_webhook_url IS NOT NULL
    RETURNING id`.pipe(Effect.map((rows) => rows.length > 0))
