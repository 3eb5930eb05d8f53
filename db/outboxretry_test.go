package db

import (
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// `outbox retry` says mail by mail what it did: due now, left to the
// instance that may be sending it, already sent, unknown.
func TestRetryOutboxReport(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		ctx := t.Context()
		sent, failed, waiting, due, leased := mail("s", at(9, 0), at(9, 0)), mail("f", at(9, 0), at(9, 0)),
			mail("w", at(9, 0), at(9, 0)), mail("d", at(9, 0), at(9, 0)), mail("l", at(9, 0), at(9, 0))
		enqueueAll(t, s, []*gateway.OutboxMail{sent, failed, waiting, due, leased})
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(s.OutboxSent(ctx, at(9, 1), sent.ID))
		must(s.OutboxRetry(ctx, failed.ID, at(9, 5), "550 no such user", true))
		must(s.OutboxRetry(ctx, waiting.ID, at(11, 0), "421 try later", false))
		must(s.OutboxRetry(ctx, leased.ID, at(10, 1), "421 try later", false)) // as a claim at 10:00 would
		const lease = 90 * time.Second

		got, err := s.RetryOutboxReport(ctx, at(10, 0), lease, sent.ID, 999, leased.ID, failed.ID)
		must(err)
		diff(t, "with IDs", got, RetryResult{Due: []int64{failed.ID}, Leased: []int64{leased.ID},
			Sent: map[int64]time.Time{sent.ID: at(9, 1)}, Unknown: []int64{999}})

		got, err = s.RetryOutboxReport(ctx, at(10, 0), lease)
		must(err)
		diff(t, "all", got, RetryResult{Due: []int64{failed.ID, waiting.ID, due.ID}, Leased: []int64{leased.ID},
			Sent: map[int64]time.Time{}})
		all, err := s.ListOutbox(ctx, "", 0)
		must(err)
		for _, m := range all {
			wantNext := at(10, 0)
			switch m.ID {
			case sent.ID:
				continue
			case leased.ID:
				wantNext = at(10, 1)
			}
			if m.Status != gateway.OutboxPending || !m.NextAttempt.Equal(wantNext) {
				t.Errorf("mail %s: %s, next attempt %s; want pending at %s", m.UID, m.Status, m.NextAttempt, wantNext)
			}
		}
	})
}
