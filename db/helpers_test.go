package db

import (
	"log/slog"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/db/dbtest"
)

// The PostgreSQL suite runs when ROOMGATE_TEST_POSTGRES holds a DSN; CI sets
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable. With
// ROOMGATE_TEST_STRICT=1 a missing service fails the tests instead of
// skipping them.
const envPostgres = dbtest.EnvPostgres

// backend creates empty databases of one kind for tests.
type backend struct {
	name string
	// newDB returns the Options of a fresh, empty database that is removed
	// when the test ends. Several Stores may be opened on it.
	newDB func(tb testing.TB) Options
}

var sqliteBackend = backend{name: "sqlite", newDB: func(tb testing.TB) Options {
	return Options{Driver: DriverSQLite, DSN: filepath.Join(tb.TempDir(), "roomgate.db")}
}}

var postgresBackend = backend{name: "postgres", newDB: newPostgresDB}

// forEachBackend runs fn as a subtest per database kind.
func forEachBackend(t *testing.T, fn func(t *testing.T, b backend)) {
	t.Helper()
	for _, b := range []backend{sqliteBackend, postgresBackend} {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			if b.name == "postgres" {
				requirePostgres(t)
			}
			fn(t, b)
		})
	}
}

// requirePostgres skips (or, in strict mode, fails) when no PostgreSQL DSN
// is configured.
func requirePostgres(tb testing.TB) string { return dbtest.PostgresURL(tb) }

// newPostgresDB returns a fresh schema of its own on the test server.
func newPostgresDB(tb testing.TB) Options {
	return Options{Driver: DriverPostgres, DSN: dbtest.Postgres(tb)}
}

// openStore opens a Store that is closed when the test ends.
func openStore(tb testing.TB, opt Options) *Store {
	tb.Helper()
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	s, err := Open(tb.Context(), opt)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}

// at returns an instant on a fixed test day (7 January 2030, UTC).
func at(hour, minute int) time.Time {
	return time.Date(2030, 1, 7, hour, minute, 0, 0, time.UTC)
}

func diff(tb testing.TB, what string, got, want any) {
	tb.Helper()
	if !reflect.DeepEqual(got, want) {
		tb.Errorf("%s:\n got  %+v\n want %+v", what, got, want)
	}
}
