-- Two indexes of bookings held an entry for every booking although their
-- queries only ever look at a few rows, so every booking saved wrote them
-- for nothing: a weekly series of 52 dates wrote 52 entries in each, one
-- in each index page of the year for bookings_actor_end (33 of the 144
-- pages its transaction wrote against 10,000 stored bookings).
--
-- bookings_actor_end: PersonBookings looks for the bookings a person asked
-- for without organizing them (actor, the delegate or trusted member who
-- wrote), and actor is '' when the organizer asked, nearly always.
DROP INDEX bookings_actor_end;
CREATE INDEX bookings_actor_end ON bookings (actor, status, end_at) WHERE actor <> '';

-- bookings_recording_due: RemindersDue looks for the bookings whose
-- recording arrived (recording_at set) and was not reminded of; a booking
-- gets a recording_at only when Zoom mails a recording.
DROP INDEX bookings_recording_due;
CREATE INDEX bookings_recording_due ON bookings (recording_at)
	WHERE recording_reminded_at IS NULL AND recording_at IS NOT NULL;
