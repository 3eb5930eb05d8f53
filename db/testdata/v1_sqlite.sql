-- The database of roomgate's first release (schema version 1) on SQLite,
-- with a few rows in every table. Frozen: never edit it to follow a new
-- migration; TestUpgradeFromFrozenV1 upgrades it with whatever migrations
-- exist and checks that every row is still there.

CREATE TABLE schema_migrations (
	version INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	applied_at TEXT NOT NULL
);
INSERT INTO schema_migrations VALUES (1, '0001_initial.sql', '2026-01-05 09:00:00+00:00');

CREATE TABLE bookings (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	uid TEXT NOT NULL,
	recurrence_id TEXT NOT NULL DEFAULT '',
	room TEXT NOT NULL DEFAULT '',
	organizer TEXT NOT NULL DEFAULT '',
	organizer_name TEXT NOT NULL DEFAULT '',
	summary TEXT NOT NULL DEFAULT '',
	start_at TEXT NOT NULL,
	end_at TEXT NOT NULL,
	sequence INTEGER NOT NULL DEFAULT 0,
	dtstamp TEXT,
	status TEXT NOT NULL,
	reason TEXT NOT NULL DEFAULT '',
	message_id TEXT NOT NULL DEFAULT '',
	lang TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	CONSTRAINT bookings_uid_recurrence_key UNIQUE (uid, recurrence_id)
);
CREATE INDEX bookings_status_start ON bookings (status, start_at, end_at);
CREATE INDEX bookings_start ON bookings (start_at);
INSERT INTO bookings VALUES (1, 'atelier@cal.example', '', 'zoom@coop.example', 'alice@coop.example', 'Alice Martin', 'Atelier compta', '2026-02-02 09:00:00+00:00', '2026-02-02 10:00:00+00:00', 0, '2026-01-10 08:00:00+00:00', 'accepted', 'the account is free', '<a1@cal.example>', 'fr', '2026-01-10 08:00:01+00:00', '2026-01-10 08:00:01+00:00');
INSERT INTO bookings VALUES (2, 'weekly@cal.example', '20260203T170000Z', 'zoom+compta@coop.example', 'bob@coop.example', 'Bob', 'Réunion « hebdo »', '2026-02-03 17:00:00+00:00', '2026-02-03 18:30:00+00:00', 2, NULL, 'declined', 'the account is already hosting a meeting then', '<b2@cal.example>', 'en', '2026-01-11 12:00:00+00:00', '2026-01-12 12:30:00.123456+00:00');
INSERT INTO bookings VALUES (3, 'gone@cal.example', '', 'zoom@coop.example', 'carol@coop.example', '', '', '2026-02-04 07:00:00+00:00', '2026-02-04 08:00:00+00:00', 1, NULL, 'cancelled', 'cancelled by the organizer', '', '', '2026-01-12 07:00:00+00:00', '2026-01-13 07:00:00+00:00');

CREATE TABLE processed_messages (
	key TEXT PRIMARY KEY,
	message_id TEXT NOT NULL DEFAULT '',
	kind TEXT NOT NULL DEFAULT '',
	action TEXT NOT NULL DEFAULT '',
	uid TEXT NOT NULL DEFAULT '',
	reason TEXT NOT NULL DEFAULT '',
	folder TEXT NOT NULL DEFAULT '',
	processed_at TEXT NOT NULL
);
INSERT INTO processed_messages VALUES ('sha256:aa11', '<a1@cal.example>', 'request', 'accepted', 'atelier@cal.example', 'the account is free', 'processed', '2026-01-10 08:00:01+00:00');
INSERT INTO processed_messages VALUES ('sha256:bb22', '<junk@spam.example>', 'mail', 'rejected', '', 'invalid calendar: missing UID', 'rejected', '2026-01-11 09:00:00+00:00');

CREATE TABLE outbox (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	message_key TEXT NOT NULL DEFAULT '',
	uid TEXT NOT NULL DEFAULT '',
	mail_from TEXT NOT NULL DEFAULT '',
	rcpt_to TEXT NOT NULL DEFAULT '',
	raw BLOB NOT NULL,
	status TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt TEXT NOT NULL,
	last_error TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	sent_at TEXT
);
CREATE INDEX outbox_status_next ON outbox (status, next_attempt);
CREATE INDEX outbox_uid_created ON outbox (uid, created_at);
INSERT INTO outbox VALUES (1, 'sha256:aa11', 'atelier@cal.example', 'zoom@coop.example', 'alice@coop.example', X'5375626A6563743A206F6B0D0A0D0A686F7374206B6579203438333932300D0A', 'sent', 1, '2026-01-10 08:00:01+00:00', '', '2026-01-10 08:00:01+00:00', '2026-01-10 08:00:02+00:00');
INSERT INTO outbox VALUES (2, 'sha256:cc33', 'weekly@cal.example', 'zoom@coop.example', 'bob@coop.example
bob.other@coop.example', X'5375626A6563743A20770D0A0D0A00FF0D0A', 'pending', 3, '2026-01-12 13:00:00+00:00', '421 try again later', '2026-01-12 12:30:00+00:00', NULL);

CREATE TABLE audit_log (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	logged_at TEXT NOT NULL,
	message_key TEXT NOT NULL DEFAULT '',
	message_id TEXT NOT NULL DEFAULT '',
	kind TEXT NOT NULL DEFAULT '',
	action TEXT NOT NULL DEFAULT '',
	uid TEXT NOT NULL DEFAULT '',
	organizer TEXT NOT NULL DEFAULT '',
	room TEXT NOT NULL DEFAULT '',
	start_at TEXT,
	end_at TEXT,
	reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_logged_at ON audit_log (logged_at);
INSERT INTO audit_log VALUES (1, '2026-01-10 08:00:01+00:00', 'sha256:aa11', '<a1@cal.example>', 'request', 'accepted', 'atelier@cal.example', 'alice@coop.example', 'zoom@coop.example', '2026-02-02 09:00:00+00:00', '2026-02-02 10:00:00+00:00', 'the account is free');
INSERT INTO audit_log VALUES (2, '2026-01-11 09:00:00+00:00', 'sha256:bb22', '<junk@spam.example>', 'mail', 'rejected', '', 'mallory@spam.example', '', NULL, NULL, 'invalid calendar: missing UID');

CREATE TABLE mailbox_state (
	mailbox TEXT PRIMARY KEY,
	uid_validity BIGINT NOT NULL,
	last_uid BIGINT NOT NULL,
	updated_at TEXT NOT NULL
);
INSERT INTO mailbox_state VALUES ('INBOX', 1700000001, 4242, '2026-01-12 13:00:00+00:00');
