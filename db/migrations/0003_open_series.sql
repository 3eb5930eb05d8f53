-- Open-ended recurring series (an RRULE without COUNT or UNTIL): their
-- dates are decided up to the end of the booking window only. As the
-- window moves forward, the dates it reaches are decided from the calendar
-- kept here, the one of the last REQUEST that was decided.
CREATE TABLE open_series (
	uid TEXT PRIMARY KEY,
	organizer TEXT NOT NULL,
	room TEXT NOT NULL,
	calendar {{BLOB}} NOT NULL,
	message_id TEXT NOT NULL DEFAULT '',
	horizon {{TIME}} NOT NULL,
	updated_at {{TIME}} NOT NULL
);

-- OpenSeriesDue: the series whose decided dates end soonest.
CREATE INDEX open_series_horizon ON open_series (horizon);
