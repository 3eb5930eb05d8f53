package db

import (
	"context"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

func TestBookingByID(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		want := booking("u1", "", at(10, 0), at(11, 0), gateway.StatusAccepted)
		saveAll(t, s, []*gateway.Booking{want, booking("u2", "", at(12, 0), at(13, 0), gateway.StatusAccepted)})
		ctx := context.Background()
		err := s.Update(ctx, func(tx gateway.Tx) error {
			got, err := tx.BookingByID(ctx, want.ID)
			if err != nil {
				return err
			}
			if got == nil {
				t.Fatalf("BookingByID(%d) = nil", want.ID)
			}
			diff(t, "booking", *got, *want)
			none, err := tx.BookingByID(ctx, want.ID+1000)
			if none != nil || err != nil {
				t.Errorf("unknown ID: %v, %v; want nil, nil", none, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestRetryOutbox(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		ctx := context.Background()
		sent, failed, waiting, other := mail("s", at(9, 0), at(9, 0)), mail("f", at(9, 0), at(9, 0)),
			mail("w", at(9, 0), at(9, 0)), mail("o", at(9, 0), at(9, 0))
		enqueueAll(t, s, []*gateway.OutboxMail{sent, failed, waiting, other})
		check := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		check(s.OutboxSent(ctx, at(9, 1), sent.ID))
		check(s.OutboxRetry(ctx, failed.ID, at(9, 5), "550 no such user", true))
		check(s.OutboxRetry(ctx, waiting.ID, at(11, 0), "421 try later", false))

		n, err := s.RetryOutbox(ctx, at(10, 0), 90*time.Second, failed.ID, sent.ID)
		check(err)
		if n != 1 {
			t.Errorf("RetryOutbox(failed, sent) changed %d, want 1", n)
		}
		n, err = s.RetryOutbox(ctx, at(10, 30), 90*time.Second)
		check(err)
		if n != 3 {
			t.Errorf("RetryOutbox() changed %d, want 3 (failed, waiting, other)", n)
		}
		all, err := s.ListOutbox(ctx, "", 0)
		check(err)
		for _, m := range all {
			switch m.ID {
			case sent.ID:
				if m.Status != gateway.OutboxSent {
					t.Errorf("sent mail became %s", m.Status)
				}
			case failed.ID:
				if m.Status != gateway.OutboxPending || !m.NextAttempt.Equal(at(10, 30)) || m.Attempts != 1 || m.LastError != "550 no such user" {
					t.Errorf("failed mail after retry: %s next %s attempts %d error %q", m.Status, m.NextAttempt, m.Attempts, m.LastError)
				}
			default:
				if m.Status != gateway.OutboxPending || !m.NextAttempt.Equal(at(10, 30)) {
					t.Errorf("mail %s after retry: %s next %s", m.UID, m.Status, m.NextAttempt)
				}
			}
		}
		// A mail claimed by a sending instance keeps its lease.
		leased := mail("l", at(10, 30), at(10, 30))
		enqueueAll(t, s, []*gateway.OutboxMail{leased})
		claimed, err := s.ClaimOutbox(ctx, at(10, 31), 90*time.Second, 10)
		check(err)
		if len(claimed) != 4 {
			t.Fatalf("claimed %d mails, want 4", len(claimed))
		}
		n, err = s.RetryOutbox(ctx, at(10, 31), 90*time.Second, leased.ID)
		check(err)
		if n != 0 {
			t.Errorf("RetryOutbox(leased) changed %d, want 0: the claim holds", n)
		}
	})
}
