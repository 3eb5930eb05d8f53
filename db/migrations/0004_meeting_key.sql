-- A meeting is its organizer and its UID (RFC 5545 §3.8.4.7 makes a UID
-- unique only for its author): two organizers with one UID are two
-- meetings, and nobody can take over another's meeting by reusing its
-- UID. Bookings and open-ended series are keyed by (organizer, uid) from
-- here on. Booking IDs are kept: reminders and operators refer to them.
--
-- Statements marked {{SQLITE}} or {{POSTGRES}} run on that database only.
-- SQLite cannot drop a constraint, so its tables are rebuilt.

{{POSTGRES}} ALTER TABLE bookings DROP CONSTRAINT bookings_uid_recurrence_key;
{{POSTGRES}} ALTER TABLE bookings ADD CONSTRAINT bookings_meeting_key UNIQUE (organizer, uid, recurrence_id);
{{POSTGRES}} ALTER TABLE open_series DROP CONSTRAINT open_series_pkey;
{{POSTGRES}} ALTER TABLE open_series ADD PRIMARY KEY (organizer, uid);

{{SQLITE}} CREATE TABLE bookings_v4 (
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
	reminded_start TEXT,
	recording_at TEXT,
	recording_reminded_at TEXT,
	CONSTRAINT bookings_meeting_key UNIQUE (organizer, uid, recurrence_id)
);
{{SQLITE}} INSERT INTO bookings_v4 (id, uid, recurrence_id, room, organizer, organizer_name, summary,
	start_at, end_at, sequence, dtstamp, status, reason, message_id, lang, created_at, updated_at,
	reminded_start, recording_at, recording_reminded_at)
	SELECT id, uid, recurrence_id, room, organizer, organizer_name, summary,
	start_at, end_at, sequence, dtstamp, status, reason, message_id, lang, created_at, updated_at,
	reminded_start, recording_at, recording_reminded_at FROM bookings;
{{SQLITE}} DROP TABLE bookings;
{{SQLITE}} ALTER TABLE bookings_v4 RENAME TO bookings;
{{SQLITE}} CREATE INDEX bookings_status_start ON bookings (status, start_at, end_at);
{{SQLITE}} CREATE INDEX bookings_start ON bookings (start_at);
{{SQLITE}} CREATE INDEX bookings_recording_due ON bookings (recording_at) WHERE recording_reminded_at IS NULL;

{{SQLITE}} CREATE TABLE open_series_v4 (
	uid TEXT NOT NULL,
	organizer TEXT NOT NULL,
	room TEXT NOT NULL,
	calendar BLOB NOT NULL,
	message_id TEXT NOT NULL DEFAULT '',
	horizon TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	PRIMARY KEY (organizer, uid)
);
{{SQLITE}} INSERT INTO open_series_v4 SELECT uid, organizer, room, calendar, message_id, horizon, updated_at FROM open_series;
{{SQLITE}} DROP TABLE open_series;
{{SQLITE}} ALTER TABLE open_series_v4 RENAME TO open_series;
{{SQLITE}} CREATE INDEX open_series_horizon ON open_series (horizon);

-- Quotas: an organizer's accepted bookings ahead.
CREATE INDEX bookings_organizer_end ON bookings (organizer, status, end_at);

-- What an outbox row is, for the limits on replies: 'reply' (an answer
-- to a member), 'outsider' (an answer to somebody who may not book),
-- 'unreadable' (the answer to an invitation that could not be read), ''
-- (a notice, an alert, a reminder).
ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT '';

-- CountOutbox: replies to one address, or of one kind, since a bound.
CREATE INDEX outbox_rcpt_created ON outbox (rcpt_to, created_at);
CREATE INDEX outbox_kind_created ON outbox (kind, created_at);
