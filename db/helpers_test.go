package db

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// The PostgreSQL suite runs when ROOMGATE_TEST_POSTGRES holds a DSN; CI sets
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable. With
// ROOMGATE_TEST_STRICT=1 a missing service fails the tests instead of
// skipping them.
const (
	envPostgres = "ROOMGATE_TEST_POSTGRES"
	envStrict   = "ROOMGATE_TEST_STRICT"
)

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
func requirePostgres(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv(envPostgres)
	if dsn != "" {
		return dsn
	}
	if os.Getenv(envStrict) == "1" {
		tb.Fatalf("PostgreSQL tests cannot run: %s is not set and %s=1", envPostgres, envStrict)
	}
	tb.Skip("PostgreSQL tests skipped: set ROOMGATE_TEST_POSTGRES=postgres://... to run them")
	return ""
}

// newPostgresDB creates a schema of its own for the test and returns a DSN
// whose search_path points at it, so tests (and packages tested in
// parallel) never see each other's tables. The schema is dropped at the end.
func newPostgresDB(tb testing.TB) Options {
	dsn := requirePostgres(tb)
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	schema := "rgtest_" + hex.EncodeToString(rnd[:])
	adminExec(tb, dsn, "CREATE SCHEMA "+schema)
	tb.Cleanup(func() { adminExec(tb, dsn, "DROP SCHEMA "+schema+" CASCADE") })
	scoped, err := withParam(dsn, "search_path", schema)
	if err != nil {
		tb.Fatal(err)
	}
	return Options{Driver: DriverPostgres, DSN: scoped}
}

func adminExec(tb testing.TB, dsn, stmt string) {
	tb.Helper()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		tb.Fatalf("parse %s: %v", envPostgres, err)
	}
	sqldb := stdlib.OpenDB(*cfg)
	defer sqldb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := sqldb.ExecContext(ctx, stmt); err != nil {
		tb.Fatalf("%s (on the server named by %s): %v", stmt, envPostgres, err)
	}
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
