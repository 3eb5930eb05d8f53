-- Initial schema.
--
-- The same file is applied to SQLite and PostgreSQL. Three tokens stand for
-- the types the dialects spell differently (see migrate.go):
--   {{ID}}    an auto-incrementing 64-bit primary key
--   {{TIME}}  an instant, always written as UTC
--   {{BLOB}}  raw bytes
-- Lines starting with "--" are dropped, then statements are split at
-- semicolons: use whole-line comments only, and no semicolon in a literal.

CREATE TABLE bookings (
	id {{ID}},
	uid TEXT NOT NULL,
	recurrence_id TEXT NOT NULL DEFAULT '',
	room TEXT NOT NULL DEFAULT '',
	organizer TEXT NOT NULL DEFAULT '',
	organizer_name TEXT NOT NULL DEFAULT '',
	summary TEXT NOT NULL DEFAULT '',
	start_at {{TIME}} NOT NULL,
	end_at {{TIME}} NOT NULL,
	sequence INTEGER NOT NULL DEFAULT 0,
	dtstamp {{TIME}},
	status TEXT NOT NULL,
	reason TEXT NOT NULL DEFAULT '',
	message_id TEXT NOT NULL DEFAULT '',
	lang TEXT NOT NULL DEFAULT '',
	created_at {{TIME}} NOT NULL,
	updated_at {{TIME}} NOT NULL,
	CONSTRAINT bookings_uid_recurrence_key UNIQUE (uid, recurrence_id)
);

-- Overlapping: status = 'accepted' and a bounded range on start_at. With
-- end_at in the index, rows that end too early are skipped without reading
-- the table.
CREATE INDEX bookings_status_start ON bookings (status, start_at, end_at);

-- ListBookings: a range on start_at, any status.
CREATE INDEX bookings_start ON bookings (start_at);

CREATE TABLE processed_messages (
	key TEXT PRIMARY KEY,
	message_id TEXT NOT NULL DEFAULT '',
	kind TEXT NOT NULL DEFAULT '',
	action TEXT NOT NULL DEFAULT '',
	uid TEXT NOT NULL DEFAULT '',
	reason TEXT NOT NULL DEFAULT '',
	folder TEXT NOT NULL DEFAULT '',
	processed_at {{TIME}} NOT NULL
);

CREATE TABLE outbox (
	id {{ID}},
	message_key TEXT NOT NULL DEFAULT '',
	uid TEXT NOT NULL DEFAULT '',
	mail_from TEXT NOT NULL DEFAULT '',
	rcpt_to TEXT NOT NULL DEFAULT '',
	raw {{BLOB}} NOT NULL,
	status TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt {{TIME}} NOT NULL,
	last_error TEXT NOT NULL DEFAULT '',
	created_at {{TIME}} NOT NULL,
	sent_at {{TIME}}
);

-- DueOutbox: status = 'pending' and next_attempt up to now.
CREATE INDEX outbox_status_next ON outbox (status, next_attempt);

-- RepliesSince: one UID, created_at from a bound.
CREATE INDEX outbox_uid_created ON outbox (uid, created_at);

CREATE TABLE audit_log (
	id {{ID}},
	logged_at {{TIME}} NOT NULL,
	message_key TEXT NOT NULL DEFAULT '',
	message_id TEXT NOT NULL DEFAULT '',
	kind TEXT NOT NULL DEFAULT '',
	action TEXT NOT NULL DEFAULT '',
	uid TEXT NOT NULL DEFAULT '',
	organizer TEXT NOT NULL DEFAULT '',
	room TEXT NOT NULL DEFAULT '',
	start_at {{TIME}},
	end_at {{TIME}},
	reason TEXT NOT NULL DEFAULT ''
);

CREATE INDEX audit_log_logged_at ON audit_log (logged_at);

-- IMAP position per mailbox (RFC 9051 section 2.3.1.1: UIDVALIDITY, UID).
CREATE TABLE mailbox_state (
	mailbox TEXT PRIMARY KEY,
	uid_validity BIGINT NOT NULL,
	last_uid BIGINT NOT NULL,
	updated_at {{TIME}} NOT NULL
);
