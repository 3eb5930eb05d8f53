-- Zoom API mode (README, "Zoom API mode"): a Zoom meeting of its own for
-- each booking, and the durable queue of the calls to Zoom.
--
-- zoom_meetings: the meeting of a booking. marker is the booking's own key,
-- written in the meeting's agenda; it is recorded (state 'creating') before
-- the meeting is created, so that a creation whose answer was lost (a
-- crash, a timeout) is found again by its marker rather than made twice.
-- state: 'creating', 'created' or 'deleted'. topic, start_at and end_at are
-- what Zoom was last told; started_at when the meeting was seen live.
-- recordings_token is the SHA-256 (hex) of the token of the link to the
-- copies of its recordings, which works until recordings_until.
CREATE TABLE zoom_meetings (
	booking_id BIGINT PRIMARY KEY,
	marker TEXT NOT NULL,
	state TEXT NOT NULL,
	meeting_id BIGINT NOT NULL DEFAULT 0,
	join_url TEXT NOT NULL DEFAULT '',
	passcode TEXT NOT NULL DEFAULT '',
	topic TEXT NOT NULL DEFAULT '',
	start_at {{TIME}},
	end_at {{TIME}},
	started_at {{TIME}},
	recordings_token TEXT NOT NULL DEFAULT '',
	recordings_until {{TIME}},
	created_at {{TIME}} NOT NULL,
	updated_at {{TIME}} NOT NULL
);

-- Events and polling name meetings by Zoom's number.
CREATE INDEX zoom_meetings_meeting ON zoom_meetings (meeting_id);
CREATE INDEX zoom_meetings_token ON zoom_meetings (recordings_token);

-- zoom_jobs: what is to be done with Zoom for a booking, one row per
-- (booking, kind): 'sync' (create, update or delete its meeting),
-- 'release' (free it when its meeting has not started), 'recordings',
-- 'attendance'. A decision queues a job in its own transaction; version
-- grows each time the job is queued again, so that a run that began
-- before cannot mark the newer request done. status: 'pending', 'done',
-- 'failed' (given up: the operator page lists it). claimed_until is the
-- end of the lease of the instance running it: queued again meanwhile,
-- the job waits for the run in progress, so that two runs for one booking
-- never overlap.
CREATE TABLE zoom_jobs (
	id {{ID}},
	booking_id BIGINT NOT NULL,
	kind TEXT NOT NULL,
	status TEXT NOT NULL,
	version INTEGER NOT NULL DEFAULT 1,
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt {{TIME}} NOT NULL,
	claimed_until {{TIME}},
	last_error TEXT NOT NULL DEFAULT '',
	created_at {{TIME}} NOT NULL,
	updated_at {{TIME}} NOT NULL,
	CONSTRAINT zoom_jobs_booking_kind UNIQUE (booking_id, kind)
);

-- ClaimZoomJobs: status = 'pending' and next_attempt up to now.
CREATE INDEX zoom_jobs_due ON zoom_jobs (status, next_attempt);

-- zoom_held_mails: an accept mail waiting in the outbox (row outbox_id, due
-- at deadline with the fixed room's details) for the meetings of its
-- booking(s), the meeting (organizer, uid). data holds what it is made of,
-- to write it again with the meetings' links once they exist. state:
-- 'held', then 'done'.
CREATE TABLE zoom_held_mails (
	outbox_id BIGINT PRIMARY KEY,
	organizer TEXT NOT NULL,
	uid TEXT NOT NULL,
	deadline {{TIME}} NOT NULL,
	state TEXT NOT NULL,
	data {{BLOB}} NOT NULL,
	created_at {{TIME}} NOT NULL
);

CREATE INDEX zoom_held_meeting ON zoom_held_mails (organizer, uid, state);

-- zoom_recordings: the verified copies of a booking's cloud recordings,
-- one row per file of Zoom's (file_id), stored as name in the booking's
-- directory; deleted_at once removed after recordings_until.
CREATE TABLE zoom_recordings (
	id {{ID}},
	booking_id BIGINT NOT NULL,
	file_id TEXT NOT NULL,
	name TEXT NOT NULL,
	file_type TEXT NOT NULL DEFAULT '',
	size BIGINT NOT NULL,
	sha256 TEXT NOT NULL,
	expires_at {{TIME}} NOT NULL,
	deleted_at {{TIME}},
	created_at {{TIME}} NOT NULL,
	CONSTRAINT zoom_recordings_file UNIQUE (booking_id, file_id)
);

CREATE INDEX zoom_recordings_expiry ON zoom_recordings (expires_at);

-- zoom_alerts: each warning sent once (a meeting live without a booking,
-- an overrun), by a key naming what it is about.
CREATE TABLE zoom_alerts (
	key TEXT PRIMARY KEY,
	sent_at {{TIME}} NOT NULL
);
