package gateway

import (
	"context"
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
	zoomLease        = 20 * time.Second
	zoomLongLease    = 3 * time.Hour
	zoomLongDeadline = 170 * time.Minute
)

// zoomShortKinds are the jobs that only call the API.
var zoomShortKinds = []string{meetings.JobSync, meetings.JobRelease, meetings.JobAttendance}

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
	return g.zoom.runner.RunDue(ctx, meetings.Lease{Length: g.zoom.opt.JobLease}, zoomShortKinds...)
}

// ZoomRecordingsOnce runs every recordings job due now.
func (g *Gateway) ZoomRecordingsOnce(ctx context.Context) (int, error) {
	if g.zoom == nil {
		return 0, nil
	}
	return g.zoom.runner.RunDue(ctx, meetings.Lease{Length: zoomLongLease, Run: zoomLongDeadline}, meetings.JobRecordings)
}

// zoomRunner is the job runner of Zoom API mode: a handler per kind of
// job, the daily limit's alert on failures.
func (g *Gateway) zoomRunner() meetings.Runner {
	z := g.zoom.opt
	h := map[string]meetings.Handler{meetings.JobSync: g.zoomSync, meetings.JobRelease: g.zoomRelease}
	if g.zoom.caps.Rec != nil {
		h[meetings.JobRecordings] = g.zoomRecordings
	} else {
		h[meetings.JobRecordings] = notCapable("copy recordings")
	}
	if g.zoom.caps.Att != nil {
		h[meetings.JobAttendance] = g.zoomAttendance
	} else {
		h[meetings.JobAttendance] = notCapable("report attendance")
	}
	return meetings.Runner{Queue: z.Store, Handlers: h, Now: g.opt.Now, Log: g.log, Count: z.Metrics.ZoomJob,
		Failed: func(ctx context.Context, _ meetings.Job, err error) {
			if aerr := g.zoomDailyLimit(ctx, err); aerr != nil {
				g.log.Error("zoom: could not queue the daily limit alert", "err", aerr)
			}
		}}
}

// notCapable is the handler of a kind of job the provider cannot run.
func notCapable(what string) meetings.Handler {
	return func(context.Context, meetings.Job) error { return meetings.ErrNotCapable(what) }
}

// zoomFinish marks a job done in a transaction of its own.
func (g *Gateway) zoomFinish(ctx context.Context, j meetings.Job) error {
	return g.opt.Store.Update(ctx, func(tx Tx) error {
		ztx, err := meetingTx(tx)
		if err != nil {
			return err
		}
		_, err = ztx.FinishJob(ctx, j.ID, j.Version, g.opt.Now().UTC())
		return err
	})
}
