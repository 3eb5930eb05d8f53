package db

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
)

// Lease is a right that one process at a time holds among those sharing
// the database, such as reading the mailbox. It lives as long as the
// holder's session with the database, and ends with it: when the holder
// exits, is killed or loses its connection, another process may take it
// at once (PostgreSQL: as soon as the server sees the session gone).
//
//   - PostgreSQL: a session-level advisory lock (pg_try_advisory_lock) held
//     on a connection of its own, outside the pool. Its key is a hash of
//     the lease's name and the schema, so deployments in several schemas
//     of one database do not share it. The connection asks the server for
//     TCP keepalives (10 s idle, then every 5 s, 3 probes), so that a
//     holder cut off by the network loses it within about 25 s.
//   - SQLite: an exclusive flock(2) on a file beside the database
//     ("<database>-<name>.lock"), released by the kernel when the process
//     ends. An in-memory database is private to its process: the lease is
//     always granted.
//
// A Lease is a performance device, not a guard: everything the holder
// writes is still serialized by Update, so two holders for a moment (a
// holder cut off from PostgreSQL that has not noticed yet) cost work, not
// correctness. A Lease is for one goroutine.
type Lease struct {
	name string
	pg   *pgx.ConnConfig
	path string
	base string // SQLite: the database file, for probe

	schema string // PostgreSQL: the session's schema, for probe

	conn *pgx.Conn // PostgreSQL: the lease's session, also while waiting
	key  int64
	file *os.File // SQLite: the locked file while held
	held bool
}

// Lease returns the lease called name (letters, digits and '-' only), not
// held yet.
func (s *Store) Lease(name string) (*Lease, error) {
	if !validLeaseName(name) {
		return nil, fmt.Errorf("lease name %q: letters, digits and '-' only", name)
	}
	l := &Lease{name: name, pg: s.pgConfig}
	if s.driver == DriverSQLite && s.file != "" {
		l.path = s.file + "-" + name + ".lock"
		l.base = s.file
	}
	return l, nil
}

// validLeaseName reports whether name is a non-empty run of ASCII
// letters, digits and '-': it becomes part of a file name.
func validLeaseName(name string) bool {
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return name != ""
}

// Acquire tries once to take the lease and reports whether this process
// holds it now. It does not wait for another holder.
func (l *Lease) Acquire(ctx context.Context) (bool, error) {
	if l.held {
		return true, nil
	}
	var err error
	switch {
	case l.pg != nil:
		l.held, err = l.acquirePostgres(ctx)
	case l.path != "":
		l.held, err = l.acquireFile()
	default:
		l.held = true
	}
	return l.held, err
}

// Check reports whether the lease is still held: nil while it is. After
// an error the lease is released; Acquire may take it again.
func (l *Lease) Check(ctx context.Context) error {
	if !l.held {
		return errors.New("lease not held")
	}
	var err error
	switch {
	case l.conn != nil:
		err = l.conn.Ping(ctx)
	case l.file != nil:
		err = l.checkFile()
	}
	if err != nil {
		l.held = false // no unlock on a session that failed: closing ends it
		l.Release()
		return fmt.Errorf("lease %s: %w", l.name, err)
	}
	return nil
}

// Release gives the lease up. For PostgreSQL it unlocks, so that the next
// holder may take it as soon as Release returns, then ends the session
// (which frees the lock anyway, once the server has ended the backend).
func (l *Lease) Release() {
	held := l.held
	l.held = false
	if l.conn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if held {
			_, _ = l.conn.Exec(ctx, "SELECT pg_advisory_unlock($1)", l.key)
		}
		_ = l.conn.Close(ctx)
		l.conn = nil
	}
	if l.file != nil {
		_ = l.file.Close() // closing the last descriptor releases the flock
		l.file = nil
	}
}

// acquirePostgres connects the lease's session if needed and tries the
// advisory lock on it. On an error the session is closed, to be opened
// again by the next attempt.
func (l *Lease) acquirePostgres(ctx context.Context) (bool, error) {
	if l.conn == nil {
		if err := l.connect(ctx); err != nil {
			return false, err
		}
	}
	var ok bool
	if err := l.conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", l.key).Scan(&ok); err != nil {
		l.Release()
		return false, fmt.Errorf("lease %s: try the lock: %w", l.name, err)
	}
	return ok, nil
}

// connect opens the lease's own session and computes its key.
func (l *Lease) connect(ctx context.Context) error {
	c, err := pgx.ConnectConfig(ctx, l.pg.Copy())
	if err != nil {
		return fmt.Errorf("lease %s: connect: %w", l.name, err)
	}
	var schema string
	err = c.QueryRow(ctx, `SELECT set_config('tcp_keepalives_idle', '10', false),
		set_config('tcp_keepalives_interval', '5', false), set_config('tcp_keepalives_count', '3', false),
		coalesce(current_schema(), '')`).Scan(nil, nil, nil, &schema)
	if err != nil {
		_ = c.Close(ctx)
		return fmt.Errorf("lease %s: set up the session: %w", l.name, err)
	}
	l.conn, l.key, l.schema = c, leaseKey(schema, l.name), schema
	return nil
}

// leaseKey is the advisory lock key of a lease: distinct from updateKey's
// keys, and from the same lease in another schema.
func leaseKey(schema, name string) int64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "roomgate lease\x00%s\x00%s", schema, name)
	k := int64(h.Sum64())
	if k == lockKey || k == updateKey(schema) {
		k++
	}
	return k
}

// acquireFile opens the lock file (creating it) and tries flock on it.
func (l *Lease) acquireFile() (bool, error) {
	f, err := os.OpenFile(l.path, os.O_RDWR|os.O_CREATE, sqliteFileMode)
	if err != nil {
		return false, fmt.Errorf("lease %s: %w", l.name, err)
	}
	ok, err := tryLockFile(f)
	if err != nil || !ok {
		_ = f.Close()
		if err != nil {
			return false, fmt.Errorf("lease %s: lock %s: %w", l.name, l.path, err)
		}
		return false, nil
	}
	l.file = f
	return true, nil
}

// checkFile verifies that the locked file is still the one at the path:
// if it was removed, another process could lock a new one.
func (l *Lease) checkFile() error {
	at, err := os.Stat(l.path)
	if err != nil {
		return err
	}
	mine, err := l.file.Stat()
	if err != nil {
		return err
	}
	if !os.SameFile(at, mine) {
		return fmt.Errorf("%s was replaced", l.path)
	}
	return nil
}
