-- A message to the lead is committed as `pending` before its send (src/records/writes.ts), in
-- one round trip instead of six (BEGIN, lock, check, insert, update, COMMIT): it was most of a
-- turn's database time before its reply. Under the conversation's row lock (NO KEY UPDATE: the
-- foreign-key checks of an inbound batch storing messages meanwhile are not blocked) it re-checks
-- that a bot draft is still wanted. Each statement of a volatile function takes its own snapshot
-- (READ COMMITTED), so the newest lead message is read once the lock is held: a batch that
-- committed while this waited is seen, and the draft it outdated is dropped.
-- outcome: 'committed' (message_id set), else why not: 'gone', 'human_mode', 'lease_lost',
-- 'newer_lead_message'.
CREATE FUNCTION commit_outbound(
  p_organization_id uuid, p_conversation_id uuid, p_from text, p_type text, p_content text,
  p_payload jsonb, p_reply_to_wamid text, p_sent_by_user_id uuid,
  p_answers uuid, p_owner text,
  OUT outcome text, OUT message_id uuid
) LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_mode text;
  v_lead_id uuid;
  v_lease_owner text;
  v_newest uuid;
BEGIN
  SELECT c.mode, c.lead_id, l.owner INTO v_mode, v_lead_id, v_lease_owner
    FROM conversations c LEFT JOIN conversation_leases l ON l.conversation_id = c.id
    WHERE c.id = p_conversation_id AND c.organization_id = p_organization_id
    FOR NO KEY UPDATE OF c;
  IF NOT FOUND THEN
    outcome := 'gone';
    RETURN;
  END IF;
  IF p_from = 'BOT' AND v_mode <> 'bot' THEN
    outcome := 'human_mode';
    RETURN;
  END IF;
  IF p_from = 'BOT' AND p_owner IS NOT NULL AND v_lease_owner IS DISTINCT FROM p_owner THEN
    outcome := 'lease_lost';
    RETURN;
  END IF;
  SELECT m.id INTO v_newest FROM messages m
    WHERE m.conversation_id = p_conversation_id AND m.message_from = 'LEAD'
    ORDER BY m.created_at DESC, m.id DESC LIMIT 1;
  IF p_from = 'BOT' AND v_newest IS NOT NULL AND v_newest IS DISTINCT FROM p_answers THEN
    outcome := 'newer_lead_message';
    RETURN;
  END IF;
  INSERT INTO messages (organization_id, conversation_id, lead_id, message_from, type, content, payload,
                        reply_to_wamid, status, sent_by_user_id)
    VALUES (p_organization_id, p_conversation_id, v_lead_id, p_from, p_type, p_content, p_payload,
            p_reply_to_wamid, 'pending', p_sent_by_user_id)
    RETURNING id INTO message_id;
  UPDATE conversations SET last_message = p_content, last_message_at = now(), updated_at = now()
    WHERE id = p_conversation_id AND organization_id = p_organization_id;
  outcome := 'committed';
END;
$$;
