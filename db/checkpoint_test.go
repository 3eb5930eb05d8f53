package db

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"
)

// frameBytes is the size of one WAL frame: a 4 KiB page and its header.
const frameBytes = 4096 + 24

// openCheckpointed opens a SQLite file whose checkpointer runs only when
// the test sends on the channel returned (or calls checkpoint), with its
// logs in the buffer returned. It makes a table to fill.
func openCheckpointed(t *testing.T, dsn string) (*Store, chan time.Time, *syncBuffer) {
	t.Helper()
	ticks := make(chan time.Time)
	logs := &syncBuffer{}
	s := openStore(t, Options{Driver: DriverSQLite, DSN: dsn, checkpointTicks: ticks,
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if _, err := s.w.ExecContext(t.Context(), "CREATE TABLE scratch (b BLOB)"); err != nil {
		t.Fatal(err)
	}
	return s, ticks, logs
}

// commitBlobs commits n write transactions through the Store's commit
// path, each writing about four pages.
func commitBlobs(t *testing.T, s *Store, n int) {
	t.Helper()
	for range n {
		err := s.inTx(t.Context(), func(tx bun.Tx) error {
			_, err := tx.ExecContext(t.Context(), "INSERT INTO scratch (b) VALUES (zeroblob(12000))")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// A commit does not checkpoint: with no checkpointer run, the WAL holds
// every frame committed, well past the 1,000 pages at which SQLite's
// automatic checkpoint used to run in the committing transaction. A DSN
// that asks for automatic checkpoints keeps them (and so the test can
// fail).
func TestCommitDoesNotCheckpoint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		query     string
		wantAbove bool // frames above 2,000
	}{
		{name: "default", wantAbove: true},
		{name: "operator's wal_autocheckpoint", query: "?_pragma=wal_autocheckpoint(1000)", wantAbove: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			file := filepath.Join(t.TempDir(), "roomgate.db")
			s, _, _ := openCheckpointed(t, file+tt.query)
			commitBlobs(t, s, 700) // about 2,800 pages
			// A PASSIVE checkpoint reports the frames in the WAL;
			// after an automatic checkpoint the WAL starts over.
			res, err := s.ckpt.pragma(t.Context(), "PASSIVE")
			if err != nil {
				t.Fatal(err)
			}
			if above := res.Frames > 2000; above != tt.wantAbove {
				t.Errorf("frames in the WAL after 700 commits: %d; above 2,000: %v, want %v", res.Frames, above, tt.wantAbove)
			}
			if res.Done != res.Frames {
				t.Errorf("checkpoint copied %d of %d frames, want all", res.Done, res.Frames)
			}
		})
	}
}

// Checkpoints of the checkpointer alone keep the WAL at the size of what
// is committed between two of them: the WAL starts over after each.
func TestCheckpointerBoundsWAL(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "roomgate.db")
	s, _, _ := openCheckpointed(t, file)
	const perRound = 50 // about 200 pages
	var first int64
	for round := range 20 {
		commitBlobs(t, s, perRound)
		size := fileSize(t, file+"-wal")
		if round == 0 {
			first = size
		}
		if size > first+8*frameBytes {
			t.Fatalf("round %d: WAL of %d bytes, want at most %d (the first round's and 8 pages)", round, size, first+8*frameBytes)
		}
		res, err := s.ckpt.checkpoint(t.Context(), at(9, 0))
		if err != nil {
			t.Fatal(err)
		}
		if res.Busy || res.Done != res.Frames || res.Frames < 4*perRound {
			t.Fatalf("round %d: checkpoint %+v, want every frame of the round (%d or more) copied", round, res, 4*perRound)
		}
		if got := s.WALBytes(); got != size {
			t.Errorf("round %d: WALBytes() = %d, want %d", round, got, size)
		}
	}
	var n int
	if err := s.r.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM scratch").Scan(&n); err != nil || n != 20*perRound {
		t.Errorf("rows: %d (%v), want %d", n, err, 20*perRound)
	}
}

// The checkpointer's goroutine checkpoints at each tick.
func TestCheckpointerTicks(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "roomgate.db")
	s, ticks, _ := openCheckpointed(t, file)
	commitBlobs(t, s, 50)
	before := fileSize(t, file)
	ticks <- at(9, 0)
	ticks <- at(9, 0) // taken once the first checkpoint is over
	if after := fileSize(t, file); after < before+100*4096 {
		t.Errorf("database file of %d bytes after a tick, %d before: the 200 pages of the WAL were not copied", after, before)
	}
}

// A reader that keeps an old snapshot keeps the WAL from starting over;
// past the limit the checkpointer tries TRUNCATE, warns once the WAL has
// stayed large for walWarnAfter, and cuts it to nothing once the reader
// is gone.
func TestCheckpointerPinnedWAL(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "roomgate.db")
	s, _, logs := openCheckpointed(t, file)
	s.ckpt.limit = 256 << 10
	commitBlobs(t, s, 1)
	reader, err := s.r.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	// A query not read to its end keeps its read transaction open.
	rows, err := reader.QueryContext(t.Context(), "SELECT b FROM scratch")
	if err != nil || !rows.Next() {
		t.Fatalf("reader: %v", err)
	}
	commitBlobs(t, s, 100) // about 400 pages, 1.6 MiB
	t0 := at(9, 0)
	for _, step := range []struct {
		at   time.Time
		warn bool
	}{
		{at: t0},
		{at: t0.Add(walWarnAfter - time.Second)},
		{at: t0.Add(walWarnAfter), warn: true},
	} {
		res, err := s.ckpt.checkpoint(t.Context(), step.at)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Busy {
			t.Errorf("%v: TRUNCATE checkpoint %+v with a reader in the way, want busy", step.at, res)
		}
		if size := fileSize(t, file+"-wal"); size < 100*4*frameBytes {
			t.Errorf("%v: WAL of %d bytes under a reader, want the 400 pages committed since", step.at, size)
		}
		if warned := strings.Contains(logs.String(), "level=WARN"); warned != step.warn {
			t.Errorf("%v: warned %v, want %v; log:\n%s", step.at, warned, step.warn, logs)
		}
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	res, err := s.ckpt.checkpoint(t.Context(), t0.Add(2*walWarnAfter))
	if err != nil {
		t.Fatal(err)
	}
	if res.Busy || res.Frames != 0 {
		t.Errorf("TRUNCATE checkpoint %+v once the reader is gone, want done, no frames left", res)
	}
	if size := fileSize(t, file+"-wal"); size != 0 {
		t.Errorf("WAL of %d bytes after TRUNCATE, want 0", size)
	}
	if got := strings.Count(logs.String(), "level=WARN"); got != 1 {
		t.Errorf("%d warnings, want 1; log:\n%s", got, logs)
	}
	if !strings.Contains(logs.String(), "level=INFO msg=\"the SQLite WAL is back under its limit\"") {
		t.Errorf("no notice of the WAL back under its limit; log:\n%s", logs)
	}
	var n int
	if err := s.r.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM scratch").Scan(&n); err != nil || n != 101 {
		t.Errorf("rows: %d (%v), want 101", n, err)
	}
}

// Close checkpoints and removes the -wal file, as before, which restore
// reads as "no longer in use"; what was committed is in the database
// file. A second Close does nothing.
func TestCloseRemovesWAL(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "roomgate.db")
	s, err := Open(t.Context(), Options{Driver: DriverSQLite, DSN: file, checkpointTicks: make(chan time.Time),
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(t.Context(), "CREATE TABLE scratch (b BLOB)"); err != nil {
		t.Fatal(err)
	}
	commitBlobs(t, s, 100)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := os.Stat(file + "-wal"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("-wal file after Close: %v, want none", err)
	}
	ro, err := OpenReadOnly(context.Background(), file)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	var n int
	if err := ro.r.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM scratch").Scan(&n); err != nil || n != 100 {
		t.Errorf("rows: %d (%v), want 100", n, err)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent use, for logs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// A checkpoint that fails is logged once, not at every tick.
func TestCheckpointerFailureLoggedOnce(t *testing.T) {
	t.Parallel()
	ticks := make(chan time.Time)
	logs := &syncBuffer{}
	s, err := Open(t.Context(), Options{Driver: DriverSQLite, DSN: filepath.Join(t.TempDir(), "roomgate.db"),
		checkpointTicks: ticks, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }() // its last checkpoint fails too
	if err := s.ckpt.db.Close(); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		ticks <- at(9, 0) // each one taken once the one before is over
	}
	if got := strings.Count(logs.String(), "SQLite checkpoint failed"); got != 1 {
		t.Errorf("%d failures logged at three ticks or more, want 1; log:\n%s", got, logs)
	}
}

// Checkpoints run while commits go on, TRUNCATE ones among them (the
// limit is low): no commit fails, nothing is lost, and once the commits
// are over the WAL is back under the limit.
func TestCheckpointerDuringCommits(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "roomgate.db")
	s, _, _ := openCheckpointed(t, file)
	s.ckpt.limit = 256 << 10
	if _, err := s.ckpt.checkpoint(t.Context(), at(9, 0)); err != nil { // opens its connection
		t.Fatal(err)
	}
	const n = 200
	done := make(chan error, 1)
	go func() {
		for range n {
			err := s.inTx(context.Background(), func(tx bun.Tx) error {
				_, err := tx.ExecContext(context.Background(), "INSERT INTO scratch (b) VALUES (zeroblob(12000))")
				return err
			})
			if err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for running := true; running; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("commit: %v", err)
			}
			running = false
		default:
		}
		if _, err := s.ckpt.checkpoint(t.Context(), at(9, 0)); err != nil {
			t.Fatal(err)
		}
	}
	res, err := s.ckpt.checkpoint(t.Context(), at(9, 0))
	if err != nil {
		t.Fatal(err)
	}
	if size := fileSize(t, file+"-wal"); size > s.ckpt.limit || res.Busy {
		t.Errorf("WAL of %d bytes (checkpoint %+v) once the commits are over, want at most %d", size, res, s.ckpt.limit)
	}
	var rows int
	if err := s.r.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM scratch").Scan(&rows); err != nil || rows != n {
		t.Errorf("rows: %d (%v), want %d", rows, err, n)
	}
	if err := s.IntegrityCheck(t.Context()); err != nil {
		t.Error(err)
	}
}
