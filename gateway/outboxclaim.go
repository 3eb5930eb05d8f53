package gateway

import (
	"context"
	"slices"
	"sync"
	"time"
)

// A claim of outbox mails is kept by a claimKeeper while they are sent
// and marked: it marks each mail sent as soon as the server accepted it,
// all mails waiting for their mark in one statement, and retries a mark
// that failed until it sticks; meanwhile it renews the lease of every
// mail of the claim not yet marked, so that no other instance takes a
// mail over while its sender lives (LeaseOutbox). The claim's token tells
// it when another instance took a mail over all the same (the lease ran
// out while the database could not be reached): that mail is not sent.

// markRetryMost bounds the pause between attempts to mark mails sent,
// doubled from OutboxOptions.MarkRetry.
const markRetryMost = 2 * time.Second

// claimKeeper keeps one claim of outbox mails; see above. Marks and
// renewals run in goroutines of their own, so that a mark that waits
// does not hold the renewals back.
type claimKeeper struct {
	g     *Gateway
	claim int64
	lease time.Duration
	every time.Duration // between renewals
	retry time.Duration // first pause after a failed mark

	mu        sync.Mutex
	held      map[int64]bool // claimed, not marked, not taken over
	toMark    []int64        // accepted by the server, mark not yet stuck
	logged    map[int64]bool // of toMark, those in the store's accept record
	until     time.Time      // lease end of every held mail
	finishing bool

	sendingOver bool // no more mail of the claim will be sent

	marked  chan struct{} // closed and replaced each time a mark sticks
	wake    chan struct{}
	done    chan struct{} // closed when the marks are over
	renewed chan struct{} // closed when the renewals are over
}

// keepClaim starts keeping the claim of the mails due (one ClaimOutbox
// answer, all with one token). The marks outlive ctx by at most
// FlushTimeout once ctx is done.
func (g *Gateway) keepClaim(ctx context.Context, due []OutboxMail, opt OutboxOptions) *claimKeeper {
	k := &claimKeeper{g: g, claim: due[0].Claim, lease: opt.Lease(), every: opt.Lease() / 4, retry: opt.MarkRetry,
		held: map[int64]bool{}, logged: map[int64]bool{}, until: due[0].NextAttempt, marked: make(chan struct{}),
		wake: make(chan struct{}, 1), done: make(chan struct{}), renewed: make(chan struct{})}
	for _, m := range due {
		k.held[m.ID] = true
		k.until = minTime(k.until, m.NextAttempt)
	}
	kctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(opt.FlushTimeout, cancel) })
	rctx, stopRenewals := context.WithCancel(kctx)
	go func() {
		defer close(k.done)
		defer cancel()
		defer stop()
		defer stopRenewals()
		k.marks(kctx)
	}()
	go func() {
		defer close(k.renewed)
		k.renewals(rctx)
	}()
	return k
}

// marks marks the mails accepted until finish was called and every mark
// stuck, or ctx is done. Mails the store's accept record holds are marked
// together once the claim's sending is over (sendingDone, finish): one
// write for the batch rather than one per mail, each of which would wait
// for SQLite's write lock; a mail without such a record is marked at once.
func (k *claimKeeper) marks(ctx context.Context) {
	pause := k.retry
	for {
		k.mu.Lock()
		ids, finishing, later := slices.Clone(k.toMark), k.finishing, !k.sendingOver
		for _, id := range ids {
			later = later && k.logged[id]
		}
		k.mu.Unlock()
		if finishing && len(ids) == 0 {
			return
		}
		var wait time.Duration = -1
		if len(ids) > 0 && later {
			ids = nil // wait for the end of the sending
		}
		if len(ids) > 0 && !k.mark(ctx, ids) {
			wait, pause = pause, min(pause*2, markRetryMost)
		} else if len(ids) > 0 {
			pause = k.retry
			continue
		}
		if !sleepOrWake(ctx, wait, k.wake) {
			k.abandon()
			return
		}
	}
}

// renewals renews the lease every k.every until ctx is done.
func (k *claimKeeper) renewals(ctx context.Context) {
	t := time.NewTicker(k.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			k.renew(ctx)
		}
	}
}

// mark marks mails sent; it reports whether the mark stuck.
func (k *claimKeeper) mark(ctx context.Context, ids []int64) bool {
	err := k.g.opt.Store.OutboxSent(ctx, k.g.opt.Now().UTC(), ids...)
	if err != nil {
		k.g.log.Warn("marking mails sent failed; trying again (they are not sent again meanwhile)", "outbox_ids", ids, "err", err)
		return false
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, id := range ids {
		delete(k.held, id)
		delete(k.logged, id)
	}
	k.toMark = slices.DeleteFunc(k.toMark, func(id int64) bool { return slices.Contains(ids, id) })
	close(k.marked)
	k.marked = make(chan struct{})
	return true
}

// settled waits until every mail the server accepted is marked sent or
// in the store's accept record (Store.OutboxAccepted). The next mail is
// sent only then, so that a crash (kill -9) leaves at most the one mail
// accepted last unrecorded, sent again after its lease with the same
// Message-ID; a mark that waits for the database holds the sending back
// rather than widening that window, unless the accept record already
// covers the mail. It reports false when ctx ends, or the marks were
// given up, first.
func (k *claimKeeper) settled(ctx context.Context) bool {
	for {
		k.mu.Lock()
		n, marked := 0, k.marked
		for _, id := range k.toMark {
			if !k.logged[id] {
				n++
			}
		}
		k.mu.Unlock()
		if n == 0 {
			return true
		}
		select {
		case <-marked:
		case <-k.done:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

// renew extends the lease of the held mails and drops those another
// claim took over. It reports whether the lease was renewed.
func (k *claimKeeper) renew(ctx context.Context) bool {
	k.mu.Lock()
	ids := make([]int64, 0, len(k.held))
	for id := range k.held {
		ids = append(ids, id)
	}
	k.mu.Unlock()
	if len(ids) == 0 {
		return true
	}
	now := k.g.opt.Now()
	kept, err := k.g.opt.Store.LeaseOutbox(ctx, k.claim, ids, now.Add(k.lease))
	if err != nil {
		k.g.log.Warn("renewing the claim of outbox mails failed", "outbox_ids", ids, "err", err)
		return false
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.until = now.Add(k.lease)
	for _, id := range ids {
		if slices.Contains(kept, id) || !k.held[id] {
			continue
		}
		delete(k.held, id) // marked since the list was taken, or taken over
		if slices.Contains(k.toMark, id) {
			k.g.log.Warn("the claim of a mail sent but not yet marked was taken over: another instance may send it again",
				"outbox_id", id)
		}
	}
	return true
}

// mayStart reports whether the mail may be sent now: it is still held,
// and its lease lasts at least need (renewed first if it would not).
func (k *claimKeeper) mayStart(ctx context.Context, id int64, need time.Duration) bool {
	ok := func() (held, long bool) {
		k.mu.Lock()
		defer k.mu.Unlock()
		return k.held[id], !k.g.opt.Now().Add(need).After(k.until)
	}
	held, long := ok()
	if held && !long && k.renew(ctx) {
		held, long = ok()
	}
	return held && long
}

// sent queues the mark of a mail the server accepted; logged tells that
// the store's accept record already holds it.
func (k *claimKeeper) sent(id int64, logged bool) {
	k.mu.Lock()
	k.toMark = append(k.toMark, id)
	if logged {
		k.logged[id] = true
	}
	k.mu.Unlock()
	k.poke()
}

// drop forgets a mail whose failure was recorded (its claim ended).
func (k *claimKeeper) drop(id int64) {
	k.mu.Lock()
	delete(k.held, id)
	k.mu.Unlock()
}

// release gives the mails not sent back, due at `at`, and forgets them.
func (k *claimKeeper) release(ctx context.Context, ms []OutboxMail, at time.Time) error {
	var ids []int64
	k.mu.Lock()
	for _, m := range ms {
		if k.held[m.ID] && !slices.Contains(k.toMark, m.ID) {
			ids = append(ids, m.ID)
			delete(k.held, m.ID)
		}
	}
	k.mu.Unlock()
	_, err := k.g.opt.Store.LeaseOutbox(context.WithoutCancel(ctx), k.claim, ids, at)
	return err
}

// marksPending reports whether mails of the claim wait for their mark.
func (k *claimKeeper) marksPending() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.toMark) > 0
}

// sendingDone tells the keeper that no more mail of the claim will be
// sent: the marks waiting for that go now, while the next claim is sent.
func (k *claimKeeper) sendingDone() {
	k.mu.Lock()
	k.sendingOver = true
	k.mu.Unlock()
	k.poke()
}

// finish waits until every mail sent is marked (or the keeper gave up,
// ctx done and the grace over) and stops the renewals.
func (k *claimKeeper) finish() {
	k.mu.Lock()
	k.finishing, k.sendingOver = true, true
	k.mu.Unlock()
	k.poke()
	<-k.done
	<-k.renewed
}

// abandon logs the mails whose mark never stuck: they will be sent again
// once their lease ends.
func (k *claimKeeper) abandon() {
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.toMark) > 0 {
		k.g.log.Error("mails sent but not marked sent before the shutdown: they will be sent again after their lease",
			"outbox_ids", k.toMark)
	}
}

func (k *claimKeeper) poke() {
	select {
	case k.wake <- struct{}{}:
	default:
	}
}

// sleepOrWake waits d (forever when negative), or until wake or ctx;
// false when ctx is done.
func sleepOrWake(ctx context.Context, d time.Duration, wake <-chan struct{}) bool {
	var timeout <-chan time.Time
	if d >= 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-ctx.Done():
		return false
	case <-wake:
	case <-timeout:
	}
	return true
}
