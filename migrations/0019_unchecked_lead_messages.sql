-- Which conversations recovery has to look at. Every RECOVERY_SWEEP (and at start) each engine
-- looks for conversations whose newest message is a lead's that nobody answered, decided or
-- holds. It used to read every conversation's newest message for that: 1.3 s of PostgreSQL a
-- sweep at 200,000 conversations and 2,000,000 messages (EXPLAIN ANALYZE), and more with every
-- conversation ever started, on each engine every minute. Now a stored lead message marks its
-- conversation (`unchecked_lead_at`, in the statement that already updates the conversation), and
-- recovery reads only the marked ones: those it finds answered it unmarks (unless a newer lead
-- message marked them again meanwhile); unanswered ones stay marked until they are answered. The
-- mark is a superset of the unanswered, never less: the exact test is still recovery's.
ALTER TABLE conversations ADD COLUMN unchecked_lead_at timestamptz;
CREATE INDEX conversations_unchecked_lead ON conversations (unchecked_lead_at) WHERE unchecked_lead_at IS NOT NULL;

-- the conversations unanswered now (once, over all of them)
UPDATE conversations c SET unchecked_lead_at = now()
FROM (SELECT c2.id FROM conversations c2
      CROSS JOIN LATERAL (SELECT m.message_from FROM messages m WHERE m.conversation_id = c2.id
                          ORDER BY m.created_at DESC, m.id DESC LIMIT 1) last
      WHERE last.message_from = 'LEAD') u
WHERE c.id = u.id;
