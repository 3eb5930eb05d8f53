package meetings

import (
	"context"
	"log/slog"
	"runtime/debug"
	"sync/atomic"
	"time"
)

// Worker runs one kind of work (a kind of job, the live watch) over and
// over: Once every Every, and at once when Kick receives, until the
// context ends. An error is logged; a panic is recovered and logged, and
// the worker goes on.
type Worker struct {
	Name  string
	Every time.Duration
	Kick  <-chan struct{} // nil: no wake-up but the period
	Once  func(context.Context) error
	Log   *slog.Logger
}

// Run runs the worker until ctx is done.
func (w Worker) Run(ctx context.Context) {
	t := time.NewTicker(w.Every)
	defer t.Stop()
	for {
		w.once(ctx)
		select {
		case <-ctx.Done():
			return
		case <-w.Kick:
		case <-t.C:
		}
	}
}

func (w Worker) once(ctx context.Context) {
	defer func() {
		if r := recover(); r != nil {
			w.Log.Error("panic in "+w.Name, "panic", r, "stack", string(debug.Stack()))
		}
	}()
	if err := w.Once(ctx); err != nil && ctx.Err() == nil {
		w.Log.Error(w.Name, "err", err)
	}
}

// Lease is the lease of one claimed job, kept while the job runs so that
// no other runner takes it: renewed every quarter of Length, from Now.
type Lease struct {
	Length time.Duration
	// Run bounds the job's run: three quarters of Length when 0, so that
	// a run always ends before its lease.
	Run time.Duration
	Now func() time.Time
	// Renew moves the lease to until, and reports whether the claim
	// still holds the job.
	Renew func(ctx context.Context, until time.Time) (held bool, err error)
	// Warn is told of a renewal that failed but may be tried again.
	Warn func(err error)
}

// Deadline is how long a job under the lease may run: Run, else three
// quarters of the lease, a quarter left as margin (a 20 s lease, a 15 s
// run).
func (l Lease) Deadline() time.Duration {
	if l.Run > 0 {
		return l.Run
	}
	return l.Length * 3 / 4
}

// Keep renews the lease until ctx is done. When the claim was taken over,
// or the lease would end before the next renewal, it stops the run (stop)
// and lost reports true. kept is closed when it is over.
func (l Lease) Keep(ctx context.Context, stop context.CancelFunc) (lost func() bool, kept <-chan struct{}) {
	var gone atomic.Bool
	done := make(chan struct{})
	every := l.Length / 4
	until := l.Now().Add(l.Length)
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			now := l.Now()
			held, err := l.Renew(ctx, now.Add(l.Length))
			switch {
			case err == nil && held:
				until = now.Add(l.Length)
				continue
			case err != nil && ctx.Err() != nil:
				return
			case err != nil && now.Add(2*every).Before(until):
				l.Warn(err)
				continue
			}
			gone.Store(true)
			stop()
			return
		}
	}()
	return gone.Load, done
}
