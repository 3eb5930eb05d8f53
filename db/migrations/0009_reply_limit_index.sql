-- The limit on replies to one address (CountOutbox with rcpt_to and kind)
-- counts inside this index alone. With only (rcpt_to, created_at) and
-- (kind, created_at), SQLite's planner, which has no statistics, chose the
-- kind index and read every reply of the hour from the table (outbox rows
-- hold whole mails: one page read or more each), so each decision grew
-- slower as a backlog was answered.
CREATE INDEX outbox_rcpt_kind_created ON outbox (rcpt_to, kind, created_at);
