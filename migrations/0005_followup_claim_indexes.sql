-- The scheduler looks up (a) the earliest unclaimed due follow-up and (b) the oldest claim,
-- each an index-only min/ordered scan however many claimed rows are in flight.
DROP INDEX IF EXISTS scheduled_actions_pending_due;
CREATE INDEX scheduled_actions_unclaimed_due ON scheduled_actions (scheduled_at) WHERE status = 'PENDING' AND claimed_at IS NULL;
CREATE INDEX scheduled_actions_claimed ON scheduled_actions (claimed_at) WHERE status = 'PENDING' AND claimed_at IS NOT NULL;
