-- The dashboard's conversation list is ordered by the newest activity, coalesce(last_message_at,
-- created_at), newest first, and paged by that and the id. The index beside it was on
-- last_message_at alone, which that order cannot use: every page sorted all of the
-- organization's conversations (119 ms a page at 200,000, on disk, growing with each
-- conversation: README finding (22)). This one is on the list's own order; it replaces the old
-- one (its other reader, today's active conversations, now counts by the same expression).
-- Built in the migration's transaction: on a large table, writes to conversations wait for it.
DROP INDEX conversations_org_activity;
CREATE INDEX conversations_org_recent ON conversations (organization_id, (coalesce(last_message_at, created_at)) DESC, id DESC);
