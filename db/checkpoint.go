package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// SQLite copies the pages a commit appended to the -wal file back into the
// database file at a checkpoint (https://sqlite.org/wal.html#ckpt). By
// default the connection whose commit takes the WAL past 1,000 pages runs
// it, inside that commit: the decision that happened to cross the line
// waited for the copy and its two fsyncs. The connections of the pools
// therefore run with wal_autocheckpoint=0 (dsn.go), and a checkpointer of
// the Store runs the checkpoints on a connection of its own, in the
// background:
//
//   - every checkpointEvery, a PASSIVE checkpoint (with nothing to copy,
//     it reads the WAL's index and syncs nothing): it copies what no
//     reader still needs, without taking the write lock, so commits go on
//     meanwhile. Once everything is copied and the readers that began
//     before have ended, the next commit starts the WAL over from its
//     beginning (the file keeps its size and is written over). While
//     commits follow each other faster than a checkpoint copies (a
//     backlog), that moment does not come and the WAL grows: about 40 MB
//     for a backlog of 1,000 invitations;
//   - when the file has grown past walLimit (such a backlog, or a long
//     read: a backup, another process), a TRUNCATE checkpoint: it takes
//     the write lock between two transactions, copies what the PASSIVE
//     one left, waits for the readers (at most checkpointBusy for each)
//     and cuts the file to nothing. It blocks commits meanwhile: once per
//     walLimit of WAL, where SQLite's own checkpoints blocked a commit
//     once per 1,000 pages (4 MiB);
//   - if the WAL stays past walLimit for walWarnAfter, a WARN, and an INFO
//     once it is back under.
//
// Durability is unchanged: a checkpoint syncs the WAL before it copies and
// the database file after (synchronous=NORMAL, as the writer), and a
// commit is as durable as before, appended to the WAL. When the last
// connection closes, SQLite checkpoints and deletes the -wal file, as it
// did before (restore.go reads a -wal file as "in use"). A DSN that sets
// wal_autocheckpoint itself keeps it, and its commits checkpoint too.
const (
	checkpointEvery = time.Second
	walLimit        = 64 << 20
	walWarnAfter    = time.Minute
	// checkpointBusy is the busy_timeout of the checkpointer's connection:
	// how long a TRUNCATE checkpoint waits for the write lock, then for
	// each reader.
	checkpointBusy = 100 * time.Millisecond
)

// checkpointer runs the checkpoints of one SQLite file.
type checkpointer struct {
	db    *sql.DB // one connection, of its own
	wal   string  // the -wal file
	log   *slog.Logger
	limit int64

	// walBytes is the size of the -wal file after the last checkpoint.
	walBytes atomic.Int64

	mu sync.Mutex // serializes checkpoints; guards what follows
	// largeSince is when the WAL was first seen past limit (zero while
	// it is not), warned whether that was logged.
	largeSince time.Time
	warned     bool

	ticker   *time.Ticker // nil when the ticks were given
	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

// walCheckpoint is what PRAGMA wal_checkpoint returns: whether a RESTART
// or TRUNCATE checkpoint could not finish (busy), the pages (frames) in
// the WAL and how many of them are in the database file now.
type walCheckpoint struct {
	Busy         bool
	Frames, Done int
}

// startCheckpointer starts the checkpointer of the database file, on a
// connection of its own opened with dsn (the writer's DSN with
// checkpointBusy as busy_timeout). It checkpoints at each of ticks, or
// every checkpointEvery when ticks is nil.
func startCheckpointer(dsn, file string, log *slog.Logger, ticks <-chan time.Time) (*checkpointer, error) {
	db, err := sql.Open(sqliteDriverName, dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	c := &checkpointer{db: db, wal: file + "-wal", log: log, limit: walLimit,
		stop: make(chan struct{}), done: make(chan struct{})}
	if ticks == nil {
		c.ticker = time.NewTicker(checkpointEvery)
		ticks = c.ticker.C
	}
	go c.run(ticks, time.Now)
	return c, nil
}

// WALBytes returns the size of a SQLite database's -wal file after the
// last checkpoint of this Store: 0 for PostgreSQL and in memory, and
// before the first checkpoint.
func (s *Store) WALBytes() int64 {
	if s.ckpt == nil {
		return 0
	}
	return s.ckpt.walBytes.Load()
}

// run checkpoints at every tick until close. It is the checkpointer's
// goroutine. A checkpoint that fails (a full disk) is tried again at the
// next tick; what was committed stays in the WAL meanwhile.
func (c *checkpointer) run(ticks <-chan time.Time, now func() time.Time) {
	defer close(c.done)
	failing := false // logged once per run of failures
	for {
		select {
		case <-c.stop:
			return
		case <-ticks:
			err := c.safeCheckpoint(now())
			switch {
			case err != nil && !failing:
				c.log.Warn("SQLite checkpoint failed; trying again every second", "file", c.wal, "err", err)
			case err == nil && failing:
				c.log.Info("SQLite checkpoints work again", "file", c.wal)
			}
			failing = err != nil
		}
	}
}

// safeCheckpoint is checkpoint with a panic turned into an error, so that
// the next tick tries again.
func (c *checkpointer) safeCheckpoint(at time.Time) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("checkpoint: panic: %v", r)
			c.log.Error("SQLite checkpoint panicked", "panic", r, "stack", string(debug.Stack()))
		}
	}()
	_, err = c.checkpoint(context.Background(), at)
	return err
}

// checkpoint runs a PASSIVE checkpoint, then a TRUNCATE one if the WAL
// is past the limit; it reports the last one run. at is the time now.
func (c *checkpointer) checkpoint(ctx context.Context, at time.Time) (walCheckpoint, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	res, err := c.pragma(ctx, "PASSIVE")
	if err != nil {
		return res, err
	}
	size, err := c.size()
	if err != nil {
		return res, err
	}
	if size > c.limit {
		if res, err = c.pragma(ctx, "TRUNCATE"); err != nil {
			return res, err
		}
		if size, err = c.size(); err != nil {
			return res, err
		}
	}
	c.walBytes.Store(size)
	c.watch(size, res, at)
	return res, nil
}

// pragma runs PRAGMA wal_checkpoint(mode).
func (c *checkpointer) pragma(ctx context.Context, mode string) (walCheckpoint, error) {
	var res walCheckpoint
	err := c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint("+mode+")").Scan(&res.Busy, &res.Frames, &res.Done)
	if err != nil {
		return res, fmt.Errorf("checkpoint (%s): %w", mode, err)
	}
	return res, nil
}

// size returns the size of the -wal file, 0 when there is none.
func (c *checkpointer) size() (int64, error) {
	st, err := os.Stat(c.wal)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("checkpoint: %w", err)
	}
	return st.Size(), nil
}

// watch logs at WARN a WAL that stayed past the limit for walWarnAfter,
// and at INFO its return under the limit.
func (c *checkpointer) watch(size int64, res walCheckpoint, at time.Time) {
	if size <= c.limit {
		if c.warned {
			c.log.Info("the SQLite WAL is back under its limit", "file", c.wal, "bytes", size)
		}
		c.largeSince, c.warned = time.Time{}, false
		return
	}
	if c.largeSince.IsZero() {
		c.largeSince = at
	}
	if !c.warned && at.Sub(c.largeSince) >= walWarnAfter {
		c.warned = true
		c.log.Warn("the SQLite WAL stays large: a long read (a backup, another program) keeps its pages from the database file, or the writes never pause",
			"file", c.wal, "bytes", size, "limit", c.limit, "since", c.largeSince,
			"pages", res.Frames, "copied", res.Done)
	}
}

// close stops the goroutine, runs a last checkpoint and closes the
// connection. Only its first call does anything.
func (c *checkpointer) close() error {
	if c == nil {
		return nil
	}
	var err error
	c.stopOnce.Do(func() {
		if c.ticker != nil {
			c.ticker.Stop()
		}
		close(c.stop)
		<-c.done
		_, err = c.checkpoint(context.Background(), time.Now())
		err = errors.Join(err, c.db.Close())
	})
	return err
}
