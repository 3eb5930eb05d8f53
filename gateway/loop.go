package gateway

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"sync"
	"time"
)

// handleTimeout bounds the work on one message, which goes on after a
// shutdown has begun so the message in hand is finished.
const handleTimeout = 2 * time.Minute

// Run reads messages from src, decides each, and files it, until ctx is
// done. The three overlap: the next batch is read while one is decided
// (reader), and a decided batch is filed while the next is decided
// (filer), one filing at a time and in order. On shutdown the message in
// hand is finished and filed, and Run returns once the filing under way is
// over (each filing within handleTimeout). When the database cannot record
// a decision, the message is left in the inbox and tried again after a
// pause, with the rest of its batch: src.Next does not deliver them a
// second time.
func (g *Gateway) Run(ctx context.Context, src Source) error {
	batches := make(chan []Incoming) // the reader is one batch ahead at most
	var reading sync.WaitGroup
	defer reading.Wait()
	reading.Go(func() { g.read(ctx, src, batches) })
	f := &filer{g: g, src: src}
	defer f.wait()
	pause := g.opt.RetryPause
	var retry []Incoming // delivered, not yet decided
	for ctx.Err() == nil {
		batch := retry
		if len(batch) == 0 {
			select {
			case batch = <-batches:
			case <-ctx.Done():
				return nil
			}
		}
		var done []Filing
		retry, done = g.handleBatch(ctx, batch)
		f.file(ctx, done)
		if len(retry) > 0 {
			sleep(ctx, pause)
			pause = min(pause*2, time.Minute)
		} else {
			pause = g.opt.RetryPause
		}
	}
	return nil
}

// handleBatch decides messages in order and returns those decided, to be
// filed. It stops at the first message whose decision could not be
// recorded and returns it with the messages after it (retry).
//
// A large batch (a backlog) is decided in groups of up to maxGroup per
// transaction. When a message fails inside a group, the messages before it
// are decided again as a group and it is decided alone (Handle, then
// failed), so one bad message costs its group one more transaction, not
// one per message. A group whose failure names no message (its lock, its
// commit) is decided one message at a time.
func (g *Gateway) handleBatch(ctx context.Context, batch []Incoming) (retry []Incoming, done []Filing) {
	g.dkim.start(ctx, batch) // DKIM keys are looked up ahead, a few messages at a time
	defer g.dkim.forget(batch)
	solo := -1 // the index of a message to decide alone
	for i := 0; i < len(batch) && ctx.Err() == nil; {
		n := min(maxGroup, len(batch)-i)
		if solo >= i {
			n = min(n, max(solo-i, 1))
		}
		group := batch[i : i+n]
		if len(batch) >= groupFrom && len(group) > 1 {
			work, cancel := workContext(ctx)
			outs, bad, err := g.handleGroup(work, group)
			cancel()
			if err == nil {
				for k, in := range group {
					g.waiting.done(in)
					done = append(done, Filing{In: in, Folder: outs[k].Folder})
				}
				i += len(group)
				continue
			}
			g.log.Warn("deciding a group of messages failed", "messages", len(group), "failed_at", bad, "err", err)
			if bad > 0 {
				solo = i + bad
				continue
			}
			if bad == 0 {
				group = group[:1]
			}
		}
		for _, in := range group {
			if ctx.Err() != nil {
				break
			}
			if !g.handleOne(ctx, in, &done) {
				return batch[i:], done
			}
			i++
		}
	}
	return nil, done
}

// handleOne decides one message in its own transaction and adds it to
// done; false means its decision could not be recorded: it stays.
func (g *Gateway) handleOne(ctx context.Context, in Incoming, done *[]Filing) bool {
	work, cancel := workContext(ctx)
	defer cancel()
	out, err := g.HandleSafe(work, in)
	if err != nil {
		out, err = g.failed(work, in, err)
	}
	if err != nil {
		return false
	}
	g.waiting.done(in)
	*done = append(*done, Filing{In: in, Folder: out.Folder})
	return true
}

// failed handles a message whose decision could not be recorded. While the
// database itself fails (Unavailable), the message stays in the inbox, and
// the error is returned. Otherwise something in this message makes its
// record fail: after Options.RecordAttempts tries it is recorded as
// rejected with the error as its reason and filed, so that it cannot hold
// back the messages after it. If even that record fails, it stays.
func (g *Gateway) failed(ctx context.Context, in Incoming, err error) (Outcome, error) {
	n := g.waiting.failed(in, g.opt.Now())
	if unavailable(err) || n < g.opt.RecordAttempts {
		g.log.Error("message left in the inbox: decision not recorded", "ref", in.Ref, "attempt", n, "err", err)
		return Outcome{}, err
	}
	out, rerr := g.recordFailure(ctx, in, fmt.Sprintf("the decision could not be recorded (%d attempts): %s", n, printable(err.Error())))
	if rerr != nil {
		g.log.Error("message left in the inbox: neither its decision nor its rejection could be recorded",
			"ref", in.Ref, "attempt", n, "err", err, "reject_err", rerr)
		return Outcome{}, err
	}
	g.log.Error("message rejected: its decision could not be recorded", "ref", in.Ref, "attempts", n, "err", err)
	return out, nil
}

// workContext bounds the work on one message (or one group, decided in
// one transaction) by handleTimeout; it outlives a shutdown, so the
// message in hand is finished.
func workContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), handleTimeout)
}

// fileBounded files handled messages within handleTimeout.
func (g *Gateway) fileBounded(ctx context.Context, src Source, items []Filing) {
	work, cancel := workContext(ctx)
	defer cancel()
	g.file(work, src, items)
}

// file files handled messages. A message not filed stays in the inbox and
// is filed after the next connection, without being decided again.
func (g *Gateway) file(ctx context.Context, src Source, items []Filing) {
	if len(items) == 0 {
		return
	}
	if bf, ok := src.(BatchFiler); ok {
		if err := bf.FileBatch(ctx, items); err != nil {
			g.log.Error("messages decided but not all filed; they will be filed after reconnecting", "messages", len(items), "err", err)
		}
		return
	}
	for _, it := range items {
		if err := src.File(ctx, it.In, it.Folder); err != nil {
			g.log.Error("message decided but not filed; it will be filed after reconnecting", "ref", it.In.Ref, "folder", it.Folder, "err", err)
		}
	}
}

// HandleSafe is Handle with a guard: a panic while deciding is logged with
// its stack, and the message is recorded as rejected so it is kept, filed
// and never retried in a loop.
func (g *Gateway) HandleSafe(ctx context.Context, in Incoming) (out Outcome, err error) {
	defer func() {
		if r := recover(); r != nil {
			stack := debug.Stack()
			if p, ok := r.(writePanic); ok { // raised again from the goroutine that wrote a mail
				r, stack = p.value, p.stack
			}
			g.log.Error("panic while handling a message", "ref", in.Ref, "panic", r, "stack", string(stack))
			out, err = g.recordFailure(ctx, in, fmt.Sprintf("internal error while handling the message: %v", r))
		}
	}()
	return g.Handle(ctx, in)
}

// recordFailure records a message as rejected after an internal failure.
func (g *Gateway) recordFailure(ctx context.Context, in Incoming, reason string) (Outcome, error) {
	a := analysis{key: messageKey(in.Raw), kind: KindMail}
	if h, err := readHeader(in.Raw); err == nil {
		a.env = readEnvelope(h)
	}
	out := Outcome{Kind: KindMail, Action: ActionRejected, Reason: reason, Folder: FolderRejected}
	err := g.opt.Store.Update(ctx, func(tx Tx) error { return g.record(ctx, tx, &a, out, false) })
	if err != nil && !errors.Is(err, ErrDuplicate) {
		return Outcome{}, err
	}
	return out, nil
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// sendTimeout bounds one SMTP transaction.
const sendTimeout = time.Minute

// OutboxOptions tunes the dispatcher.
type OutboxOptions struct {
	// Interval between checks for mails due again (default 5 s).
	Interval time.Duration
	// MaxAttempts before a mail is marked failed (default 30, about three
	// days with the backoff below).
	MaxAttempts int
	// FlushTimeout bounds the last flush at shutdown (default 10 s).
	FlushTimeout time.Duration
	// RetryBase is the first retry delay, doubled at each attempt up to
	// 2 h (default 15 s).
	RetryBase time.Duration
	// Poster posts the rows of ChannelWebhook; without it they fail.
	Poster Poster
	// SendTimeout bounds one delivery (default 1 min). A mail is claimed
	// for one and a half times as long (Lease), renewed every quarter of
	// that while it is sent and marked: an instance that dies while
	// sending leaves it to the others after that.
	SendTimeout time.Duration
	// Batch is how many mails one claim takes (default 16): they are sent
	// one after the other over one connection. While claims come back
	// full (a backlog), each takes twice as many as the last, up to
	// maxClaimGrowth times Batch.
	Batch int
	// MinLease is the shortest lease (default 30 s): the renewals and
	// the "sent" mark of an instance wait for the database's write lock,
	// which on SQLite other instances may hold for seconds in a row on a
	// busy machine; a lease shorter than that wait would let another
	// instance send the mail again.
	MinLease time.Duration
	// MarkRetry is the first pause after a failed "sent" mark, doubled
	// at each failure up to 2 s (default 50 ms): the mark is tried again
	// until it sticks (or FlushTimeout after a shutdown began).
	MarkRetry time.Duration
}

// Lease is how long a claimed mail is kept from other instances: one and
// a half SendTimeout, at least MinLease (OutboxLease with the defaults).
// The sender renews it while it sends and marks; it only runs out when
// the sender died, or could not reach the database for that long.
func (o OutboxOptions) Lease() time.Duration {
	o = o.withDefaults()
	return max(o.SendTimeout+o.SendTimeout/2, o.MinLease)
}

func (o OutboxOptions) withDefaults() OutboxOptions {
	if o.Interval <= 0 {
		o.Interval = 5 * time.Second
	}
	if o.FlushTimeout <= 0 {
		o.FlushTimeout = 10 * time.Second
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 30
	}
	if o.RetryBase <= 0 {
		o.RetryBase = 15 * time.Second
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = sendTimeout
	}
	if o.Batch <= 0 {
		o.Batch = 16
	}
	if o.MinLease <= 0 {
		o.MinLease = 30 * time.Second
	}
	if o.MarkRetry <= 0 {
		o.MarkRetry = 50 * time.Millisecond
	}
	return o
}

// RunOutbox sends queued mails through s until ctx is done, then tries
// once more to send what is due, within FlushTimeout.
func (g *Gateway) RunOutbox(ctx context.Context, s Sender, opt OutboxOptions) error {
	opt = opt.withDefaults()
	t := time.NewTicker(opt.Interval)
	defer t.Stop()
	for {
		if _, err := g.FlushOutbox(ctx, s, opt); err != nil && ctx.Err() == nil {
			g.log.Error("outbox", "err", err)
		}
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), opt.FlushTimeout)
			defer cancel()
			_, err := g.FlushOutbox(fctx, s, opt)
			return err
		case <-g.kick:
		case <-t.C:
		}
	}
}

// FlushOutbox sends every mail that is due, oldest first, and returns how
// many were sent. Mails are claimed in batches (OutboxOptions.Batch), sent one
// after the other; each is marked sent as soon as the server accepted it,
// and the next one is sent once that mark stuck, or at once when the store
// recorded the acceptance apart (Store.OutboxAccepted), so that a crash
// leaves at most one accepted mail unrecorded; the claim is renewed until
// every mark stuck (claimKeeper), so that no other instance sends them
// again. The marks of a batch may still wait (for SQLite's write lock)
// while the next batch is claimed and sent; FlushOutbox returns once
// every mark stuck. At the first temporary failure of the server it
// stops: every mail due waits with the one that failed, and they leave in
// order once it answers again. A failure of one mail only (PerMailError)
// delays that mail alone.
func (g *Gateway) FlushOutbox(ctx context.Context, s Sender, opt OutboxOptions) (int, error) {
	opt = opt.withDefaults()
	sent := 0
	var keepers []*claimKeeper
	defer func() {
		for _, k := range keepers {
			k.finish()
		}
	}()
	limit := opt.Batch
	for {
		// The last batch's mails must be recorded (marked, or in the
		// store's accept record) before another leaves.
		if n := len(keepers); n > 0 && !keepers[n-1].settled(ctx) {
			return sent, nil
		}
		// Keepers whose marks all stuck are done: stop their renewals
		// now rather than at the end of a long flush.
		keepers = slices.DeleteFunc(keepers, func(k *claimKeeper) bool {
			if k.marksPending() {
				return false
			}
			k.finish()
			return true
		})
		due, err := g.opt.Store.ClaimOutbox(ctx, g.opt.Now(), opt.Lease(), limit)
		if err != nil || len(due) == 0 {
			return sent, err
		}
		limit = nextClaimLimit(limit, len(due), opt.Batch)
		k := g.keepClaim(ctx, due, opt)
		keepers = append(keepers, k)
		n, more, err := g.sendBatch(ctx, s, due, opt, k)
		k.sendingDone()
		sent += n
		if err != nil || !more {
			return sent, err
		}
	}
}

// maxClaimGrowth bounds how far a claim grows during a backlog, as a
// multiple of OutboxOptions.Batch.
const maxClaimGrowth = 16

// nextClaimLimit is how many mails the next claim takes after one of
// limit that took n: twice as many when it came back full, else Batch.
// During a backlog on SQLite a claim needs the single writer, which the
// decisions take back group after group: with claims of a fixed 16 the
// outbox sent 16 replies for every 32 decided, and fell behind. A claim
// is one transaction whatever its size, and the mails it holds are
// renewed while they are sent; an instance that dies holding them leaves
// them to the others (their holder is gone).
func nextClaimLimit(limit, n, batch int) int {
	if n < limit {
		return batch
	}
	return min(limit*2, batch*maxClaimGrowth)
}

// sendBatch sends the mails of one claim, kept by k. It reports whether
// to go on with the next claim: not after a temporary failure of the
// server, nor once ctx is done. The claim's marks may still be under way
// when it returns (k.finish waits for them).
func (g *Gateway) sendBatch(ctx context.Context, s Sender, due []OutboxMail, opt OutboxOptions, k *claimKeeper) (sent int, more bool, err error) {
	for i, m := range due {
		if !k.settled(ctx) || ctx.Err() != nil {
			return sent, false, k.release(ctx, due[i:], g.opt.Now())
		}
		if !k.mayStart(ctx, m.ID, opt.SendTimeout) {
			g.log.Warn("outbox mail left to another instance: its claim was taken over or could not be renewed",
				"outbox_id", m.ID, "uid", m.UID)
			continue
		}
		delivered, retryAt, err := g.sendOne(ctx, s, m, opt, k)
		if delivered {
			sent++
		}
		if err != nil {
			return sent, false, errors.Join(err, k.release(ctx, due[i+1:], g.opt.Now()))
		}
		if !retryAt.IsZero() {
			// Every mail due before the retry waits for it, also one
			// that failed earlier with a shorter delay: they leave
			// together, oldest first.
			err := k.release(ctx, due[i+1:], retryAt)
			return sent, false, errors.Join(err, g.opt.Store.OutboxPostpone(context.WithoutCancel(ctx), ChannelMail, retryAt, retryAt))
		}
	}
	return sent, true, nil
}

// OutboxLease is how long a claimed mail is kept from other instances
// with the default SendTimeout: longer than one delivery may last. An
// instance that dies with a claim leaves the mail to the others when the
// lease ends; a live one renews it.
const OutboxLease = sendTimeout + sendTimeout/2

// sendOne sends one mail and has it marked sent (k), or records the
// failure. After a temporary failure it returns when the mail is due
// again: the next mails would most likely fail too, and wait with it. An
// error means the failure could not be recorded.
func (g *Gateway) sendOne(ctx context.Context, s Sender, m OutboxMail, opt OutboxOptions, k *claimKeeper) (delivered bool, retryAt time.Time, err error) {
	// A send under way is not cut by a shutdown: a mail the server accepted
	// but that is not marked sent would be sent again after a restart.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), opt.SendTimeout)
	serr := g.deliver(sctx, s, m, opt)
	cancel()
	if serr == nil {
		recorded := g.recordAccepted(ctx, m)
		k.sent(m.ID, recorded)
		if !recorded {
			// Without the store's accept record, the mail is recorded
			// once its mark sticks, which the next mail waits for
			// anyway (settled). So does this line: "mail sent" means
			// sent and recorded, and a mail sent again after a crash
			// was logged by its resend alone.
			k.settled(ctx)
		}
		g.log.Info("mail sent", "outbox_id", m.ID, "uid", m.UID, "to", m.To, "message_id", m.MessageID)
		return true, time.Time{}, nil
	}
	k.drop(m.ID)
	var pe PermanentError
	permanent := (errors.As(serr, &pe) && pe.Permanent()) || m.Attempts+1 >= opt.MaxAttempts
	next := g.opt.Now().Add(retryDelay(opt.RetryBase, m.Attempts+1)).UTC()
	g.log.Warn("mail not sent", "outbox_id", m.ID, "uid", m.UID, "to", m.To, "attempt", m.Attempts+1,
		"permanent", permanent, "next_attempt", next, "err", serr)
	err = g.opt.Store.OutboxRetry(context.WithoutCancel(ctx), m.ID, next, serr.Error(), permanent)
	var pm PerMailError
	perMail := errors.As(serr, &pm) && pm.PerMail()
	if permanent || perMail || m.Channel == ChannelWebhook { // a chat that is down holds no mail back
		return false, time.Time{}, err
	}
	return false, next, err
}

// recordAccepted records at once that the server accepted m, where the
// store keeps such a record apart from its "sent" marks (SQLite: a line
// in a file beside the database, written without waiting for the write
// lock a group of decisions may hold). It reports whether m is recorded;
// if not, the mark alone records it and the sender waits for the mark.
func (g *Gateway) recordAccepted(ctx context.Context, m OutboxMail) bool {
	ok, err := g.opt.Store.OutboxAccepted(context.WithoutCancel(ctx), AcceptedMail{ID: m.ID, MessageID: m.MessageID})
	if err != nil {
		g.log.Warn("recording a mail the server accepted failed; its mark alone will record it", "outbox_id", m.ID, "err", err)
	}
	return ok && err == nil
}

// retryDelay is an exponential backoff from base to 2 h, with jitter.
func retryDelay(base time.Duration, attempt int) time.Duration {
	d := base << min(attempt-1, 9)
	d = min(d, 2*time.Hour)
	return d + time.Duration(rand.Int64N(int64(d/5)+1))
}
