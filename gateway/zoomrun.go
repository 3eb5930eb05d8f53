package gateway

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// Leases of the job runner: each job is claimed alone, under a lease of
// its own (ZoomOptions.JobLease, 20 s by default) renewed every quarter
// of it while the job runs (keepZoomJob); a run's context ends at three
// quarters of its lease (zoomDeadline), and at once when the lease could
// not be renewed in time or another runner took the job over, so that
// no two runners ever run one job. Recordings get a long lease: a copy
// may take a while.
const (
	zoomLease         = 20 * time.Second
	zoomLongLease     = 3 * time.Hour
	zoomLongDeadline  = 170 * time.Minute
	zoomJobsPerClaim  = 1
	zoomMaxRetryDelay = 30 * time.Minute
)

// zoomShortKinds are the jobs that only call the API.
var zoomShortKinds = []string{ZoomJobSync, ZoomJobRelease, ZoomJobAttendance}

// zoomLater is returned by a job that is not due yet, or must wait for
// Zoom (a recording still processing): it runs again at `at`, without
// counting as a failure.
type zoomLater struct {
	at  time.Time
	why string
}

func (l *zoomLater) Error() string { return "later: " + l.why }

// RunZoom runs Zoom API mode until ctx is done: the jobs (as soon as a
// decision queued one, and every JobInterval), the copies of recordings
// beside them, and the watch of live meetings every PollInterval. It does
// nothing when the mode is off.
func (g *Gateway) RunZoom(ctx context.Context) error {
	if g.zoom == nil {
		return nil
	}
	z := g.zoom.opt
	var wg sync.WaitGroup
	loop := func(name string, every time.Duration, kick <-chan struct{}, once func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g.zoomLoop(ctx, name, every, kick, once)
		}()
	}
	loop("zoom jobs", z.JobInterval, g.zoom.kick, func(ctx context.Context) error {
		_, err := g.ZoomJobsOnce(ctx)
		return err
	})
	loop("zoom recordings", z.JobInterval, nil, func(ctx context.Context) error {
		_, err := g.ZoomRecordingsOnce(ctx)
		return err
	})
	loop("zoom watch", z.PollInterval, nil, g.ZoomWatchOnce)
	wg.Wait()
	return nil
}

// zoomLoop calls once every `every` (and when kicked) until ctx is done,
// logging errors and recovering panics.
func (g *Gateway) zoomLoop(ctx context.Context, name string, every time.Duration, kick <-chan struct{}, once func(context.Context) error) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		func() {
			defer func() {
				if r := recover(); r != nil {
					g.log.Error("panic in "+name, "panic", r, "stack", string(debug.Stack()))
				}
			}()
			if err := once(ctx); err != nil && ctx.Err() == nil {
				g.log.Error(name, "err", err)
			}
		}()
		select {
		case <-ctx.Done():
			return
		case <-kick:
		case <-t.C:
		}
	}
}

// ZoomJobsOnce runs every sync, release and attendance job due now and
// returns how many ran.
func (g *Gateway) ZoomJobsOnce(ctx context.Context) (int, error) {
	if g.zoom == nil {
		return 0, nil
	}
	lease := g.zoom.opt.JobLease
	return g.zoomJobs(ctx, lease, zoomDeadline(lease), zoomShortKinds...)
}

// zoomDeadline is how long a job under lease may run: a quarter of the
// lease is left as margin, so that a run always ends before its lease
// (at 20 s, a 15 s run).
func zoomDeadline(lease time.Duration) time.Duration { return lease * 3 / 4 }

// ZoomRecordingsOnce runs every recordings job due now.
func (g *Gateway) ZoomRecordingsOnce(ctx context.Context) (int, error) {
	return g.zoomJobs(ctx, zoomLongLease, zoomLongDeadline, ZoomJobRecordings)
}

func (g *Gateway) zoomJobs(ctx context.Context, lease, deadline time.Duration, kinds ...string) (int, error) {
	if g.zoom == nil {
		return 0, nil
	}
	n := 0
	for ctx.Err() == nil {
		jobs, err := g.zoom.opt.Store.ClaimZoomJobs(ctx, g.opt.Now(), lease, zoomJobsPerClaim, kinds...)
		if err != nil || len(jobs) == 0 {
			return n, err
		}
		for _, j := range jobs {
			if err := g.runZoomJob(ctx, j, lease, deadline); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// runZoomJob runs one job and records a failure; an error means the
// failure itself could not be recorded.
func (g *Gateway) runZoomJob(ctx context.Context, j ZoomJob, lease, deadline time.Duration) error {
	jctx, cancel := context.WithTimeout(ctx, deadline)
	lost, kept := g.keepZoomJob(jctx, cancel, j, lease)
	err := g.zoomJob(jctx, j)
	cancel()
	<-kept
	z := g.zoom.opt
	if err == nil {
		z.Metrics.ZoomJob(j.Kind, "done")
		return nil
	}
	if lost() {
		g.log.Warn("zoom job stopped: its lease could not be kept, another runner may run it", "kind", j.Kind,
			"booking_id", j.BookingID, "err", err)
		return nil
	}
	var later *zoomLater
	if errors.As(err, &later) {
		z.Metrics.ZoomJob(j.Kind, "later")
		g.log.Debug("zoom job postponed", "kind", j.Kind, "booking_id", j.BookingID, "until", later.at, "why", later.why)
		return z.Store.RetryZoomJob(context.WithoutCancel(ctx), j.ID, j.Version, later.at, later.why, false)
	}
	if aerr := g.zoomDailyLimit(context.WithoutCancel(ctx), err); aerr != nil {
		g.log.Error("zoom: could not queue the daily limit alert", "err", aerr)
	}
	permanent := zoomPermanent(err)
	next := g.opt.Now().Add(zoomRetryDelay(err, j.Attempts+1)).UTC()
	result := "retry"
	if permanent {
		result = "failed"
	}
	z.Metrics.ZoomJob(j.Kind, result)
	g.log.Warn("zoom job failed", "kind", j.Kind, "booking_id", j.BookingID, "attempt", j.Attempts+1,
		"permanent", permanent, "next_attempt", next, "err", err)
	return z.Store.RetryZoomJob(context.WithoutCancel(ctx), j.ID, j.Version, next, err.Error(), permanent)
}

// zoomJob dispatches on the kind of job.
func (g *Gateway) zoomJob(ctx context.Context, j ZoomJob) error {
	switch j.Kind {
	case ZoomJobSync:
		return g.zoomSync(ctx, j)
	case ZoomJobRelease:
		return g.zoomRelease(ctx, j)
	case ZoomJobRecordings:
		if g.zoom.caps.rec == nil {
			return errNotCapable("copy recordings")
		}
		return g.zoomRecordings(ctx, j)
	case ZoomJobAttendance:
		if g.zoom.caps.att == nil {
			return errNotCapable("report attendance")
		}
		return g.zoomAttendance(ctx, j)
	}
	return fmt.Errorf("unknown zoom job kind %q", j.Kind)
}

// zoomPermanent reports whether trying again cannot help (a refused
// request, a missing scope).
func zoomPermanent(err error) bool {
	var pe PermanentError
	return errors.As(err, &pe) && pe.Permanent() && !errors.Is(err, ErrZoomNotFound)
}

// zoomRetryDelay is the wait before attempt n+1: what Zoom asked (a rate
// or daily limit), else an exponential backoff from 10 s to 30 minutes.
func zoomRetryDelay(err error, attempt int) time.Duration {
	var ra ZoomRetryAfter
	if errors.As(err, &ra) && ra.RetryAfter() > 0 {
		return ra.RetryAfter()
	}
	return min(retryDelay(10*time.Second, attempt), zoomMaxRetryDelay)
}

// zoomFinish marks a job done in a transaction of its own.
func (g *Gateway) zoomFinish(ctx context.Context, j ZoomJob) error {
	return g.opt.Store.Update(ctx, func(tx Tx) error {
		ztx, err := meetingTx(tx)
		if err != nil {
			return err
		}
		_, err = ztx.FinishZoomJob(ctx, j.ID, j.Version, g.opt.Now().UTC())
		return err
	})
}

// keepZoomJob renews the lease of a running job every quarter of it
// until ctx is done. When the claim was taken over, or the lease would
// end before the next renewal, it stops the run (stop) and lost reports
// true. kept is closed when it is over.
func (g *Gateway) keepZoomJob(ctx context.Context, stop context.CancelFunc, j ZoomJob, lease time.Duration) (lost func() bool, kept <-chan struct{}) {
	var gone atomic.Bool
	done := make(chan struct{})
	every := lease / 4
	until := g.opt.Now().Add(lease)
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
			now := g.opt.Now()
			held, err := g.zoom.opt.Store.RenewZoomJob(ctx, j.ID, j.Claim, now.Add(lease))
			switch {
			case err == nil && held:
				until = now.Add(lease)
				continue
			case err != nil && ctx.Err() != nil:
				return
			case err != nil && now.Add(2*every).Before(until):
				g.log.Warn("renewing a zoom job's lease failed; trying again", "kind", j.Kind, "booking_id", j.BookingID, "err", err)
				continue
			}
			gone.Store(true)
			stop()
			return
		}
	}()
	return gone.Load, done
}
