-- Who asked for each booking (README, "Security": delegation), besides its
-- organizer: the From of the message that last decided it when that
-- person counts in the quotas and holds too (a delegate, a member trusted
-- to speak for others); '' when the organizer asked, and for rows older
-- than this column.
ALTER TABLE bookings ADD COLUMN actor TEXT NOT NULL DEFAULT '';

-- PersonBookings: what one person asked for, as organizer
-- (bookings_organizer_end) or as actor.
CREATE INDEX bookings_actor_end ON bookings (actor, status, end_at);
