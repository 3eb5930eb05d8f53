-- The reply limits of every decision (gateway.limitChecks, and the
-- DTSTAMP's latest reply to the organizer for this UID) ask for the replies
-- of one meeting to one address. Without statistics, SQLite's planner took
-- outbox_rcpt_created (rcpt_to, created_at) for them and read from the
-- table every reply ever sent to that address to test its uid: the latest
-- reply's query has no lower bound on created_at, so the cost grew with
-- the member's history (20 row reads per decision in a backlog of 1,000
-- from 50 members, one in eight of the decision's database time).
-- With (uid, rcpt_to, created_at) both queries are answered inside the
-- index.
CREATE INDEX outbox_uid_rcpt_created ON outbox (uid, rcpt_to, created_at);

-- No query asks for an address's replies without their kind or meeting
-- since outbox_rcpt_kind_created (0009): every outbox row wrote this
-- index for nothing.
DROP INDEX outbox_rcpt_created;
