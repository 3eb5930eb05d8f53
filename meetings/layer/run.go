package layer

import (
	"context"
	"sync"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/meetings"
)

// Leases of the job runner: each job is claimed alone, under a lease of
// its own (Options.JobLease, 20 s by default) renewed every quarter
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

// Run runs Zoom API mode until ctx is done: the jobs (as soon as a
// decision queued one, and every JobInterval), the copies of recordings
// beside them, and the watch of live meetings every PollInterval. It does
// nothing when the mode is off.
func (l *Layer) Run(ctx context.Context) error {
	if l == nil {
		return nil
	}
	z := l.opt
	var wg sync.WaitGroup
	loop := func(name string, every time.Duration, kick <-chan struct{}, once func(context.Context) error) {
		w := meetings.Worker{Name: name, Every: every, Kick: kick, Once: once, Log: l.log}
		wg.Go(func() { w.Run(ctx) })
	}
	loop("zoom jobs", z.JobInterval, l.kick, func(ctx context.Context) error {
		_, err := l.JobsOnce(ctx)
		return err
	})
	loop("zoom recordings", z.JobInterval, nil, func(ctx context.Context) error {
		_, err := l.RecordingsOnce(ctx)
		return err
	})
	loop("zoom watch", z.PollInterval, nil, l.WatchOnce)
	wg.Wait()
	return nil
}

// JobsOnce runs every sync, release and attendance job due now and
// returns how many ran.
func (l *Layer) JobsOnce(ctx context.Context) (int, error) {
	if l == nil {
		return 0, nil
	}
	return l.runner.RunDue(ctx, meetings.Lease{Length: l.opt.JobLease}, zoomShortKinds...)
}

// RecordingsOnce runs every recordings job due now.
func (l *Layer) RecordingsOnce(ctx context.Context) (int, error) {
	if l == nil {
		return 0, nil
	}
	return l.runner.RunDue(ctx, meetings.Lease{Length: zoomLongLease, Run: zoomLongDeadline}, meetings.JobRecordings)
}

// zoomRunner is the job runner of Zoom API mode: a handler per kind of
// job, the daily limit's alert on failures.
func (l *Layer) zoomRunner() meetings.Runner {
	z := l.opt
	h := map[string]meetings.Handler{meetings.JobSync: l.zoomSync, meetings.JobRelease: l.zoomRelease}
	if l.caps.Rec != nil {
		h[meetings.JobRecordings] = l.zoomRecordings
	} else {
		h[meetings.JobRecordings] = notCapable("copy recordings")
	}
	if l.caps.Att != nil {
		h[meetings.JobAttendance] = l.zoomAttendance
	} else {
		h[meetings.JobAttendance] = notCapable("report attendance")
	}
	return meetings.Runner{Queue: z.Store, Handlers: h, Now: l.now, Log: l.log, Count: z.Metrics.ZoomJob,
		Failed: func(ctx context.Context, _ meetings.Job, err error) {
			if aerr := l.zoomDailyLimit(ctx, err); aerr != nil {
				l.log.Error("zoom: could not queue the daily limit alert", "err", aerr)
			}
		}}
}

// notCapable is the handler of a kind of job the provider cannot run.
func notCapable(what string) meetings.Handler {
	return func(context.Context, meetings.Job) error { return meetings.ErrNotCapable(what) }
}

// zoomFinish marks a job done in a transaction of its own.
func (l *Layer) zoomFinish(ctx context.Context, j meetings.Job) error {
	return l.store.Update(ctx, func(tx gateway.Tx) error {
		ztx, err := meetingTx(tx)
		if err != nil {
			return err
		}
		_, err = ztx.FinishJob(ctx, j.ID, j.Version, l.now().UTC())
		return err
	})
}
