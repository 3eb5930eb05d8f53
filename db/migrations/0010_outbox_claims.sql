-- Sending each mail once with several instances and through failures
-- (README, "Several instances").
--
-- outbox.claim: the token of the claim that holds a pending row (0: none).
-- ClaimOutbox writes a new random token with the lease (next_attempt); the
-- instance holding it renews the lease while it sends the row and marks it
-- sent (LeaseOutbox), and learns from the token whether another instance
-- took the row over meanwhile.
ALTER TABLE outbox ADD COLUMN claim BIGINT NOT NULL DEFAULT 0;

-- outbox.message_id: the Message-ID of the mail in raw, written when the
-- row is queued. A mail sent again after a crash is the same bytes, so the
-- same Message-ID; the column lets logs and the operator name it.
ALTER TABLE outbox ADD COLUMN message_id TEXT NOT NULL DEFAULT '';

-- ClaimOutbox: the pending rows in id order, next_attempt beside, so the
-- claim reads the first due rows of this index and stops (no sort of every
-- due row).
CREATE INDEX outbox_pending_id ON outbox (id, next_attempt) WHERE status = 'pending';

-- zoom_jobs.claim: the token of the claim that runs a job (0: none).
-- ClaimZoomJobs writes a new one with the lease (claimed_until); the runner
-- renews the lease while the job runs (RenewZoomJob) and stops the job when
-- the token says another runner took it.
ALTER TABLE zoom_jobs ADD COLUMN claim BIGINT NOT NULL DEFAULT 0;
