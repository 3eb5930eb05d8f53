// Package dbtest gives tests of any package an empty database: SQLite in a
// temporary directory, or a schema of its own on the PostgreSQL server
// named by ROOMGATE_TEST_POSTGRES when ROOMGATE_TEST_BACKEND=postgres.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Environment variables read by this package. CI sets them.
const (
	EnvPostgres = "ROOMGATE_TEST_POSTGRES" // a PostgreSQL URL
	EnvBackend  = "ROOMGATE_TEST_BACKEND"  // "postgres" runs every suite on PostgreSQL
	EnvStrict   = "ROOMGATE_TEST_STRICT"   // "1": a missing service fails instead of skipping
)

// New returns the driver name and DSN of a fresh, empty database for the
// test, removed when it ends: PostgreSQL when ROOMGATE_TEST_BACKEND says
// so, SQLite otherwise.
func New(tb testing.TB) (driver, dsn string) {
	tb.Helper()
	if os.Getenv(EnvBackend) == "postgres" {
		return "postgres", Postgres(tb)
	}
	return "sqlite", filepath.Join(tb.TempDir(), "roomgate.db")
}

// PostgresURL returns ROOMGATE_TEST_POSTGRES, or skips the test (fails it
// in strict mode) when it is not set.
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv(EnvPostgres)
	if dsn != "" {
		return dsn
	}
	if os.Getenv(EnvStrict) == "1" {
		tb.Fatalf("PostgreSQL tests cannot run: %s is not set and %s=1", EnvPostgres, EnvStrict)
	}
	tb.Skip("PostgreSQL tests skipped: set ROOMGATE_TEST_POSTGRES=postgres://... to run them")
	return ""
}

// Postgres creates a schema of its own for the test and returns a URL
// whose search_path points at it, so tests of packages run in parallel
// never see each other's tables. The schema is dropped at the end.
func Postgres(tb testing.TB) string {
	tb.Helper()
	dsn := PostgresURL(tb)
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	schema := "rgtest_" + hex.EncodeToString(rnd[:])
	Exec(tb, dsn, "CREATE SCHEMA "+schema)
	tb.Cleanup(func() { Exec(tb, dsn, "DROP SCHEMA "+schema+" CASCADE") })
	u, err := url.Parse(dsn)
	if err != nil {
		tb.Fatalf("%s: %v", EnvPostgres, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Exec runs one statement on the server named by dsn.
func Exec(tb testing.TB, dsn, stmt string) {
	tb.Helper()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		tb.Fatalf("parse %s: %v", EnvPostgres, err)
	}
	sqldb := stdlib.OpenDB(*cfg)
	defer sqldb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := sqldb.ExecContext(ctx, stmt); err != nil {
		tb.Fatalf("%s (on the server named by %s): %v", stmt, EnvPostgres, err)
	}
}
