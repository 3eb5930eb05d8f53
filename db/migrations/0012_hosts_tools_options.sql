-- Where each booking takes place (issue 22, docs/operator.md "Several hosts
-- and free tools"), and the meeting options its organizer asked for:
--   host      the pool host (a licensed Zoom user of the account) chosen
--             for a Zoom booking; '' for rows older than this column and
--             for configurations without a pool (the account's one host);
--   provider  the free tool a booking is held on when Zoom was full
--             ('jitsi', 'bbb', …); '' for Zoom;
--   tool_room the free tool's room as opened at the decision (JSON: id,
--             join_url, host_url, passcode, valid_from, valid_until); ''
--             for Zoom;
--   options   the meeting options read from the event's description
--             (gateway.MeetingOptions, e.g. 'muted,video-off'); '' for none.
ALTER TABLE bookings ADD COLUMN host TEXT NOT NULL DEFAULT '';
ALTER TABLE bookings ADD COLUMN provider TEXT NOT NULL DEFAULT '';
ALTER TABLE bookings ADD COLUMN tool_room TEXT NOT NULL DEFAULT '';
ALTER TABLE bookings ADD COLUMN options TEXT NOT NULL DEFAULT ''
