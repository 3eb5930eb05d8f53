package db

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"codeberg.org/opteos/roomgate/gateway"
)

func TestSQLiteFilePath(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, dsn, want string }{
		{"plain path", "/var/lib/roomgate/roomgate.db", "/var/lib/roomgate/roomgate.db"},
		{"relative path with pragmas", "roomgate.db?_pragma=busy_timeout(1)", "roomgate.db"},
		{"file URI", "file:/data/x.db?cache=shared", "/data/x.db"},
		{"file URI with authority", "file:///data/x.db", "/data/x.db"},
		{"escaped file URI", "file:/data/my%20x.db", "/data/my x.db"},
		{"memory", ":memory:", ""},
		{"memory URI", "file::memory:?cache=shared", ""},
		{"memory mode", "file:x.db?mode=memory", ""},
	}
	for _, tt := range tests {
		if got := sqliteFilePath(tt.dsn); got != tt.want {
			t.Errorf("%s: sqliteFilePath(%q) = %q, want %q", tt.name, tt.dsn, got, tt.want)
		}
	}
}

// The database and its -wal and -shm files are readable by their owner
// only: they hold the mails waiting to be sent, with the host key.
func TestSQLiteFilesPrivate(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "roomgate.db")
	s := openStore(t, Options{Driver: DriverSQLite, DSN: path})
	writeSomething(t, s)
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		st, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != 0o600 {
			t.Errorf("%s: mode %v, want -rw-------", filepath.Base(f), got)
		}
	}
}

// Run as root on a directory of the service's user (`sudo roomgate check`
// on a fresh install), the database and its -wal and -shm files belong to
// that user, so the daemon can open them.
func TestSQLiteFilesOwnedLikeTheirDirectory(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create files for another user")
	}
	const nobody = 65534
	dir := filepath.Join(t.TempDir(), "state")
	if err := os.Mkdir(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "roomgate.db")
	s := openStore(t, Options{Driver: DriverSQLite, DSN: path})
	writeSomething(t, s)
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		st, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		sys := st.Sys().(*syscall.Stat_t)
		if sys.Uid != nobody || sys.Gid != nobody {
			t.Errorf("%s: owned by %d:%d, want %d:%d", filepath.Base(f), sys.Uid, sys.Gid, nobody, nobody)
		}
	}
}

func writeSomething(t *testing.T, s *Store) {
	t.Helper()
	err := s.Update(context.Background(), func(tx gateway.Tx) error {
		return tx.Audit(context.Background(), gateway.AuditEntry{Kind: gateway.KindMail, Action: gateway.ActionIgnored})
	})
	if err != nil {
		t.Fatal(err)
	}
}
