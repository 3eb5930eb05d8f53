-- The version of each component of a meeting that was last decided (RFC
-- 5546 §2.1.5): the series master or single event (recurrence_id '') and
-- each override. A REQUEST or CANCEL older than it is stale: a delayed or
-- resent copy of an earlier version changes nothing.
CREATE TABLE meeting_versions (
	organizer TEXT NOT NULL,
	uid TEXT NOT NULL,
	recurrence_id TEXT NOT NULL DEFAULT '',
	sequence INTEGER NOT NULL,
	dtstamp {{TIME}},
	updated_at {{TIME}} NOT NULL,
	PRIMARY KEY (organizer, uid, recurrence_id)
);
