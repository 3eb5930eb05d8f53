package mailbox

import (
	"context"
	"log/slog"
	"time"
)

// Lease is the right to read the mailbox, held by one instance at a time
// among those sharing a database (db.Lease implements it). Its methods
// are called from one goroutine.
type Lease interface {
	// Acquire tries once to take the lease and reports whether it is
	// held now; it does not wait for another holder.
	Acquire(ctx context.Context) (bool, error)
	// Check reports whether the lease is still held (nil) or lost.
	Check(ctx context.Context) error
	// Release gives the lease up.
	Release()
}

// checkTimeout is the least a lease check waits for its answer.
const checkTimeout = 10 * time.Second

// LeaseOptions configure RunLeased. Lease and Run are required.
type LeaseOptions struct {
	Lease Lease
	// Run reads the mailbox until its context is done.
	Run func(ctx context.Context) error
	// Retry is how often an instance standing by tries to take the lease,
	// and so how long, at most, the mailbox goes unread once its holder
	// died (5 s when zero).
	Retry time.Duration
	// Check is how often the holder checks that it still holds the lease
	// (5 s when zero). Each check waits for an answer at most
	// checkTimeout or Check, the longer: a slow answer on a loaded machine
	// is not a lost lease. A holder cut off thus stops reading within
	// Check plus that.
	Check time.Duration
	// OnChange, when set, is called with true when this instance takes
	// the lease and with false when it stands by (also at the start).
	OnChange func(held bool)
	Logger   *slog.Logger
}

// RunLeased runs opt.Run while this instance holds opt.Lease, until ctx
// is done: it stands by (trying the lease every Retry) while another
// instance holds it, and stops opt.Run as soon as a check finds the lease
// lost. It returns Run's error when Run ends by itself, nil when ctx ends.
func RunLeased(ctx context.Context, opt LeaseOptions) error {
	opt = opt.withDefaults()
	r := leaseRun{opt: opt, log: opt.Logger}
	defer opt.Lease.Release()
	for ctx.Err() == nil {
		held, err := opt.Lease.Acquire(ctx)
		if err != nil && ctx.Err() == nil {
			r.log.Warn("the mailbox lease could not be tried; trying again", "delay", opt.Retry, "err", err)
		}
		if !held {
			r.standBy()
			sleep(ctx, opt.Retry)
			continue
		}
		r.take()
		if err := r.hold(ctx); err != nil {
			return err
		}
	}
	return nil
}

// leaseRun is the state of one RunLeased.
type leaseRun struct {
	opt LeaseOptions
	log *slog.Logger
	// state: 0 at the start, 1 holding, 2 standing by.
	state int
}

// standBy reports, once per change, that another instance reads.
func (r *leaseRun) standBy() {
	if r.state == 2 {
		return
	}
	r.state = 2
	r.log.Info("standing by: another instance reads the mailbox; this one sends, serves and runs the rest",
		"retry", r.opt.Retry)
	if r.opt.OnChange != nil {
		r.opt.OnChange(false)
	}
}

// take reports that this instance reads the mailbox now.
func (r *leaseRun) take() {
	if r.state == 2 {
		r.log.Info("took over the mailbox: the instance that read it stopped or lost its lease")
	} else {
		r.log.Info("reading the mailbox: this instance holds its lease")
	}
	r.state = 1
	if r.opt.OnChange != nil {
		r.opt.OnChange(true)
	}
}

// hold runs Run while the lease holds. It returns Run's error when Run
// ended by itself before ctx, nil when ctx ended or the lease was lost.
func (r *leaseRun) hold(ctx context.Context) error {
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- r.opt.Run(rctx) }()
	t := time.NewTicker(r.opt.Check)
	defer t.Stop()
	for {
		select {
		case err := <-done:
			if ctx.Err() != nil {
				return nil
			}
			return err
		case <-t.C:
			cctx, ccancel := context.WithTimeout(ctx, max(r.opt.Check, checkTimeout))
			err := r.opt.Lease.Check(cctx)
			ccancel()
			if err == nil || ctx.Err() != nil {
				continue
			}
			r.log.Warn("lost the mailbox lease: stopping reading it", "err", err)
			cancel()
			<-done
			r.opt.Lease.Release()
			r.state = 0
			return nil
		}
	}
}

func (o LeaseOptions) withDefaults() LeaseOptions {
	if o.Retry <= 0 {
		o.Retry = 5 * time.Second
	}
	if o.Check <= 0 {
		o.Check = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}
