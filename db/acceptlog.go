package db

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"codeberg.org/opteos/roomgate/gateway"
)

// The accept log records, beside a SQLite database, the outbox mails the
// server accepted, as soon as it accepted them: one line per mail, its
// outbox ID and Message-ID, appended with one write(2) to a file
// ("<database>-outbox-accepted"). The mark in the database ("sent") follows,
// but it needs SQLite's single write lock, which a group of decisions may
// hold for a while; the line needs no lock but a shared flock(2) and
// survives the process: a kill -9 right after the server's answer leaves
// the line, and the next claim of that mail (after its lease, by this
// instance restarted or by another) finds it, marks the mail sent and does
// not send it again. So the window in which a crash sends a reply twice
// is the time from the server's answer to one write, instead of the wait
// for the write lock.
//
// A line counts only when both the ID and the Message-ID match the row, so
// a log left beside another database (a restore, a copy) cannot make a
// pending mail count as sent. Lines of mails marked since are dropped once
// the file grows past acceptLogCompactAt, under an exclusive flock so that
// no append is lost. The file is not synced: it guards against the
// process dying, not the machine (after a power loss the mail's lease
// runs out and it is sent again, as without the log).
//
// PostgreSQL needs no such log: its "sent" mark takes no lock a decision
// holds, and the instances sharing it need not share a disk.

// acceptLogCompactAt is the size past which a claim drops the lines of
// mails already marked sent.
const acceptLogCompactAt = 16 << 10

// acceptLog is the accept log of one SQLite database file.
type acceptLog struct {
	path string
	mu   sync.Mutex
	f    *os.File // opened on first use, O_APPEND
}

func newAcceptLog(dbFile string) *acceptLog {
	return &acceptLog{path: dbFile + "-outbox-accepted"}
}

// file returns the open log, opening it (creating it) on first use.
func (l *acceptLog) file() (*os.File, error) {
	if l.f != nil {
		return l.f, nil
	}
	f, err := os.OpenFile(l.path, os.O_RDWR|os.O_APPEND|os.O_CREATE, sqliteFileMode)
	if err != nil {
		return nil, err
	}
	l.f = f
	return f, nil
}

// acceptLine is one line of the log; ok is false for a Message-ID the
// line format cannot carry (such a mail is not logged: its mark covers it).
func acceptLine(m gateway.AcceptedMail) (string, bool) {
	if m.MessageID == "" || strings.ContainsFunc(m.MessageID, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return "", false
	}
	return strconv.FormatInt(m.ID, 10) + " " + m.MessageID + "\n", true
}

// append writes the lines of the mails in one write(2) under a shared
// flock. It reports how many mails it logged.
func (l *acceptLog) append(ms []gateway.AcceptedMail) (int, error) {
	var b strings.Builder
	n := 0
	for _, m := range ms {
		if line, ok := acceptLine(m); ok {
			b.WriteString(line)
			n++
		}
	}
	if n == 0 {
		return 0, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	f, err := l.file()
	if err != nil {
		return 0, err
	}
	if err := flockFile(f, false); err != nil {
		return 0, err
	}
	defer funlockFile(f)
	if _, err := io.WriteString(f, b.String()); err != nil {
		return 0, err
	}
	return n, nil
}

// read returns the log's lines, ID to Message-ID, read under a shared
// flock (a compaction rewrites the file under an exclusive one). A torn or
// foreign line is skipped.
func (l *acceptLog) read() (map[int64]string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, err := l.file()
	if err != nil {
		return nil, err
	}
	if err := flockFile(f, false); err != nil {
		return nil, err
	}
	defer funlockFile(f)
	data, err := os.ReadFile(l.path)
	if err != nil {
		return nil, err
	}
	return parseAcceptLog(data), nil
}

// rewrite keeps, under an exclusive flock, only the lines for which keep
// (given every ID of the log) says so; appends wait meanwhile.
func (l *acceptLog) rewrite(keep func(map[int64]string) (map[int64]bool, error)) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, err := l.file()
	if err != nil {
		return err
	}
	if err := flockFile(f, true); err != nil {
		return err
	}
	defer funlockFile(f)
	data, err := os.ReadFile(l.path)
	if err != nil {
		return err
	}
	logged := parseAcceptLog(data)
	kept, err := keep(logged)
	if err != nil {
		return err
	}
	var b strings.Builder
	for id, mid := range logged {
		if kept[id] {
			b.WriteString(strconv.FormatInt(id, 10) + " " + mid + "\n")
		}
	}
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err = io.WriteString(f, b.String()) // O_APPEND: at the new end, 0
	return err
}

func parseAcceptLog(data []byte) map[int64]string {
	out := map[int64]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		id, mid, ok := strings.Cut(sc.Text(), " ")
		n, err := strconv.ParseInt(id, 10, 64)
		if !ok || err != nil || n <= 0 || mid == "" {
			continue
		}
		out[n] = mid
	}
	return out
}

// size is the log's size in bytes (0 when it does not exist).
func (l *acceptLog) size() int64 {
	st, err := os.Stat(l.path)
	if err != nil {
		return 0
	}
	return st.Size()
}

// close closes the log's file.
func (l *acceptLog) close() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// OutboxAccepted records that the server accepted the mails (see the
// accept log above). On PostgreSQL and an in-memory SQLite database it
// records nothing and reports false: the "sent" mark is the record.
func (s *Store) OutboxAccepted(ctx context.Context, ms ...gateway.AcceptedMail) (bool, error) {
	if s.accepted == nil || len(ms) == 0 {
		return false, nil
	}
	n, err := s.accepted.append(ms)
	if err != nil {
		return false, fmt.Errorf("record accepted mails in %s: %w", s.accepted.path, err)
	}
	return n == len(ms), nil
}

// dropAccepted removes from a claim's rows the mails the accept log says
// the server accepted (their sender died before their mark stuck): they
// are marked sent now, and not returned. It compacts the log when it grew
// past acceptLogCompactAt.
func (s *Store) dropAccepted(ctx context.Context, now time.Time, rows []outboxRow) ([]outboxRow, error) {
	size := s.accepted.size()
	if size == 0 {
		return rows, nil
	}
	logged, err := s.accepted.read()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", s.accepted.path, err)
	}
	var gone []int64
	kept := rows[:0:0]
	for _, r := range rows {
		if mid, ok := logged[r.ID]; ok && mid == r.MessageID {
			gone = append(gone, r.ID)
			continue
		}
		kept = append(kept, r)
	}
	if len(gone) > 0 {
		if err := s.OutboxSent(ctx, now, gone...); err != nil {
			return nil, err
		}
		s.log.Warn("outbox mails the server had accepted before their sender stopped are marked sent, not sent again",
			"outbox_ids", gone)
	}
	if size > acceptLogCompactAt {
		if err := s.compactAccepted(ctx); err != nil {
			s.log.Warn("compacting the outbox's accept log failed; it is tried again at the next claim", "path", s.accepted.path, "err", err)
		}
	}
	return kept, nil
}

// compactAccepted drops the accept log's lines of mails no longer
// pending (marked sent, failed, or gone).
func (s *Store) compactAccepted(ctx context.Context) error {
	return s.accepted.rewrite(func(logged map[int64]string) (map[int64]bool, error) {
		if len(logged) == 0 {
			return nil, nil
		}
		ids := make([]int64, 0, len(logged))
		for id := range logged {
			ids = append(ids, id)
		}
		var pending []int64
		err := s.r.NewSelect().Model((*outboxRow)(nil)).Column("id").
			Where("id IN (?)", bun.List(ids)).
			Where("status = ?", string(gateway.OutboxPending)).
			Scan(ctx, &pending)
		if err != nil {
			return nil, err
		}
		keep := make(map[int64]bool, len(pending))
		for _, id := range pending {
			keep[id] = true
		}
		return keep, nil
	})
}
