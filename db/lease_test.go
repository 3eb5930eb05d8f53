package db

import (
	"context"
	"runtime"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// TestLeaseOneHolder: of two Stores on one database (two instances), one
// holds a lease at a time; the other takes it once the holder releases
// it, and a lease of another name or another database is independent.
func TestLeaseOneHolder(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := t.Context()
		opt := b.newDB(t)
		a, c := openStore(t, opt), openStore(t, opt)
		la, lc := lease(t, a, "mailbox"), lease(t, c, "mailbox")
		acquire(t, ctx, "first", la, true)
		acquire(t, ctx, "second, while the first holds it", lc, false)
		acquire(t, ctx, "first again", la, true)
		if err := la.Check(ctx); err != nil {
			t.Fatalf("Check of the holder: %v", err)
		}
		other := lease(t, c, "other")
		acquire(t, ctx, "another name", other, true)
		elsewhere := lease(t, openStore(t, b.newDB(t)), "mailbox")
		acquire(t, ctx, "another database", elsewhere, true)

		la.Release()
		if err := la.Check(ctx); err == nil {
			t.Error("Check after Release: nil, want an error")
		}
		acquire(t, ctx, "second, once the first released it", lc, true)
		acquire(t, ctx, "first, now that the second holds it", la, false)
	})
}

// TestLeaseEndsWithTheHolder: a holder whose Store is closed without
// releasing (the process ends) leaves the lease to the next.
func TestLeaseEndsWithTheHolder(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := t.Context()
		opt := b.newDB(t)
		holder, err := Open(ctx, opt)
		if err != nil {
			t.Fatal(err)
		}
		lh := lease(t, holder, "mailbox")
		acquire(t, ctx, "holder", lh, true)
		lw := lease(t, openStore(t, opt), "mailbox")
		acquire(t, ctx, "waiting one", lw, false)
		// What the process's end does: its sessions and files close.
		if lh.conn != nil {
			_ = lh.conn.Close(ctx)
		}
		if lh.file != nil {
			_ = lh.file.Close()
		}
		_ = holder.Close()
		// PostgreSQL frees the lock when the holder's backend has ended,
		// which follows the closing of its connection, not at once.
		deadline := time.Now().Add(10 * time.Second)
		for {
			ok, err := lw.Acquire(ctx)
			if err != nil {
				t.Fatalf("waiting one, after the holder ended: Acquire: %v", err)
			}
			if ok {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("waiting one: lease not free 10 s after the holder ended")
			}
			time.Sleep(10 * time.Millisecond)
		}
		if err := lh.Check(ctx); err == nil {
			t.Error("Check of the ended holder: nil, want an error")
		}
	})
}

// TestLeaseInMemory: an in-memory SQLite database is one process's own:
// its lease is always granted.
func TestLeaseInMemory(t *testing.T) {
	s := openStore(t, Options{DSN: ":memory:"})
	acquire(t, t.Context(), "in memory", lease(t, s, "mailbox"), true)
}

func TestLeaseName(t *testing.T) {
	s := openStore(t, Options{DSN: ":memory:"})
	for _, name := range []string{"", "../x", "a b", "é"} {
		if _, err := s.Lease(name); err == nil {
			t.Errorf("Lease(%q): nil error, want one", name)
		}
	}
}

func lease(t *testing.T, s *Store, name string) *Lease {
	t.Helper()
	l, err := s.Lease(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Release)
	return l
}

func acquire(t *testing.T, ctx context.Context, what string, l *Lease, want bool) {
	t.Helper()
	got, err := l.Acquire(ctx)
	if err != nil {
		t.Fatalf("%s: Acquire: %v", what, err)
	}
	if got != want {
		t.Fatalf("%s: Acquire = %v, want %v", what, got, want)
	}
}

// TestUpdateLockPerSchema: on PostgreSQL, an Update waits for the Update
// of another instance on the same schema (one decision at a time), not for
// a roomgate on another schema of the same database, whose advisory lock
// is its own.
func TestUpdateLockPerSchema(t *testing.T) {
	t.Parallel()
	opt := newPostgresDB(t)
	a, same, other := openStore(t, opt), openStore(t, opt), openStore(t, newPostgresDB(t))
	if a.lock == other.lock || a.lock != same.lock {
		t.Fatalf("lock keys: %x, same schema %x, other schema %x", a.lock, same.lock, other.lock)
	}
	ctx := t.Context()
	holding, release := make(chan struct{}), make(chan struct{})
	held := make(chan error, 1)
	go func() {
		held <- a.Update(ctx, func(gateway.Tx) error {
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	// A roomgate on another schema decides while a holds its lock. The
	// deadline only bounds the failure: with one key for every schema,
	// this Update waits for release, which comes after it.
	octx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := other.Update(octx, func(gateway.Tx) error { return nil }); err != nil {
		t.Fatalf("Update on another schema while the first holds its lock: %v", err)
	}
	// Another instance on the same schema waits: its Update is still
	// waiting for the advisory lock when a lets go.
	waited := make(chan error, 1)
	go func() { waited <- same.Update(ctx, func(gateway.Tx) error { return nil }) }()
	waitForLockWaiter(t, a, same.lock)
	close(release)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	if err := <-waited; err != nil {
		t.Fatal(err)
	}
}

// waitForLockWaiter returns once a session waits for the advisory lock
// key (pg_locks), polling the server.
func waitForLockWaiter(t *testing.T, s *Store, key int64) {
	t.Helper()
	for {
		var n int
		err := s.r.NewRaw(`SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
			AND ((classid::bigint << 32) | objid::bigint) = ?`, key).Scan(t.Context(), &n)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		runtime.Gosched()
	}
}
