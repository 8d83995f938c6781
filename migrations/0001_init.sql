-- Core schema (SPEC §4). Every tenant row carries organization_id; child rows reference their
-- parent together with organization_id, so a row can never point into another tenant.

CREATE TABLE organizations (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name        text NOT NULL CHECK (length(btrim(name)) > 0),
  is_active   boolean NOT NULL DEFAULT true,
  invite_code text NOT NULL UNIQUE,
  is_default  boolean NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
-- at most one default organization (the one env quick-setup and `npm run chat` bind to)
CREATE UNIQUE INDEX organizations_one_default ON organizations (is_default) WHERE is_default;

CREATE TABLE users (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name            text NOT NULL,
  email           text NOT NULL CHECK (email = lower(btrim(email))),
  hashed_password text NOT NULL,
  role            text NOT NULL CHECK (role IN ('admin', 'agent')),
  is_active       boolean NOT NULL DEFAULT true,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (email),
  UNIQUE (id, organization_id)
);
CREATE INDEX users_by_org ON users (organization_id);

-- A WhatsApp number of an organization. Secrets are stored encrypted (AES-GCM, see src/crypto).
CREATE TABLE channels (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id       uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  phone_number_id       text NOT NULL UNIQUE,
  display_phone_number  text NOT NULL DEFAULT '',
  transport             text NOT NULL CHECK (transport IN ('cloud', 'sandbox')),
  access_token_enc      text,
  app_secret_enc        text,
  verify_token_enc      text,
  health                text NOT NULL DEFAULT 'ok' CHECK (health IN ('ok', 'unhealthy')),
  health_reason         text,
  health_changed_at     timestamptz,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  UNIQUE (id, organization_id)
);
CREATE INDEX channels_by_org ON channels (organization_id);

CREATE TABLE leads (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id    uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  wa_id              text,          -- WhatsApp number digits; absent for username-only users
  user_id            text,          -- business-scoped user id (BSUID), when Meta sends one
  phone              text,          -- E.164, "+" and digits
  name               text,
  email              text,
  company            text,
  conversation_stage text NOT NULL DEFAULT 'greeting'
    CHECK (conversation_stage IN ('greeting', 'qualification', 'pricing', 'cta', 'closed')),
  intent_level       text NOT NULL DEFAULT 'unknown'
    CHECK (intent_level IN ('unknown', 'low', 'medium', 'high', 'very_high')),
  user_sentiment     text NOT NULL DEFAULT 'neutral'
    CHECK (user_sentiment IN ('positive', 'neutral', 'hesitant', 'negative', 'confused')),
  ctwa_clid          text,          -- click-to-WhatsApp ad click id from the first referral
  opted_out_at       timestamptz,
  deleted_at         timestamptz,   -- soft delete: history stays consistent
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  CHECK (wa_id IS NOT NULL OR user_id IS NOT NULL OR phone IS NOT NULL),
  CHECK (phone IS NULL OR phone ~ '^\+[1-9][0-9]{6,14}$'),
  UNIQUE (organization_id, wa_id),
  UNIQUE (id, organization_id)
);
CREATE UNIQUE INDEX leads_org_user_id ON leads (organization_id, user_id) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX leads_org_phone ON leads (organization_id, phone) WHERE phone IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX leads_org_created ON leads (organization_id, created_at DESC, id DESC);

CREATE TABLE conversations (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id       uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  lead_id               uuid NOT NULL,
  channel_id            uuid NOT NULL,
  stage                 text NOT NULL DEFAULT 'greeting'
    CHECK (stage IN ('greeting', 'qualification', 'pricing', 'cta', 'closed')),
  intent_level          text NOT NULL DEFAULT 'unknown'
    CHECK (intent_level IN ('unknown', 'low', 'medium', 'high', 'very_high')),
  user_sentiment        text NOT NULL DEFAULT 'neutral'
    CHECK (user_sentiment IN ('positive', 'neutral', 'hesitant', 'negative', 'confused')),
  mode                  text NOT NULL DEFAULT 'bot' CHECK (mode IN ('bot', 'human')),
  mode_reason           text,
  mode_changed_by       uuid REFERENCES users (id) ON DELETE SET NULL,
  mode_changed_at       timestamptz,
  recommended_cta       text,
  rolling_summary       text NOT NULL DEFAULT '',
  last_message          text,
  last_message_at       timestamptz,
  last_user_message_at  timestamptz,
  last_bot_message_at   timestamptz,
  followup_count_24h    integer NOT NULL DEFAULT 0 CHECK (followup_count_24h >= 0),
  followup_window_start timestamptz,
  total_nudges          integer NOT NULL DEFAULT 0 CHECK (total_nudges >= 0),
  scheduled_followup_at timestamptz,
  opted_out_at          timestamptz,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (lead_id, organization_id) REFERENCES leads (id, organization_id) ON DELETE CASCADE,
  FOREIGN KEY (channel_id, organization_id) REFERENCES channels (id, organization_id) ON DELETE CASCADE,
  UNIQUE (lead_id, channel_id),
  UNIQUE (id, organization_id)
);
CREATE INDEX conversations_org_activity ON conversations (organization_id, last_message_at DESC NULLS LAST, id DESC);
CREATE INDEX conversations_org_mode ON conversations (organization_id, mode);

CREATE TABLE messages (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  conversation_id  uuid NOT NULL,
  lead_id          uuid NOT NULL,
  message_from     text NOT NULL CHECK (message_from IN ('LEAD', 'BOT', 'HUMAN')),
  type             text NOT NULL DEFAULT 'text',
  content          text NOT NULL DEFAULT '',
  payload          jsonb,           -- the decoded WhatsApp message (media ids, location, …)
  wamid            text UNIQUE,     -- inbound and outbound; null until an outbound send is accepted
  reply_to_wamid   text,
  status           text NOT NULL
    CHECK (status IN ('received', 'pending', 'sent', 'delivered', 'read', 'played', 'failed', 'unknown')),
  error_code       integer,
  error_title      text,
  error_details    text,
  reaction         text,            -- the lead's current reaction to this (our) message
  sent_by_user_id  uuid REFERENCES users (id) ON DELETE SET NULL,
  wa_timestamp     timestamptz,     -- WhatsApp's own timestamp (inbound ordering, window)
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (conversation_id, organization_id) REFERENCES conversations (id, organization_id) ON DELETE CASCADE,
  FOREIGN KEY (lead_id, organization_id) REFERENCES leads (id, organization_id) ON DELETE CASCADE
);
CREATE INDEX messages_conversation_time ON messages (conversation_id, created_at, id);
CREATE INDEX messages_org_time ON messages (organization_id, created_at);

CREATE TABLE scheduled_actions (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  conversation_id  uuid NOT NULL,
  scheduled_at     timestamptz NOT NULL,
  status           text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'EXECUTED', 'CANCELLED')),
  action_type      text NOT NULL DEFAULT 'followup',
  action_context   jsonb NOT NULL DEFAULT '{}'::jsonb,
  claimed_at       timestamptz,
  claimed_by       text,
  executed_at      timestamptz,
  cancelled_at     timestamptz,
  outcome          text,            -- sent / skipped: why / cancelled: why
  created_at       timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (conversation_id, organization_id) REFERENCES conversations (id, organization_id) ON DELETE CASCADE
);
CREATE INDEX scheduled_actions_pending_due ON scheduled_actions (scheduled_at) WHERE status = 'PENDING';
CREATE INDEX scheduled_actions_conversation ON scheduled_actions (conversation_id, status);

CREATE TABLE conversation_events (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  conversation_id  uuid NOT NULL,
  event_type       text NOT NULL,
  pipeline_step    text,
  input_summary    text,
  output_summary   text,
  latency_ms       integer,
  tokens_in        integer,
  tokens_out       integer,
  tokens_used      integer GENERATED ALWAYS AS (coalesce(tokens_in, 0) + coalesce(tokens_out, 0)) STORED,
  model            text,
  outcome          text,
  details          jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (conversation_id, organization_id) REFERENCES conversations (id, organization_id) ON DELETE CASCADE
);
CREATE INDEX conversation_events_conversation ON conversation_events (conversation_id, created_at);
CREATE INDEX conversation_events_org_time ON conversation_events (organization_id, created_at);

-- Raw webhook deliveries when Postgres is the inbox. Not tenant data yet: routing to an
-- organization happens when a consumer decodes the delivery.
CREATE TABLE webhook_inbox (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  received_at    timestamptz NOT NULL DEFAULT now(),
  body           bytea NOT NULL,
  trace_context  jsonb,
  status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'parked')),
  attempts       integer NOT NULL DEFAULT 0,
  visible_at     timestamptz NOT NULL DEFAULT now(),  -- claimable from; pushed out while a consumer holds it
  claimed_by     text,
  last_error     text,
  decode_error   text,
  processed_at   timestamptz
);
CREATE INDEX webhook_inbox_claimable ON webhook_inbox (visible_at, id) WHERE status = 'pending';
CREATE INDEX webhook_inbox_parked ON webhook_inbox (received_at) WHERE status = 'parked';

CREATE TABLE business_profiles (
  organization_id            uuid PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
  business_name              text NOT NULL DEFAULT '',
  description                text NOT NULL DEFAULT '',
  tone                       text NOT NULL DEFAULT 'friendly, concise, professional',
  languages                  text[] NOT NULL DEFAULT ARRAY['en'],
  policies                   text NOT NULL DEFAULT '',
  timezone                   text NOT NULL DEFAULT 'UTC',
  quiet_hours_start          time,
  quiet_hours_end            time,
  followup_max_24h           integer NOT NULL DEFAULT 2 CHECK (followup_max_24h >= 0),
  followup_max_total         integer NOT NULL DEFAULT 5 CHECK (followup_max_total >= 0),
  followup_min_minutes       integer NOT NULL DEFAULT 30 CHECK (followup_min_minutes > 0),
  followup_max_minutes       integer NOT NULL DEFAULT 2880 CHECK (followup_max_minutes >= followup_min_minutes),
  followup_template_name     text,
  followup_template_language text,
  updated_at                 timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE business_products (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name             text NOT NULL,
  description      text NOT NULL DEFAULT '',
  price            numeric(14, 2),
  currency         text CHECK (currency ~ '^[A-Z]{3}$'),
  search           tsvector GENERATED ALWAYS AS (to_tsvector('simple', name || ' ' || description)) STORED,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX business_products_org ON business_products (organization_id);
CREATE INDEX business_products_search ON business_products USING gin (search);

CREATE TABLE business_faqs (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  question         text NOT NULL,
  answer           text NOT NULL,
  search           tsvector GENERATED ALWAYS AS (to_tsvector('simple', question || ' ' || answer)) STORED,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX business_faqs_org ON business_faqs (organization_id);
CREATE INDEX business_faqs_search ON business_faqs USING gin (search);
