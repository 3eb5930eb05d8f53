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
		if b.name == "postgres" {
			// A PostgreSQL lease found free may be a live holder's lost
			// session: its mails wait holderGrace.
			if len(got) != 0 {
				t.Fatalf("claimed %v as soon as the holder's lease was free, want nothing before %v", ids(got), holderGrace)
			}
			if got, err = other.ClaimOutbox(ctx, at(9, 2).Add(holderGrace), lease, 10); err != nil {
				t.Fatal(err)
			}
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

// TestOutboxHolderSessionLost: on PostgreSQL, when a live holder's lease
// session is cut (as a server restart or a network cut does), the other
// instances do not give its mails back while it may be sending them: the
// holder takes the same lease again at its next check, before holderGrace
// runs out. Only a lease that stays free that long is a dead holder's.
func TestOutboxHolderSessionLost(t *testing.T) {
	t.Parallel()
	opt := newPostgresDB(t)
	a, other := openStore(t, opt), openStore(t, opt)
	ctx := t.Context()
	m := withMessageID("cut", at(9, 0))
	enqueueAll(t, a, []*gateway.OutboxMail{m})
	lease := 10 * time.Minute
	due, err := a.ClaimOutbox(ctx, at(9, 0), lease, 10)
	if err != nil || len(due) != 1 {
		t.Fatalf("claim = %d mails, %v; want 1", len(due), err)
	}
	holder := due[0].Claim >> holderShift
	// The other instance's first claim takes its own holder lease, which
	// it probes the others' with.
	if got, err := other.ClaimOutbox(ctx, at(9, 0), lease, 10); err != nil || len(got) != 0 {
		t.Fatalf("claimed %v, %v while the holder lives, want nothing", ids(got), err)
	}
	cut := func() {
		t.Helper()
		a.holder.mu.Lock()
		pid := a.holder.lease.conn.PgConn().PID()
		a.holder.mu.Unlock()
		var ok bool
		if err := other.w.NewRaw("SELECT pg_terminate_backend(?)", pid).Scan(ctx, &ok); err != nil || !ok {
			t.Fatalf("terminate the lease's session %d: %v, %v", pid, ok, err)
		}
		// pg_terminate_backend only signals: the lock is free once the
		// backend is gone.
		for {
			var n int
			if err := other.w.NewRaw("SELECT count(*) FROM pg_stat_activity WHERE pid = ?", pid).Scan(ctx, &n); err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				return
			}
			time.Sleep(time.Millisecond)
		}
	}
	cut()
	// The other instance finds the lease free, but too recently.
	if got, err := other.ClaimOutbox(ctx, at(9, 1), lease, 10); err != nil || len(got) != 0 {
		t.Fatalf("claimed %v, %v right after the holder's session was cut, want nothing", ids(got), err)
	}
	a.checkHolder(ctx) // the holder's next check (holderWatch) takes it again
	a.holder.mu.Lock()
	held := a.holder.lease.held
	a.holder.mu.Unlock()
	if !held {
		t.Fatal("the holder did not take its lease again")
	}
	if got, err := other.ClaimOutbox(ctx, at(9, 1).Add(holderGrace), lease, 10); err != nil || len(got) != 0 {
		t.Fatalf("claimed %v, %v after the holder took its lease again, want nothing", ids(got), err)
	}
	if id := a.holder.id; id != holder {
		t.Fatalf("holder %x after the cut, want the same %x", id, holder)
	}
	// A holder that does not come back is dead after holderGrace.
	a.holder.mu.Lock()
	stop := a.holder.stopWatch
	a.holder.stopWatch = nil
	a.holder.mu.Unlock()
	stop()
	cut()
	start := at(9, 3)
	if got, err := other.ClaimOutbox(ctx, start, lease, 10); err != nil || len(got) != 0 {
		t.Fatalf("claimed %v, %v at the first sight of a free lease, want nothing", ids(got), err)
	}
	got, err := other.ClaimOutbox(ctx, start.Add(holderGrace), lease, 10)
	if err != nil || !slices.Equal(ids(got), []int64{m.ID}) {
		t.Fatalf("claimed %v, %v once the lease stayed free %v, want %d", ids(got), err, holderGrace, m.ID)
	}
}
