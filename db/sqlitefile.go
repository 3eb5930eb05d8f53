package db

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	// The SQLite driver, in pure Go: no cgo, on every platform modernc.org
	// supports (docs/operator.md, "Install"). Registered as "sqlite".
	_ "modernc.org/sqlite"
)

// sqliteDriverName is the database/sql name modernc.org/sqlite registers.
const sqliteDriverName = "sqlite"

// sqliteFileMode is the mode of a database file roomgate creates. SQLite
// gives its -wal and -shm files the mode of the database file, so the
// three are readable by the service's user only: they hold the mails
// waiting to be sent, with the host key.
const sqliteFileMode = 0o600

// sqliteFilePath returns the file a SQLite DSN names, or "" for an
// in-memory database.
func sqliteFilePath(dsn string) string {
	base, rawQuery, _ := strings.Cut(dsn, "?")
	if q, err := url.ParseQuery(rawQuery); err == nil && q.Get("mode") == "memory" {
		return ""
	}
	if base == ":memory:" || base == "" {
		return ""
	}
	if p, ok := strings.CutPrefix(base, "file:"); ok {
		if strings.HasPrefix(p, ":memory:") || p == "" {
			return ""
		}
		if u, err := url.PathUnescape(p); err == nil {
			p = u
		}
		// file:///abs/path and file:rel/path both name a path.
		return strings.TrimPrefix(p, "//")
	}
	return base
}

// createSQLiteFile creates the database file with sqliteFileMode unless
// it exists, before SQLite would create it with its own mode (0644). When
// run as root (`sudo roomgate check` on a fresh install), the new file is
// given to the owner of its directory, the service's user, so that the
// daemon can open what root created; SQLite then gives -wal and -shm the
// owner of the database file. It returns whether it created the file.
func createSQLiteFile(path string) (bool, error) {
	if path == "" {
		return false, nil
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, sqliteFileMode)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("create SQLite database: %w", err)
	}
	defer f.Close()
	if os.Geteuid() == 0 {
		if err := chownLikeDir(f, filepath.Dir(path)); err != nil {
			return true, err
		}
	}
	return true, nil
}

// looseSQLiteMode reports the mode of an existing database file when
// others than its owner may read or write it.
func looseSQLiteMode(path string) (fs.FileMode, bool) {
	if path == "" {
		return 0, false
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm()&0o077 == 0 {
		return 0, false
	}
	return st.Mode().Perm(), true
}

// prepareSQLiteFile creates the database file of dsn with
// sqliteFileMode, or warns when an existing one is open to others.
func (s *Store) prepareSQLiteFile(dsn string) error {
	path := sqliteFilePath(dsn)
	created, err := createSQLiteFile(path)
	if err != nil {
		return err
	}
	if created {
		s.log.Info("created the SQLite database", "file", path, "mode", fs.FileMode(sqliteFileMode).String())
	} else if mode, loose := looseSQLiteMode(path); loose {
		s.log.Warn("the SQLite database may be read by other users: chmod 600 it (and its -wal and -shm files)",
			"file", path, "mode", mode.String())
	}
	return nil
}
