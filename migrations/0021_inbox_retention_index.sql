-- The hourly inbox retention (src/inbox/retention.ts) deletes processed deliveries older than
-- INBOX_RETENTION, 5,000 at a time. With no index on processed_at each of those deletes found its
-- rows by a sequential scan: once freed space is reused, the old rows lie anywhere in the table,
-- and the last batch of every run (fewer than 5,000 left) read the whole table to be sure. At
-- 3,000,000 deliveries (a week at five a second, ~5 GB) that was a full read of the table every
-- hour. With this index a batch reads its 5,000 rows: EXPLAIN ANALYZE in README finding (23).
-- A completion already writes a new row version (its status leaves the claimable index's
-- predicate), so the cost is one more index entry, appended at the index's right end.
-- Built in the migration's transaction: on a large table, writes to the inbox wait for it.
CREATE INDEX webhook_inbox_done ON webhook_inbox (processed_at) WHERE status = 'done';
