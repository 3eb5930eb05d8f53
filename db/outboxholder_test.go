package db

import (
	"os"
	"slices"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// TestOutboxDeadHolder: mails claimed by a Store that is still open wait
// for their lease; once it is gone (its process died: its session or its
// file descriptors closed), another Store's next claim takes them at
// once, and a mail the dead one had recorded as accepted is marked sent
// instead (SQLite's accept log).
func TestOutboxDeadHolder(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		opt := b.newDB(t)
		a, err := Open(t.Context(), opt)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		other := openStore(t, opt)
		ctx := t.Context()
		m1, m2 := withMessageID("h1", at(9, 0)), withMessageID("h2", at(9, 0))
		enqueueAll(t, a, []*gateway.OutboxMail{m1, m2})
		lease := 10 * time.Minute
		due, err := a.ClaimOutbox(ctx, at(9, 0), lease, 10)
		if err != nil || len(due) != 2 {
			t.Fatalf("claim = %d mails, %v; want 2", len(due), err)
		}
		if due[0].Claim>>holderShift == 0 {
			t.Fatalf("claim %x names no holder", due[0].Claim)
		}
		if _, err := a.OutboxAccepted(ctx, gateway.AcceptedMail{ID: m1.ID, MessageID: m1.MessageID}); err != nil {
			t.Fatal(err)
		}
		// Alive: the other waits, however often it looks.
		for _, s := range []time.Duration{0, 2 * time.Second, time.Minute} {
			if got, err := other.ClaimOutbox(ctx, at(9, 0).Add(s), lease, 10); err != nil || len(got) != 0 {
				t.Fatalf("claimed %v, %v while their holder lives, want nothing", ids(got), err)
			}
		}
		a.Close() // as a kill would: the session or the descriptors end
		got, err := other.ClaimOutbox(ctx, at(9, 2), lease, 10)
		if err != nil {
			t.Fatal(err)
		}
		want := []int64{m2.ID}
		if other.accepted == nil { // PostgreSQL: no accept log, m1 leaves again
			want = []int64{m1.ID, m2.ID}
		}
		if !slices.Equal(ids(got), want) {
			t.Errorf("claimed %v a minute after the holder died (lease 10 min), want %v", ids(got), want)
		}
		if got[0].Claim>>holderShift == due[0].Claim>>holderShift {
			t.Errorf("the new claim names the dead holder")
		}
	})
}

// TestOutboxHolderInMemory: an in-memory database has one process; its
// holders are never probed as dead, and claims still carry a holder.
func TestOutboxHolderInMemory(t *testing.T) {
	t.Parallel()
	s := openStore(t, Options{Driver: DriverSQLite, DSN: ":memory:"})
	enqueueAll(t, s, []*gateway.OutboxMail{withMessageID("x", at(9, 0))})
	due, err := s.ClaimOutbox(t.Context(), at(9, 0), time.Minute, 10)
	if err != nil || len(due) != 1 {
		t.Fatalf("claim = %d, %v", len(due), err)
	}
	if due[0].Claim == 0 {
		t.Error("claim token 0")
	}
	if again, err := s.ClaimOutbox(t.Context(), at(9, 0).Add(30*time.Second), time.Minute, 10); err != nil || len(again) != 0 {
		t.Errorf("claimed again %v, %v during the lease", ids(again), err)
	}
}

// TestOutboxHolderFilesCleaned: the lock file a holder left when its
// process died (here: a file nobody locks) is removed when the next Store
// takes its holder; a live holder's file stays.
func TestOutboxHolderFilesCleaned(t *testing.T) {
	t.Parallel()
	opt := sqliteBackend.newDB(t)
	live := openStore(t, opt)
	enqueueAll(t, live, []*gateway.OutboxMail{withMessageID("x", at(9, 0))})
	if _, err := live.ClaimOutbox(t.Context(), at(9, 0), time.Minute, 10); err != nil {
		t.Fatal(err)
	}
	dead := opt.DSN + "-outbox-abc123.lock"
	if err := os.WriteFile(dead, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	next := openStore(t, opt)
	if _, err := next.ClaimOutbox(t.Context(), at(9, 0), time.Minute, 10); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("the dead holder's file is still there (%v)", err)
	}
	if _, err := os.Stat(live.holder.lease.path); err != nil {
		t.Errorf("the live holder's file: %v", err)
	}
}
