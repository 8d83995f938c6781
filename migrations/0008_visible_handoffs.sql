-- Handoffs the lead and the team can see (README "Handoffs").

-- Per business: the acknowledgement text per language ({"es": "…"}; built-in defaults otherwise),
-- how long a handed-off lead may wait for a person before the conversation is overdue, and an
-- outgoing webhook notified of every handoff (its secret encrypted with SECRETS_KEY).
ALTER TABLE business_profiles
  ADD COLUMN handoff_messages jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(handoff_messages) = 'object'),
  ADD COLUMN handoff_overdue_minutes integer NOT NULL DEFAULT 15 CHECK (handoff_overdue_minutes BETWEEN 1 AND 10080),
  ADD COLUMN handoff_webhook_url text CHECK (handoff_webhook_url IS NULL OR length(handoff_webhook_url) <= 2048),
  ADD COLUMN handoff_webhook_secret text;

-- Who is online (seen in the dashboard or the live stream lately) and whose turn it is.
ALTER TABLE users
  ADD COLUMN last_seen_at timestamptz,
  ADD COLUMN last_assigned_at timestamptz;
CREATE INDEX users_online ON users (organization_id, last_seen_at) WHERE is_active;

-- The person a handed-off conversation is assigned to (cleared on release).
ALTER TABLE conversations ADD COLUMN assigned_to uuid;
ALTER TABLE conversations ADD CONSTRAINT conversations_assigned_to_fkey
  FOREIGN KEY (assigned_to, organization_id) REFERENCES users (id, organization_id) ON DELETE SET NULL (assigned_to);
CREATE INDEX conversations_assigned ON conversations (organization_id, assigned_to) WHERE assigned_to IS NOT NULL;
CREATE INDEX conversations_handed_off ON conversations (organization_id, mode_changed_at) WHERE mode = 'human' AND mode_changed_by IS NULL;

-- Outgoing webhook deliveries: a durable queue with retries and a log the dashboard shows.
CREATE TABLE webhook_deliveries (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  event            text NOT NULL,
  conversation_id  uuid,
  url              text NOT NULL,
  payload          jsonb NOT NULL,
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  claimed_until    timestamptz,
  last_status      integer,
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  delivered_at     timestamptz
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (organization_id, created_at DESC);
