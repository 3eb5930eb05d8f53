package gateway

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"codeberg.org/opteos/roomgate/meetings"
)

// Leases of the job runner: each job is claimed alone, under a lease of
// its own (ZoomOptions.JobLease, 20 s by default) renewed every quarter
// of it while the job runs (meetings.Lease.Keep); a run's context ends at
// three quarters of its lease, and at once when the lease could not be
// renewed in time or another runner took the job over, so that no two
// runners ever run one job. Recordings get a long lease: a copy may take
// a while (170 minutes of a 3-hour lease).
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
		w := meetings.Worker{Name: name, Every: every, Kick: kick, Once: once, Log: g.log}
		wg.Go(func() { w.Run(ctx) })
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

// ZoomJobsOnce runs every sync, release and attendance job due now and
// returns how many ran.
func (g *Gateway) ZoomJobsOnce(ctx context.Context) (int, error) {
	if g.zoom == nil {
		return 0, nil
	}
	return g.zoomJobs(ctx, meetings.Lease{Length: g.zoom.opt.JobLease}, zoomShortKinds...)
}

// ZoomRecordingsOnce runs every recordings job due now.
func (g *Gateway) ZoomRecordingsOnce(ctx context.Context) (int, error) {
	return g.zoomJobs(ctx, meetings.Lease{Length: zoomLongLease, Run: zoomLongDeadline}, ZoomJobRecordings)
}

func (g *Gateway) zoomJobs(ctx context.Context, lease meetings.Lease, kinds ...string) (int, error) {
	if g.zoom == nil {
		return 0, nil
	}
	n := 0
	for ctx.Err() == nil {
		jobs, err := g.zoom.opt.Store.ClaimZoomJobs(ctx, g.opt.Now(), lease.Length, zoomJobsPerClaim, kinds...)
		if err != nil || len(jobs) == 0 {
			return n, err
		}
		for _, j := range jobs {
			if err := g.runZoomJob(ctx, j, lease); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// runZoomJob runs one job and records a failure; an error means the
// failure itself could not be recorded.
func (g *Gateway) runZoomJob(ctx context.Context, j ZoomJob, l meetings.Lease) error {
	l.Now = g.opt.Now
	l.Renew = func(ctx context.Context, until time.Time) (bool, error) {
		return g.zoom.opt.Store.RenewZoomJob(ctx, j.ID, j.Claim, until)
	}
	l.Warn = func(err error) {
		g.log.Warn("renewing a zoom job's lease failed; trying again", "kind", j.Kind, "booking_id", j.BookingID, "err", err)
	}
	jctx, cancel := context.WithTimeout(ctx, l.Deadline())
	lost, kept := l.Keep(jctx, cancel)
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
