package db

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"codeberg.org/opteos/roomgate/gateway"
)

func TestOpenTwiceIsIdempotent(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		opt := b.newDB(t)
		first := openStore(t, opt)
		second := openStore(t, opt) // while the first is still open
		if err := second.Close(); err != nil {
			t.Fatal(err)
		}
		third := openStore(t, opt)
		for i, s := range []*Store{first, third} {
			var versions []int
			err := s.r.NewRaw("SELECT version FROM schema_migrations ORDER BY version").Scan(t.Context(), &versions)
			if err != nil {
				t.Fatalf("store %d: %v", i, err)
			}
			diff(t, "applied migrations", versions, allVersions(t))
		}
	})
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		opt := b.newDB(t)
		s := openStore(t, opt)
		_, err := s.w.NewRaw("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, '0099_future.sql', ?)", at(0, 0)).
			Exec(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		s2, err := Open(t.Context(), opt)
		if err == nil {
			s2.Close()
			t.Fatal("Open succeeded on a database from a newer version")
		}
		if !strings.Contains(err.Error(), "schema version 99 is newer") {
			t.Errorf("Open error = %v, want one about schema version 99", err)
		}
	})
}

func TestOpenUnknownDriver(t *testing.T) {
	t.Parallel()
	_, err := Open(t.Context(), Options{Driver: "mysql", DSN: "x"})
	if err == nil || !strings.Contains(err.Error(), `unknown driver "mysql"`) {
		t.Errorf("Open error = %v, want unknown driver", err)
	}
}

func TestOpenInMemory(t *testing.T) {
	t.Parallel()
	for _, dsn := range []string{":memory:", "file::memory:", "file:mem1?mode=memory&cache=shared"} {
		t.Run(dsn, func(t *testing.T) {
			s := openStore(t, Options{DSN: dsn})
			err := s.Update(t.Context(), func(tx gateway.Tx) error {
				return tx.RecordMessage(t.Context(), gateway.ProcessedMessage{Key: "k", At: at(9, 0)})
			})
			if err != nil {
				t.Fatal(err)
			}
			m, err := s.Message(t.Context(), "k")
			if err != nil || m == nil {
				t.Fatalf("Message = %v, %v; want the recorded message", m, err)
			}
		})
	}
}

func TestUpdateRollsBack(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		ctx := t.Context()
		errBoom := errors.New("boom")
		err := s.Update(ctx, func(tx gateway.Tx) error {
			if err := tx.RecordMessage(ctx, gateway.ProcessedMessage{Key: "a", At: at(9, 0)}); err != nil {
				return err
			}
			return errBoom
		})
		if !errors.Is(err, errBoom) {
			t.Fatalf("Update = %v, want %v", err, errBoom)
		}
		func() {
			defer func() {
				if r := recover(); r != "panic in fn" {
					t.Errorf("recovered %v, want the panic of fn", r)
				}
			}()
			_ = s.Update(ctx, func(tx gateway.Tx) error {
				_ = tx.RecordMessage(ctx, gateway.ProcessedMessage{Key: "b", At: at(9, 0)})
				panic("panic in fn")
			})
		}()
		for _, key := range []string{"a", "b"} {
			if m, err := s.Message(ctx, key); m != nil || err != nil {
				t.Errorf("Message(%q) = %+v, %v; want nil, nil after rollback", key, m, err)
			}
		}
		// The store still works after the panic released its connection.
		if err := s.Update(ctx, func(gateway.Tx) error { return nil }); err != nil {
			t.Errorf("Update after rollback: %v", err)
		}
	})
}

func TestMailboxState(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		ctx := t.Context()
		steps := []struct {
			name        string
			save        bool
			mailbox     string
			uidValidity uint32
			lastUID     uint32
		}{
			{name: "unknown mailbox", mailbox: "INBOX"},
			{name: "first save", save: true, mailbox: "INBOX", uidValidity: 1700000000, lastUID: 42},
			{name: "advance", save: true, mailbox: "INBOX", uidValidity: 1700000000, lastUID: 43},
			{name: "largest values", save: true, mailbox: "INBOX", uidValidity: 4294967295, lastUID: 4294967295},
			{name: "other mailbox untouched", mailbox: "Archive"},
			{name: "other mailbox", save: true, mailbox: "Archive", uidValidity: 7, lastUID: 1},
		}
		for _, st := range steps {
			if st.save {
				if err := s.SaveMailboxState(ctx, st.mailbox, st.uidValidity, st.lastUID); err != nil {
					t.Fatalf("%s: %v", st.name, err)
				}
			}
			v, last, err := s.LoadMailboxState(ctx, st.mailbox)
			if err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			diff(t, st.name, [2]uint32{v, last}, [2]uint32{st.uidValidity, st.lastUID})
		}
		v, last, err := s.LoadMailboxState(ctx, "INBOX")
		if err != nil {
			t.Fatal(err)
		}
		diff(t, "INBOX after saving Archive", [2]uint32{v, last}, [2]uint32{4294967295, 4294967295})
	})
}

// TestOpenBusyTriedAgain: Open tries again a SQLite file that answers
// SQLITE_BUSY at once, as SQLite does to one of two processes that turn a
// new file to WAL together (the second instance of a CI run stopped so),
// and gives up on any other error at once. The pings are counted by
// openPing.
func TestOpenBusyTriedAgain(t *testing.T) {
	dsn := t.TempDir() + "/busy.db"
	for _, c := range []struct {
		name     string
		failures []error
		pings    int
		ok       bool
	}{
		{"busy twice", []error{sqliteCodeError(5), sqliteCodeError(5)}, 3, true},
		{"busy, extended code", []error{sqliteCodeError(5 | 2<<8)}, 2, true},
		{"read-only", []error{sqliteCodeError(8)}, 1, false},
		{"other", []error{errors.New("no such file")}, 1, false},
	} {
		pings := 0
		t.Cleanup(func() { openPing = (*Store).Ping })
		openPing = func(s *Store, ctx context.Context) error {
			pings++
			if pings <= len(c.failures) {
				return c.failures[pings-1]
			}
			return s.Ping(ctx)
		}
		s, err := Open(t.Context(), Options{Driver: DriverSQLite, DSN: dsn, Logger: slog.New(slog.DiscardHandler)})
		if err == nil {
			err = s.Close()
		}
		if (err == nil) != c.ok || pings != c.pings {
			t.Errorf("%s: Open = %v after %d pings; want ok %v after %d", c.name, err, pings, c.ok, c.pings)
		}
	}
}

// sqliteCodeError is an error with a SQLite result code, as modernc's.
type sqliteCodeError int

func (e sqliteCodeError) Error() string { return fmt.Sprintf("sqlite error %d", int(e)) }
func (e sqliteCodeError) Code() int     { return int(e) }
