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
// wait for their lease, as before holders existed. A PostgreSQL holder
// whose own session broke (the server restarted, the network cut) looks
// dead to the others until it notices, within holderCheckEvery of its
// next claim, and draws a new holder: a mail it was sending in that moment
// may then leave twice, with the same Message-ID.
//
// The accept log (acceptlog.go) or the "sent" mark still says which of a
// dead holder's mails the server accepted: those are marked, not resent.

// holderShift is the number of low bits of a claim token that count the
// holder's claims; the bits above name the holder.
const holderShift = 20

// holderCheckEvery bounds how often a claim looks for dead holders.
const holderCheckEvery = time.Second

// outboxHolder is this Store's identity in the claims it makes.
type outboxHolder struct {
	mu         sync.Mutex
	id         int64  // 0 until the lease is held
	seq        uint32 // claims made
	lease      *Lease
	lastCheck  time.Time // of the other holders
	lastVerify time.Time // of this holder's own lease
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
		// A PostgreSQL session lost unnoticed would let the others give
		// this holder's mails back while it sends them: check it, and
		// draw a new holder when it is gone.
		h.lastVerify = now
		if err := h.lease.Check(ctx); err != nil {
			s.log.Warn("the outbox holder's lease was lost; taking a new one", "err", err)
			h.lease, h.id = nil, 0
		}
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
			return nil
		}
	}
	return errors.New("no free holder found")
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
// holderCheckEvery of now.
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
	for _, id := range holders {
		if id == h.id {
			continue
		}
		alive, err := h.lease.probe(ctx, holderName(id))
		if err != nil {
			return fmt.Errorf("outbox holder %x: %w", id, err)
		}
		if !alive {
			dead = append(dead, id)
		}
	}
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
