-- Sends whose outcome is not known yet: a reply or a person's message committed as `pending`
-- before it goes to the Graph API, marked `sent` (or `failed`) after. Recovery looks for the ones
-- a dead process left behind — at start, and every RECOVERY_SWEEP on each engine — and with no
-- index that search read the whole messages table: 250 ms of PostgreSQL each time at 2,000,000
-- messages (EXPLAIN ANALYZE), growing with every message ever stored. Pending rows are few and
-- short-lived, so this index is small, and a lead's message (status `received`) never enters it.
-- (Its predicate names `status`, so a later status change of a row can no longer be a HOT update;
-- under load a message's page is full long before its `delivered` arrives, so it seldom was one.)
-- Built in the migration's transaction: on a large table, writes to messages wait for it.
CREATE INDEX messages_pending_sends ON messages (created_at) WHERE status = 'pending';
