-- What a turn leaves on the conversation and on its lead (stage, intent, sentiment, CTA, language,
-- when the bot last wrote), in one round trip instead of four (BEGIN, two UPDATEs, COMMIT): every
-- turn writes it (src/records/writes.ts). The lead's row first, then the conversation's: the
-- inbound store locks them in that order too (no deadlock).
CREATE FUNCTION record_bot_turn(
  p_organization_id uuid, p_conversation_id uuid, p_stage text, p_intent_level text,
  p_user_sentiment text, p_recommended_cta text, p_language text, p_replied boolean
) RETURNS void LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  UPDATE leads SET conversation_stage = p_stage, intent_level = p_intent_level,
      user_sentiment = p_user_sentiment, updated_at = now()
    WHERE id = (SELECT lead_id FROM conversations WHERE id = p_conversation_id)
      AND organization_id = p_organization_id;
  UPDATE conversations SET stage = p_stage, intent_level = p_intent_level,
      user_sentiment = p_user_sentiment, recommended_cta = p_recommended_cta,
      language = coalesce(p_language, language),
      last_bot_message_at = CASE WHEN p_replied THEN now() ELSE last_bot_message_at END, updated_at = now()
    WHERE id = p_conversation_id AND organization_id = p_organization_id;
END $$;
