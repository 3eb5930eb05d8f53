-- Bookings that wait or hold a slot without being accepted yet:
--   status 'waiting'  a request declined only because the slot was taken;
--                     it is accepted if the slot frees before it starts
--   status 'held'     a slot proposed to an organizer (iTIP COUNTER), kept
--                     free for them until expires_at
--   status 'pending'  a request a facilitator must approve; the slot is
--                     held until the answer, at the latest until it starts
-- request is the iCalendar object of the REQUEST, to answer it later in
-- its own forms; approval is the nonce of a pending request's signed links.
ALTER TABLE bookings ADD COLUMN request {{BLOB}};
ALTER TABLE bookings ADD COLUMN expires_at {{TIME}};
ALTER TABLE bookings ADD COLUMN approval TEXT NOT NULL DEFAULT '';

-- Waiting: the requests that wait, in the order they arrived.
CREATE INDEX bookings_waiting ON bookings (created_at, id) WHERE status = 'waiting';

-- ApprovalBookings: the bookings of one approval, by its nonce.
CREATE INDEX bookings_approval ON bookings (approval) WHERE approval <> '';
