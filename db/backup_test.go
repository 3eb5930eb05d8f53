package db

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

func saveBookings(t *testing.T, s *Store, bs ...*gateway.Booking) {
	t.Helper()
	err := s.Update(t.Context(), func(tx gateway.Tx) error {
		for _, b := range bs {
			if err := tx.SaveBooking(t.Context(), b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func allBookings(t *testing.T, s *Store) []gateway.Booking {
	t.Helper()
	bs, err := s.ListBookings(t.Context(), time.Time{}.Add(time.Hour), at(0, 0).AddDate(10, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	return bs
}

// A backup taken while the daemon's store is open and writing holds every
// booking made before it; restored, the database has them all again, and
// the database it replaced is kept aside.
func TestBackupRestore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dsn := filepath.Join(dir, "roomgate.db")
	live := openStore(t, Options{Driver: DriverSQLite, DSN: dsn})
	for i := range 40 {
		saveBookings(t, live, booking(fmt.Sprintf("b-%d", i), "", at(8, 0).Add(time.Duration(i)*time.Hour), at(9, 0).Add(time.Duration(i)*time.Hour), gateway.StatusAccepted))
	}
	want := allBookings(t, live)
	backup := filepath.Join(dir, "backup.db")
	if err := live.Backup(t.Context(), backup); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(backup); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v, mode %v; want -rw-------", err, st.Mode())
	}
	if err := live.Backup(t.Context(), backup); err == nil {
		t.Error("a second backup over the first one was written")
	}
	saveBookings(t, live, booking("after", "", at(7, 0), at(8, 0), gateway.StatusAccepted))

	log := slog.New(slog.DiscardHandler)
	if _, err := RestoreSQLite(t.Context(), backup, dsn, false, log); !errors.Is(err, ErrInUse) {
		t.Fatalf("restore under a running daemon: %v, want ErrInUse", err)
	}
	if err := live.Close(); err != nil {
		t.Fatal(err)
	}
	res, err := RestoreSQLite(t.Context(), backup, dsn, false, log)
	if err != nil {
		t.Fatal(err)
	}
	if res.Bookings != len(want) || res.Aside == "" {
		t.Errorf("restored %+v, want %d bookings and the old database kept aside", res, len(want))
	}
	restored := openStore(t, Options{Driver: DriverSQLite, DSN: dsn})
	diff(t, "restored bookings", allBookings(t, restored), want)
	old := openStore(t, Options{Driver: DriverSQLite, DSN: res.Aside})
	if n := len(allBookings(t, old)); n != len(want)+1 {
		t.Errorf("the database kept aside has %d bookings, want %d", n, len(want)+1)
	}
}

// A file that is no database never replaces the database.
func TestRestoreRefusesGarbage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dsn := filepath.Join(dir, "roomgate.db")
	s := openStore(t, Options{Driver: DriverSQLite, DSN: dsn})
	saveBookings(t, s, booking("keep", "", at(8, 0), at(9, 0), gateway.StatusAccepted))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.db")
	if err := os.WriteFile(bad, []byte("not a database, not at all, but long enough to look like one"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := RestoreSQLite(t.Context(), bad, dsn, false, slog.New(slog.DiscardHandler)); err == nil {
		t.Fatal("a garbage file was restored")
	}
	again := openStore(t, Options{Driver: DriverSQLite, DSN: dsn})
	if n := len(allBookings(t, again)); n != 1 {
		t.Errorf("after a refused restore, %d bookings, want the 1 kept", n)
	}
	if _, err := os.Stat(dsn + ".restoring"); err == nil {
		t.Error("the refused copy was left beside the database")
	}
}

func TestBackupPostgres(t *testing.T) {
	t.Parallel()
	s := openStore(t, newPostgresDB(t))
	if err := s.Backup(t.Context(), filepath.Join(t.TempDir(), "x.db")); !errors.Is(err, ErrBackupPostgres) {
		t.Errorf("Backup on PostgreSQL: %v, want ErrBackupPostgres", err)
	}
}
