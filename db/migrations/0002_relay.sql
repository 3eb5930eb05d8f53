-- The Zoom relay and the reminders.
--
-- Reminder state beside each booking, written only by MarkReminder and
-- SetRecording (never by SaveBooking):
--   reminded_start         the start for which the reminder before the
--                          booking was queued: a moved booking, whose
--                          start differs, is reminded again
--   recording_at           when the first recording notice for it arrived
--   recording_reminded_at  when the reminder to download it was queued
ALTER TABLE bookings ADD COLUMN reminded_start {{TIME}};
ALTER TABLE bookings ADD COLUMN recording_at {{TIME}};
ALTER TABLE bookings ADD COLUMN recording_reminded_at {{TIME}};

-- RemindersDue, recordings: the notices not yet followed by a reminder.
CREATE INDEX bookings_recording_due ON bookings (recording_at) WHERE recording_reminded_at IS NULL;

-- How an outbox row is delivered: '' (mail, through SMTP) or 'webhook'
-- (raw holds a JSON chat message; the URL comes from the configuration).
ALTER TABLE outbox ADD COLUMN channel TEXT NOT NULL DEFAULT '';
