package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"
)

// ErrBackupPostgres is returned by Backup on PostgreSQL, whose own tools
// (pg_dump, pg_restore) make and restore consistent copies.
var ErrBackupPostgres = errors.New("a PostgreSQL database is backed up with pg_dump (docs/operator.md, \"Back up\")")

// Backup writes a consistent copy of the SQLite database to path, which
// must not exist: VACUUM INTO reads the database in one transaction, so the
// copy is whole while the daemon goes on writing (WAL lets it), and it is
// compact. The file is created 0600, like the database.
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.driver != DriverSQLite {
		return ErrBackupPostgres
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, sqliteFileMode)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("backup: %s exists; give a new file name", path)
	}
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	// VACUUM INTO accepts an empty file. The readers are query_only, so
	// the writer connection runs it; it only reads this database.
	if _, err := s.w.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		_ = os.Remove(path)
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// Summary counts what a database holds, to describe a backup.
type Summary struct {
	SchemaVersion int
	Bookings      int
	Messages      int
	Outbox        int
}

// Summarize counts the bookings, processed messages and outbox mails.
func (s *Store) Summarize(ctx context.Context) (Summary, error) {
	var sum Summary
	for _, q := range []struct {
		dst   *int
		query string
	}{
		{&sum.SchemaVersion, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations"},
		{&sum.Bookings, "SELECT COUNT(*) FROM bookings"},
		{&sum.Messages, "SELECT COUNT(*) FROM processed_messages"},
		{&sum.Outbox, "SELECT COUNT(*) FROM outbox"},
	} {
		if err := s.r.NewRaw(q.query).Scan(ctx, q.dst); err != nil {
			return Summary{}, fmt.Errorf("summarize: %w", err)
		}
	}
	return sum, nil
}

// OpenReadOnly opens a SQLite file for reading only, without migrating
// it: to look into a backup.
func OpenReadOnly(ctx context.Context, path string) (*Store, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	u := url.URL{Scheme: "file", Path: abs, RawQuery: "mode=ro&_pragma=query_only(1)"}
	sqldb, err := sql.Open(sqliteDriverName, u.String())
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	bdb := bun.NewDB(sqldb, sqlitedialect.New())
	s := &Store{driver: DriverSQLite, w: bdb, r: bdb, log: slog.Default()}
	if err := s.Ping(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}
