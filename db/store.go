// Package db keeps roomgate's state in SQLite or PostgreSQL: bookings,
// processed messages, the outbox, the audit log and the IMAP position.
//
// Store implements gateway.Store. The schema is created and upgraded by
// Open from embedded, append-only migrations that are the same for both
// databases. The ORM (bun) stays inside this package: callers see only
// gateway types and plain Go values.
//
// Instants are stored as UTC with microsecond precision and returned in UTC.
package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"

	"codeberg.org/opteos/roomgate/gateway"
)

// Driver names accepted in Options.Driver.
const (
	DriverSQLite   = "sqlite"
	DriverPostgres = "postgres"
)

// DefaultMaxBookingLength is the longest booking Overlapping assumes unless
// SetMaxBookingLength says otherwise.
const DefaultMaxBookingLength = 31 * 24 * time.Hour

// lockKey is the PostgreSQL advisory lock taken by every Update (and by
// migrations) in the schema public: "roomgate" in ASCII. An advisory lock
// is one per database, whatever the schema, so the Updates of a roomgate
// in another schema of the same database (another account, or a test
// run) take updateKey's hash of their schema, and no roomgate waits for
// another's decisions.
const lockKey int64 = 0x726f6f6d67617465

// updateKey is the advisory lock key of the Updates of a schema: lockKey
// for public (the key of every release before schemas had keys of their
// own), a hash of the schema's name otherwise, never a lease's key.
func updateKey(schema string) int64 {
	if schema == "public" || schema == "" {
		return lockKey
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "roomgate update\x00%s", schema)
	return int64(h.Sum64())
}

// ErrNotFound is returned when an operation names a row that does not exist.
var ErrNotFound = errors.New("not found")

// Options configure Open. The only required field is DSN.
type Options struct {
	// Driver is DriverSQLite (the default when empty) or DriverPostgres.
	Driver string
	// DSN is, for SQLite, a file path, ":memory:" or a "file:" URI; the
	// pragmas roomgate needs are added to it. For PostgreSQL it is a libpq
	// URL or keyword/value string; without an sslmode (in the DSN or
	// PGSSLMODE) a non-local server must present a verifiable certificate.
	DSN string
	// Logger receives migration notices. Nil means slog.Default().
	Logger *slog.Logger

	// checkpointTicks, set by tests, drives the checkpointer of a SQLite
	// file instead of a ticker of checkpointEvery.
	checkpointTicks <-chan time.Time
}

// Store is roomgate's database. It is safe for concurrent use.
type Store struct {
	driver string
	// w runs every write. For SQLite it holds one connection, so writers
	// queue in the pool rather than on SQLite's lock; r serves reads
	// concurrently (WAL). For PostgreSQL and in-memory SQLite, r == w.
	w, r   *bun.DB
	log    *slog.Logger
	maxLen atomic.Int64
	// hot holds the prepared statements of the decision's hot path, on
	// SQLite only (see hot.go).
	hot *hotStatements
	// pgConfig (PostgreSQL) and file (SQLite, "" in memory) let Lease
	// open what it holds outside the pools.
	pgConfig *pgx.ConnConfig
	file     string
	// accepted is the accept log of a SQLite file (acceptlog.go); nil
	// otherwise.
	accepted *acceptLog
	// holder names this Store in its outbox claims (outboxholder.go).
	holder outboxHolder
	// ckpt runs the checkpoints of a SQLite file (checkpoint.go); nil
	// otherwise.
	ckpt *checkpointer
	// lock is the advisory lock key of Update on PostgreSQL (updateKey of
	// the connections' schema).
	lock int64
}

var _ gateway.Store = (*Store)(nil)

// Open connects to the database, configures it and applies pending
// migrations.
func Open(ctx context.Context, opt Options) (*Store, error) {
	s, err := connect(opt)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if err := s.pingOpening(ctx); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	if s.driver == DriverPostgres {
		var schema string
		if err := s.w.NewRaw("SELECT coalesce(current_schema(), '')").Scan(ctx, &schema); err != nil {
			_ = s.Close()
			return nil, fmt.Errorf("open database: read the schema: %w", err)
		}
		s.lock = updateKey(schema)
	}
	if err := s.migrate(ctx); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	if s.driver == DriverSQLite {
		if err := s.prepareHot(ctx); err != nil {
			_ = s.Close()
			return nil, fmt.Errorf("open database: %w", err)
		}
	}
	return s, nil
}

// connect sets up the connection pools without touching the database.
func connect(opt Options) (*Store, error) {
	s := &Store{driver: opt.Driver, log: opt.Logger}
	if s.driver == "" {
		s.driver = DriverSQLite
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.maxLen.Store(int64(DefaultMaxBookingLength))
	var err error
	switch s.driver {
	case DriverSQLite:
		err = s.openSQLite(opt.DSN, opt.checkpointTicks)
	case DriverPostgres:
		err = s.openPostgres(opt.DSN)
	default:
		return nil, fmt.Errorf("unknown driver %q", opt.Driver)
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Store) openSQLite(dsn string, ticks <-chan time.Time) error {
	pinSQLiteAllocator()
	p, err := sqliteParams(dsn)
	if err != nil {
		return err
	}
	if err := s.prepareSQLiteFile(dsn); err != nil {
		return err
	}
	s.file = sqliteFilePath(dsn)
	if s.file != "" {
		s.accepted = newAcceptLog(s.file)
	}
	w, err := sql.Open(sqliteDriverName, p.write)
	if err != nil {
		return err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	s.w = bun.NewDB(w, sqlitedialect.New())
	s.w = s.w.WithQueryHook(countHook{})
	if p.memory {
		s.r = s.w
		return nil
	}
	r, err := sql.Open(sqliteDriverName, p.read)
	if err != nil {
		_ = w.Close()
		return err
	}
	r.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)))
	s.r = bun.NewDB(r, sqlitedialect.New())
	s.r = s.r.WithQueryHook(countHook{})
	if s.ckpt, err = startCheckpointer(p.checkpoint, s.file, s.log, ticks); err != nil {
		_ = w.Close()
		_ = r.Close()
		return err
	}
	return nil
}

func (s *Store) openPostgres(dsn string) error {
	cfg, err := postgresConfig(dsn)
	if err != nil {
		return err
	}
	// bun sends queries with their arguments inlined (and escaped), so
	// statements would rarely be reused: skip the prepare round trip.
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	s.pgConfig = cfg.Copy()
	sqldb := stdlib.OpenDB(*cfg)
	sqldb.SetMaxOpenConns(10)
	sqldb.SetMaxIdleConns(4)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	s.w = bun.NewDB(sqldb, pgdialect.New())
	s.w = s.w.WithQueryHook(countHook{})
	s.r = s.w
	return nil
}

// Close closes the database connections.
func (s *Store) Close() error {
	s.closeHolder()
	err := errors.Join(s.ckpt.close(), s.hot.close(), s.accepted.close(), s.w.Close())
	if s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	return err
}

// openBusyWait bounds how long Open tries again a SQLite file that is
// busy.
const openBusyWait = 30 * time.Second

// openPing is the Ping of pingOpening (a test counts them).
var openPing = (*Store).Ping

// pingOpening is Open's first Ping. Two processes opening a new SQLite
// file at once (two instances started together) may each hold a lock
// that the other needs to go on, one of them to turn the file to WAL:
// SQLite then answers one of them SQLITE_BUSY at once, without its busy
// timeout, to break the deadlock (sqlite3_busy_handler), and that
// instance stopped ("ping database: database is locked", seen once in
// CI). It now tries again, after 20 ms doubling to a second, for up to
// openBusyWait.
func (s *Store) pingOpening(ctx context.Context) error {
	delay, deadline, told := 20*time.Millisecond, time.Now().Add(openBusyWait), false
	for {
		err := openPing(s, ctx)
		var coded interface{ Code() int }
		if err == nil || s.driver != DriverSQLite || !errors.As(err, &coded) || coded.Code()&0xff != 5 || time.Now().After(deadline) {
			return err
		}
		if !told {
			s.log.Info("the SQLite database is busy (another process is opening it); trying again", "err", err)
			told = true
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		delay = min(2*delay, time.Second)
	}
}

// Ping checks that the database is reachable.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.w.PingContext(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// SetMaxBookingLength sets the longest booking the caller ever stores as
// accepted (DefaultMaxBookingLength until set). Overlapping only looks at
// bookings starting less than d before its window, so it stays an index
// range scan. d must not be shorter than any accepted booking; d <= 0
// restores the default.
func (s *Store) SetMaxBookingLength(d time.Duration) {
	if d <= 0 {
		d = DefaultMaxBookingLength
	}
	s.maxLen.Store(int64(d))
}

// Update runs fn in one read-write transaction, serialized with every other
// Update on the same database, also from other processes: SQLite begins it
// IMMEDIATE, PostgreSQL takes an advisory lock first. fn must use only the
// Tx it is given, not the Store. If fn returns an error or panics, the
// transaction is rolled back.
//
// An error that says the database itself failed (unreachable, full,
// read-only…) implements gateway.Unavailable.
func (s *Store) Update(ctx context.Context, fn func(gateway.Tx) error) error {
	var after []func()
	run := func(t *tx) error {
		if err := fn(t); err != nil {
			if t.flushErr != nil {
				return t.flushErr
			}
			return err
		}
		if t.flushErr != nil {
			return t.flushErr
		}
		if err := t.storeBodies(ctx); err != nil {
			return err
		}
		after = t.after
		return nil
	}
	var err error
	if s.driver == DriverPostgres {
		err = s.updatePG(ctx, run)
	} else {
		err = s.inTx(ctx, func(btx bun.Tx) error { return run(&tx{s: s, db: btx, btx: btx}) })
	}
	if err = markUnavailable(err); err == nil {
		for _, f := range after {
			f()
		}
	}
	return err
}

// updatePG is Update's transaction on PostgreSQL. The store begins and
// ends it itself, on a connection taken from the pool, instead of through
// database/sql's Tx, so that its first and last round trips carry more
// than BEGIN and COMMIT: BEGIN goes with the advisory lock, and COMMIT
// with the writes kept until the end (writebehind.go). A connection whose
// transaction could not be ended cleanly is closed, not given back.
func (s *Store) updatePG(ctx context.Context, run func(*tx) error) error {
	hook := &prefetchHook{}
	bc, err := s.w.WithQueryHook(hook).Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	clean := false // no transaction left open on bc
	defer func() {
		if !clean {
			// database/sql closes a connection whose Raw says it is bad.
			_ = bc.Raw(func(any) error { return driver.ErrBadConn })
		}
		_ = bc.Close()
	}()
	if _, err := bc.ExecContext(ctx, "BEGIN; SELECT pg_advisory_xact_lock(?)", s.lock); err != nil {
		return fmt.Errorf("begin transaction and take advisory lock: %w", err)
	}
	t := &tx{s: s, db: bc, conn: bc.Conn}
	hook.t = t
	rollback := func() {
		hook.t = nil
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
		defer cancel()
		_, err := bc.ExecContext(rctx, "ROLLBACK")
		clean = err == nil
	}
	if err := run(t); err != nil {
		rollback()
		return err
	}
	hook.t = nil
	if _, err := t.flush(ctx, &pgStatement{sql: "COMMIT", done: committed}); err != nil {
		rollback()
		return fmt.Errorf("commit: %w", err)
	}
	clean = true
	commits.Add(1)
	return nil
}

// rollbackTimeout bounds the ROLLBACK of a failed Update on PostgreSQL,
// also during a shutdown: past it the connection is closed, which ends
// the transaction as surely.
const rollbackTimeout = 10 * time.Second

// committed fails a COMMIT that rolled back: PostgreSQL answers COMMIT in
// a transaction a failed statement aborted with ROLLBACK, not an error.
func committed(tag pgconn.CommandTag) error {
	if tag.String() != "COMMIT" {
		return fmt.Errorf("%w (%s)", pgx.ErrTxCommitRollback, tag)
	}
	return nil
}

// inTx runs fn in a serialized write transaction (on PostgreSQL, under
// the same advisory lock as Update).
func (s *Store) inTx(ctx context.Context, fn func(bun.Tx) error) error {
	btx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	done := false
	defer func() {
		if !done {
			_ = btx.Rollback()
		}
	}()
	if s.driver == DriverPostgres {
		if _, err := btx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", s.lock); err != nil {
			return fmt.Errorf("take advisory lock: %w", err)
		}
	}
	if err := fn(btx); err != nil {
		return err
	}
	done = true
	if err := btx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	commits.Add(1)
	return nil
}

// tx is the gateway.Tx of one Update.
type tx struct {
	s *Store
	// db runs the transaction's statements: its bun.Tx (btx), or on
	// PostgreSQL within Update the connection it runs on (updatePG).
	db bun.IDB
	// btx is the transaction on SQLite, for its prepared statements
	// (hot.go); zero on PostgreSQL within Update.
	btx bun.Tx
	// pending are writes kept to be sent together (writebehind.go).
	pending []pgStatement
	// after runs once the transaction committed (AfterCommit).
	after []func()
	// conn is the transaction's connection on PostgreSQL, for Prefetch;
	// ahead is what it read (prefetch.go).
	conn  *sql.Conn
	ahead *ahead
	// sent counts the statements sent through bun (PostgreSQL only).
	sent int
	// pendingBookings is set while pending holds a write of bookings:
	// it is then sent before any statement that may read them
	// (prefetchHook); flushErr is the error of such a send.
	pendingBookings bool
	// pendingOutbox is the same for a write of the outbox.
	pendingOutbox bool
	flushErr      error
	// later are the outbox rows whose bytes are stored at the end
	// (EnqueueLater).
	later []laterBody
}

var (
	_ gateway.Tx          = (*tx)(nil)
	_ gateway.NewRecorder = (*tx)(nil)
	_ gateway.BodyLater   = (*tx)(nil)
)

// now is the current instant at the precision the database keeps.
func now() time.Time {
	return time.Now().UTC().Truncate(time.Microsecond)
}
