-- Which Meta app secret verified a delivery (a fingerprint, never the secret): a part of a
-- delivery for a number of another app is rejected by the consumer.
ALTER TABLE webhook_inbox ADD COLUMN signed_by text;

-- Consumers wait on this channel instead of polling: one wake-up per inserting statement.
CREATE FUNCTION webhook_inbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('webhook_inbox', '');
  RETURN NULL;
END;
$$;
CREATE TRIGGER webhook_inbox_notify AFTER INSERT ON webhook_inbox
  FOR EACH STATEMENT EXECUTE FUNCTION webhook_inbox_notify();
