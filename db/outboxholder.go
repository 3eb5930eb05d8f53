package db

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"codeberg.org/opteos/roomgate/gateway"
)

// Outbox holders. A claim's token (outbox.claim) names the process that
// holds it: its upper bits are the holder, a random number drawn when the
// Store first claims, and the holder keeps a Lease named after it
// ("outbox-<holder>": PostgreSQL, a session advisory lock; SQLite, a flock
// on a file beside the database) while the Store is open. A process that
// dies (kill -9, a crash, a lost machine) loses its lease with its session
// or its file descriptors, and another instance that sees mails held by
// it gives them back at once instead of waiting for their lease to run
// out, 90 s with the default send timeout. A holder that cannot be probed
// (an in-memory database, a failed connection) counts as alive: its mails
// wait for their lease, as before holders existed.
//
// A PostgreSQL lease also ends with a session that broke while its
// process lives (the server restarted, one connection was cut): its
// holder then looks dead, although it may be sending one of its mails.
// So a live holder watches its lease (holderWatch, every
// holderCheckEvery) and takes the same one again as soon as the server
// answers, and the others give a PostgreSQL holder's mails back only when
// they found its lease free for holderGrace, long enough for a live
// holder to take it again.
//
// The accept log (acceptlog.go) or the "sent" mark still says which of a
// dead holder's mails the server accepted: those are marked, not resent.

// holderShift is the number of low bits of a claim token that count the
// holder's claims; the bits above name the holder.
const holderShift = 20

// holderCheckEvery bounds how often a claim looks for dead holders, and
// is how often a PostgreSQL holder checks its own lease.
const holderCheckEvery = time.Second

// holderGrace is how long a PostgreSQL holder's lease must be seen free
// before its mails are given back: several of its own checks, and the
// connection a live holder needs to take its lease again.
const holderGrace = 5 * time.Second

// outboxHolder is this Store's identity in the claims it makes.
type outboxHolder struct {
	mu         sync.Mutex
	id         int64  // 0 until the lease is held
	seq        uint32 // claims made
	lease      *Lease
	lastCheck  time.Time // of the other holders
	lastVerify time.Time // of this holder's own lease
	// freeSince (PostgreSQL) are the holders whose lease the last checks
	// found free, and since when.
	freeSince map[int64]time.Time
	// stopWatch ends holderWatch (PostgreSQL), nil when none runs.
	stopWatch func()
	// retrying: the lease was lost and taking it again failed (warned
	// once).
	retrying bool
}

// holderName is the lease name of holder id.
func holderName(id int64) string { return fmt.Sprintf("outbox-%x", id) }

// newClaim returns a claim token: this Store's holder in the upper bits
// (0 when its lease could not be taken: such claims wait out their
// lease) and a count of its claims below, never 0.
func (s *Store) newClaim(ctx context.Context, now time.Time) int64 {
	h := &s.holder
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.id != 0 && holderDue(h.lastVerify, now) {
		h.lastVerify = now
		s.keepHolder(ctx)
	}
	if h.id == 0 {
		if err := s.takeHolder(ctx); err != nil {
			s.log.Warn("outbox claims made without a holder lease: another instance will wait for their lease to end if this one dies", "err", err)
		}
	}
	h.seq = h.seq%(1<<holderShift-1) + 1
	return h.id<<holderShift | int64(h.seq)
}

// takeHolder draws a holder and takes its lease (h.mu held).
func (s *Store) takeHolder(ctx context.Context) error {
	for range 3 {
		id := rand.Int64N(1<<(62-holderShift)-1) + 1
		l, err := s.Lease(holderName(id))
		if err != nil {
			return err
		}
		ok, err := l.Acquire(ctx)
		if err != nil {
			return err
		}
		// A prober may have locked and removed a new file between its
		// creation and our flock (it took it for a dead holder's): the
		// file at the path must be the one locked.
		if ok && l.Check(ctx) != nil {
			continue
		}
		if ok {
			s.holder.id, s.holder.lease = id, l
			s.removeDeadHolderFiles(l)
			if s.driver == DriverPostgres {
				s.holder.stopWatch = s.holderWatch()
			}
			return nil
		}
	}
	return errors.New("no free holder found")
}

// keepHolder checks this Store's holder lease and, when its session was
// lost, takes the same lease again (h.mu held): the claims it made name
// this holder, and a mail it is sending must not look like a dead
// holder's. While the lease cannot be taken again (the server is away),
// the holder is kept and tried again at the next check; the others do not
// give its mails back before holderGrace.
func (s *Store) keepHolder(ctx context.Context) {
	h := &s.holder
	if h.lease.held {
		err := h.lease.Check(ctx)
		if err == nil {
			return
		}
		s.log.Warn("the outbox holder's lease was lost; taking it again", "holder", fmt.Sprintf("%x", h.id), "err", err)
	}
	ok, err := h.lease.Acquire(ctx)
	switch {
	case err != nil && !h.retrying:
		// Once per outage: the server may be away for minutes.
		s.log.Warn("the outbox holder's lease could not be taken again yet; trying again every second", "holder", fmt.Sprintf("%x", h.id), "err", err)
		h.retrying = true
	case err != nil:
		s.log.Debug("the outbox holder's lease could not be taken again yet", "holder", fmt.Sprintf("%x", h.id), "err", err)
	case !ok:
		// Another instance probing it holds it for an instant.
		s.log.Debug("the outbox holder's lease is being probed; trying again", "holder", fmt.Sprintf("%x", h.id))
	default:
		s.log.Info("took the outbox holder's lease again", "holder", fmt.Sprintf("%x", h.id))
		h.retrying = false
	}
}

// holderWatch checks the holder's lease every holderCheckEvery until the
// returned function is called (PostgreSQL): a holder sending one long mail
// makes no claim that would check it.
func (s *Store) holderWatch() func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(holderCheckEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			s.checkHolder(ctx)
		}
	}()
	return func() { cancel(); <-done }
}

// checkHolder is one check of holderWatch.
func (s *Store) checkHolder(ctx context.Context) {
	h := &s.holder
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.lease == nil {
		return
	}
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	s.keepHolder(cctx)
}

// removeDeadHolderFiles removes, on SQLite, the lock files of holders
// whose process ended without closing (a kill, a crash): nobody holds
// their flock. Their mails still under lease, if any, are given back by
// the next check (releaseDeadHolders), which finds no file.
func (s *Store) removeDeadHolderFiles(mine *Lease) {
	if mine.path == "" {
		return
	}
	files, err := filepath.Glob(globEscape(s.file) + "-outbox-*.lock")
	if err != nil {
		return
	}
	for _, f := range files {
		if f == mine.path {
			continue
		}
		name := strings.TrimSuffix(strings.TrimPrefix(f, s.file+"-"), ".lock")
		if !validLeaseName(name) {
			continue
		}
		if alive, err := mine.probe(context.Background(), name); err == nil && !alive {
			s.log.Debug("removed the lock file of an outbox holder that stopped", "file", f)
		}
	}
}

// globEscape escapes the metacharacters of filepath.Match in a path.
func globEscape(p string) string {
	var b strings.Builder
	for _, r := range p {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// closeHolder gives the holder's lease up and removes its file.
func (s *Store) closeHolder() {
	h := &s.holder
	h.mu.Lock()
	stop := h.stopWatch
	h.stopWatch = nil
	h.mu.Unlock()
	if stop != nil {
		stop() // outside h.mu: a check may be waiting for it
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.lease == nil {
		return
	}
	if h.lease.path != "" {
		_ = os.Remove(h.lease.path)
	}
	h.lease.Release()
	h.lease, h.id = nil, 0
}

// releaseDeadHolders makes due at now the mails held by holders whose
// lease nobody holds any more (their process died), at most once per
// holderCheckEvery of now; on PostgreSQL, once the lease was seen free for
// holderGrace (see keepHolder).
func (s *Store) releaseDeadHolders(ctx context.Context, now time.Time) error {
	h := &s.holder
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.lease == nil || !holderDue(h.lastCheck, now) {
		return nil
	}
	h.lastCheck = now
	var holders []int64
	err := s.r.NewSelect().Model((*outboxRow)(nil)).
		ColumnExpr("DISTINCT claim >> ?", holderShift).
		Where("status = ?", string(gateway.OutboxPending)).
		Where("claim >= ?", int64(1)<<holderShift).
		Where("next_attempt > ?", utc(now)).
		Scan(ctx, &holders)
	if err != nil {
		return fmt.Errorf("outbox holders: %w", err)
	}
	var dead []int64
	free := map[int64]time.Time{}
	for _, id := range holders {
		if id == h.id {
			continue
		}
		alive, err := h.lease.probe(ctx, holderName(id))
		if err != nil {
			return fmt.Errorf("outbox holder %x: %w", id, err)
		}
		if alive {
			continue
		}
		if s.driver != DriverPostgres {
			dead = append(dead, id)
			continue
		}
		since, seen := h.freeSince[id]
		if !seen || now.Before(since) {
			since = now
		}
		free[id] = since
		if now.Sub(since) >= holderGrace {
			dead = append(dead, id)
		}
	}
	h.freeSince = free
	if len(dead) == 0 {
		return nil
	}
	res, err := s.w.NewUpdate().Model((*outboxRow)(nil)).
		Set("next_attempt = ?", utc(now)).
		Where("status = ?", string(gateway.OutboxPending)).
		Where("claim >> ? IN (?)", holderShift, bun.List(dead)).
		Where("next_attempt > ?", utc(now)).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("give back the mails of stopped outbox holders: %w", err)
	}
	n, _ := res.RowsAffected()
	s.log.Warn("outbox mails held by an instance that stopped are due again at once", "mails", n, "holders", len(dead))
	return nil
}

// holderDue reports whether holderCheckEvery passed since last (or the clock
// went back).
func holderDue(last, now time.Time) bool {
	return last.IsZero() || now.Sub(last) >= holderCheckEvery || now.Before(last)
}

// probe reports whether another process holds the lease called name,
// asked through l's own session (PostgreSQL) or beside l's file (SQLite).
// Without a way to tell (an in-memory database), it reports true.
func (l *Lease) probe(ctx context.Context, name string) (bool, error) {
	switch {
	case l.conn != nil:
		key := leaseKey(l.schema, name)
		var got bool
		if err := l.conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&got); err != nil {
			return true, err
		}
		if got {
			_, err := l.conn.Exec(ctx, "SELECT pg_advisory_unlock($1)", key)
			return false, err
		}
		return true, nil
	case l.path != "":
		path := l.base + "-" + name + ".lock"
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil // its holder closed cleanly, or a prober removed it
		}
		if err != nil {
			return true, err
		}
		defer f.Close()
		ok, err := tryLockFile(f)
		if err != nil || !ok {
			return true, err
		}
		_ = os.Remove(path) // dead: nobody will lock it again
		return false, nil
	default:
		return true, nil
	}
}
