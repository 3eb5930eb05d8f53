package db

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// ErrInUse is returned by RestoreSQLite when the database looks open.
var ErrInUse = errors.New("the database looks in use: its -wal file exists")

// Restored describes a restored database.
type Restored struct {
	Summary
	// Aside is where the database that was replaced was moved, "" when
	// there was none.
	Aside string
}

// RestoreSQLite puts the backup in place of the SQLite database dsn
// names. The daemon must be stopped: a -wal file beside the database says
// it may not be, and the restore is refused unless force. The backup is
// copied, checked (PRAGMA integrity_check) and brought to this program's
// schema first, so a bad file never replaces a good one; the database it
// replaces is kept beside it, renamed *.before-restore-TIME.
func RestoreSQLite(ctx context.Context, backup, dsn string, force bool, log *slog.Logger) (Restored, error) {
	target := sqliteFilePath(dsn)
	if target == "" {
		return Restored{}, errors.New("restore: the database is in memory")
	}
	if _, err := os.Stat(target + "-wal"); err == nil && !force {
		return Restored{}, fmt.Errorf("restore: %w", ErrInUse)
	}
	tmp := target + ".restoring"
	if err := copyNew(backup, tmp); err != nil {
		return Restored{}, fmt.Errorf("restore: %w", err)
	}
	sum, err := checkBackup(ctx, tmp, log)
	if err != nil {
		_ = os.Remove(tmp)
		return Restored{}, fmt.Errorf("restore: %s: %w", backup, err)
	}
	aside, err := moveAside(target)
	if err != nil {
		_ = os.Remove(tmp)
		return Restored{}, fmt.Errorf("restore: %w", err)
	}
	if err := os.Rename(tmp, target); err != nil {
		return Restored{}, fmt.Errorf("restore: %w", err)
	}
	return Restored{Summary: sum, Aside: aside}, nil
}

// copyNew copies src to a new file dst, mode 0600 and, for root, owned
// like its directory.
func copyNew(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	_ = os.Remove(dst) // left by an interrupted restore
	if _, err := createSQLiteFile(dst); err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// checkBackup opens the copy (applying newer migrations), checks it and
// counts what it holds.
func checkBackup(ctx context.Context, path string, log *slog.Logger) (Summary, error) {
	s, err := Open(ctx, Options{Driver: DriverSQLite, DSN: path, Logger: log})
	if err != nil {
		return Summary{}, err
	}
	defer s.Close()
	if err := s.IntegrityCheck(ctx); err != nil {
		return Summary{}, err
	}
	return s.Summarize(ctx)
}

// moveAside renames the database, its -wal and its outbox accept log
// away, and drops its -shm (an index of the -wal, rebuilt by SQLite). It returns the new name of the
// database, or "" when there was none.
func moveAside(target string) (string, error) {
	if _, err := os.Stat(target); errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	aside := fmt.Sprintf("%s.before-restore-%s", target, time.Now().UTC().Format("20060102T150405Z"))
	if err := os.Rename(target, aside); err != nil {
		return "", err
	}
	if err := os.Rename(target+"-wal", aside+"-wal"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return aside, err
	}
	if err := os.Remove(target + "-shm"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return aside, err
	}
	// The outbox's accept log (acceptlog.go) names rows of the old file.
	if err := os.Rename(target+"-outbox-accepted", aside+"-outbox-accepted"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return aside, err
	}
	return filepath.Clean(aside), nil
}
