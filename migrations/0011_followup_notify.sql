-- The follow-up scheduler sleeps until the earliest due time and wakes on the `followups`
-- channel. Whatever writes a follow-up that may change that time (the app, another process, an
-- SQL fix, a restore) wakes it: a PENDING, unclaimed row inserted, or updated so that its due
-- time, its status or its claim changed. Claims, completions and cancellations do not (nothing
-- new is due). Same channel and payload as the app's own NOTIFY: folded into one per transaction.
CREATE FUNCTION scheduled_actions_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status = 'PENDING' AND NEW.claimed_at IS NULL AND (
       TG_OP = 'INSERT'
       OR OLD.scheduled_at IS DISTINCT FROM NEW.scheduled_at
       OR OLD.status IS DISTINCT FROM NEW.status
       OR OLD.claimed_at IS NOT NULL) THEN
    PERFORM pg_notify('followups', '');
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER scheduled_actions_notify AFTER INSERT OR UPDATE ON scheduled_actions
  FOR EACH ROW EXECUTE FUNCTION scheduled_actions_notify();
