-- Conversation ownership across engine processes (README "Several workers"): the process that
-- holds a conversation's lease is the only one that runs its turns. A lease expires unless its
-- owner renews it; another process then takes it over and resumes the conversation. `poked`:
-- another process stored a lead message for this conversation while the lease was held, so the
-- owner must look again before it lets go.
CREATE TABLE conversation_leases (
  conversation_id  uuid PRIMARY KEY,
  organization_id  uuid NOT NULL,
  owner            text NOT NULL,
  expires_at       timestamptz NOT NULL,
  poked            boolean NOT NULL DEFAULT false,
  FOREIGN KEY (conversation_id, organization_id) REFERENCES conversations (id, organization_id) ON DELETE CASCADE
);
CREATE INDEX conversation_leases_expiry ON conversation_leases (expires_at);

-- The newest lead message a turn has decided on without answering it (a follow-up was scheduled):
-- resuming the conversation (restart, lease takeover, redelivery) does not decide on it again.
ALTER TABLE conversations ADD COLUMN decided_message_id uuid;
