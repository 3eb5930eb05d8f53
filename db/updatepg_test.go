package db

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"codeberg.org/opteos/roomgate/gateway"
)

// On PostgreSQL, Update begins and ends its transaction itself (updatePG).
// What database/sql's Tx did for it must still hold: a transaction that a
// failed statement aborted does not pass for committed, a failed or
// panicking one leaves nothing open on the pool's connections, and a
// commit carries the writes kept until then.
func TestUpdatePGEnds(t *testing.T) {
	t.Parallel()
	opt := newPostgresDB(t)
	// Its sessions, told apart from those of the tests running beside it.
	app := fmt.Sprintf("roomgate-updatepg-%d", rand.Uint64())
	opt.DSN += "&application_name=" + app
	s := openStore(t, opt)
	ctx := t.Context()
	audit := func(key string) gateway.AuditEntry {
		return gateway.AuditEntry{At: at(9, 0), MessageKey: key, Action: gateway.ActionAccepted}
	}
	// noneOpen fails if a session of s is left in a transaction, seen
	// from another store: such a session sits idle in s's pool for good
	// (until the driver's check at its next use closes it). A connection
	// the store closed shows so until its server process has read the
	// close, which may take a moment on a busy machine: that is waited
	// for, within a bound.
	other := openStore(t, newPostgresDB(t))
	noneOpen := func(after string) {
		t.Helper()
		var open int
		for deadline := time.Now().Add(10 * time.Second); ; {
			if err := other.w.NewRaw("SELECT count(*) FROM pg_stat_activity WHERE application_name = ? AND state LIKE 'idle in transaction%'", app).Scan(ctx, &open); err != nil {
				t.Fatal(err)
			}
			if open == 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if open != 0 {
			t.Errorf("after %s: %d sessions idle in a transaction, want 0", after, open)
		}
	}

	// A statement failed and its error was dropped: PostgreSQL answers the
	// COMMIT with ROLLBACK, or fails the writes kept for it.
	for _, kept := range []bool{false, true} {
		err := s.Update(ctx, func(gtx gateway.Tx) error {
			if _, err := gtx.(*tx).db.ExecContext(ctx, "SELECT 1/0"); err == nil {
				t.Error("SELECT 1/0 did not fail")
			}
			if kept {
				return gtx.Audit(ctx, audit("rolled-back"))
			}
			return nil
		})
		if err == nil || (!kept && !errors.Is(err, pgx.ErrTxCommitRollback)) {
			t.Errorf("Update after a failed statement (writes kept: %v) = %v, want an error (ErrTxCommitRollback without)", kept, err)
		}
		noneOpen("a failed statement")
	}

	// An error, then a panic, inside the transaction.
	boom := errors.New("boom")
	if err := s.Update(ctx, func(gtx gateway.Tx) error {
		if err := gtx.Audit(ctx, audit("failed")); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Errorf("Update = %v, want %v", err, boom)
	}
	noneOpen("an error")
	func() {
		defer func() {
			if r := recover(); r != "panic in fn" {
				t.Errorf("recovered %v, want the panic of fn", r)
			}
		}()
		_ = s.Update(ctx, func(gtx gateway.Tx) error {
			if err := gtx.Audit(ctx, audit("panicked")); err != nil {
				return err
			}
			panic("panic in fn")
		})
	}()
	noneOpen("a panic")
	// Every connection of the pool is out of its transaction: the next
	// Updates on each take the lock and commit.
	for range 2 * s.w.Stats().MaxOpenConnections {
		if err := s.Update(ctx, func(gtx gateway.Tx) error { return gtx.Audit(ctx, audit("kept")) }); err != nil {
			t.Fatalf("Update after the failures: %v", err)
		}
	}
	es, err := s.ListAudit(ctx, time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if e.MessageKey != "kept" {
			t.Errorf("audit entry %q committed, want only those of the committed Updates", e.MessageKey)
		}
	}
}
