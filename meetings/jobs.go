package meetings

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"
)

// Kinds of jobs, one of each at most per booking.
const (
	JobSync       = "sync"       // create, update or delete the booking's meeting
	JobRelease    = "release"    // free the booking if its meeting has not started
	JobRecordings = "recordings" // copy its cloud recordings, mail them, trash them
	JobAttendance = "attendance" // mail the participants report
)

// Job states.
const (
	JobPending = "pending"
	JobDone    = "done"
	JobFailed  = "failed"
)

// Job is one row of the layer's durable queue: work of one kind for one
// booking.
type Job struct {
	ID          int64
	BookingID   int64
	Kind        string
	Status      string
	Version     int // grows each time the job is queued again
	Attempts    int
	NextAttempt time.Time
	LastError   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// Claim is the token of the claim that returned the job (ClaimJobs),
	// for RenewJob.
	Claim int64
}

// JobQueue is the queue as the runner uses it, outside decisions. The db
// package's Store implements it.
type JobQueue interface {
	// ClaimJobs returns up to limit pending jobs of the kinds given that
	// are due at now, and leases them until now+lease, with a new claim
	// token (Job.Claim).
	ClaimJobs(ctx context.Context, now time.Time, lease time.Duration, limit int, kinds ...string) ([]Job, error)
	// RenewJob moves the lease of the job to until if the claim still
	// holds it, and reports whether it does (false once the run finished,
	// or another runner took the job after the lease ended).
	RenewJob(ctx context.Context, id, claim int64, until time.Time) (bool, error)
	// RetryJob records a failed attempt of job version version:
	// Attempts+1, NextAttempt=next, LastError=errText, and Status failed
	// when permanent. A job queued again since (another version) is left
	// as it is.
	RetryJob(ctx context.Context, id int64, version int, next time.Time, errText string, permanent bool) error
}

// Later is returned by a job that is not due yet, or must wait for the
// provider (a recording still processing): it runs again At, without
// counting as a failure.
type Later struct {
	At  time.Time
	Why string
}

func (l *Later) Error() string { return "later: " + l.Why }

// Handler runs one job; it marks the job done itself (in the
// transaction that records what it did), or returns an error.
type Handler func(ctx context.Context, j Job) error

// MaxRetryDelay bounds the wait between two attempts of a job, unless the
// provider asked for longer (RetryAfter).
const MaxRetryDelay = 30 * time.Minute

// Runner claims the due jobs of its kinds, one at a time, each under a
// lease of its own (Lease.Keep), runs it with the handler of its kind, and
// records a failure for a later attempt. Queue, Handlers, Now and Log are
// required.
type Runner struct {
	Queue    JobQueue
	Handlers map[string]Handler // by kind
	Now      func() time.Time
	Log      *slog.Logger
	// Failed is told of every failed run, before it is recorded (an
	// alert on a provider's daily limit); nil: nothing.
	Failed func(ctx context.Context, j Job, err error)
	// Count counts one run of a job: result is "done", "retry",
	// "failed" or "later"; nil: nothing.
	Count func(kind, result string)
}

// RunDue runs every job of the kinds given due now, each under a lease of
// l.Length bounded by l.Deadline(), and returns how many ran. An error is
// one the queue returned.
func (r Runner) RunDue(ctx context.Context, l Lease, kinds ...string) (int, error) {
	n := 0
	for ctx.Err() == nil {
		jobs, err := r.Queue.ClaimJobs(ctx, r.Now(), l.Length, 1, kinds...)
		if err != nil || len(jobs) == 0 {
			return n, err
		}
		for _, j := range jobs {
			if err := r.run(ctx, j, l); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// run runs one job and records a failure; an error means the failure
// itself could not be recorded.
func (r Runner) run(ctx context.Context, j Job, l Lease) error {
	l.Now = r.Now
	l.Renew = func(ctx context.Context, until time.Time) (bool, error) {
		return r.Queue.RenewJob(ctx, j.ID, j.Claim, until)
	}
	l.Warn = func(err error) {
		r.Log.Warn("renewing a meeting job's lease failed; trying again", "kind", j.Kind, "booking_id", j.BookingID, "err", err)
	}
	jctx, cancel := context.WithTimeout(ctx, l.Deadline())
	lost, kept := l.Keep(jctx, cancel)
	err := r.dispatch(jctx, j)
	cancel()
	<-kept
	if err == nil {
		r.count(j.Kind, "done")
		return nil
	}
	if lost() {
		r.Log.Warn("meeting job stopped: its lease could not be kept, another runner may run it", "kind", j.Kind,
			"booking_id", j.BookingID, "err", err)
		return nil
	}
	return r.record(context.WithoutCancel(ctx), j, err)
}

// dispatch runs j with the handler of its kind.
func (r Runner) dispatch(ctx context.Context, j Job) error {
	h := r.Handlers[j.Kind]
	if h == nil {
		return permanentError(fmt.Sprintf("no handler for meeting job kind %q", j.Kind))
	}
	return h(ctx, j)
}

// record records the failed run of j for the next attempt.
func (r Runner) record(ctx context.Context, j Job, err error) error {
	var later *Later
	if errors.As(err, &later) {
		r.count(j.Kind, "later")
		r.Log.Debug("meeting job postponed", "kind", j.Kind, "booking_id", j.BookingID, "until", later.At, "why", later.Why)
		return r.Queue.RetryJob(ctx, j.ID, j.Version, later.At, later.Why, false)
	}
	if r.Failed != nil {
		r.Failed(ctx, j, err)
	}
	permanent := Permanent(err)
	next := r.Now().Add(RetryDelay(err, j.Attempts+1)).UTC()
	result := "retry"
	if permanent {
		result = "failed"
	}
	r.count(j.Kind, result)
	r.Log.Warn("meeting job failed", "kind", j.Kind, "booking_id", j.BookingID, "attempt", j.Attempts+1,
		"permanent", permanent, "next_attempt", next, "err", err)
	return r.Queue.RetryJob(ctx, j.ID, j.Version, next, err.Error(), permanent)
}

func (r Runner) count(kind, result string) {
	if r.Count != nil {
		r.Count(kind, result)
	}
}

// Permanent reports whether trying again cannot help: the error says it
// is permanent (a refused request, a missing scope), and is not a
// meeting that does not exist (which the next attempt handles).
func Permanent(err error) bool {
	var pe interface{ Permanent() bool }
	return errors.As(err, &pe) && pe.Permanent() && !errors.Is(err, ErrNotFound)
}

// RetryDelay is the wait before attempt n+1: what the provider asked (a
// rate or daily limit), else an exponential backoff from 10 s to
// MaxRetryDelay, with jitter.
func RetryDelay(err error, attempt int) time.Duration {
	var ra RetryAfter
	if errors.As(err, &ra) && ra.RetryAfter() > 0 {
		return ra.RetryAfter()
	}
	d := 10 * time.Second << min(attempt-1, 9)
	d += time.Duration(rand.Int64N(int64(d/5) + 1))
	return min(d, MaxRetryDelay)
}

// permanentError is a job's error that no attempt will cure.
type permanentError string

func (e permanentError) Error() string   { return string(e) }
func (e permanentError) Permanent() bool { return true }

// ErrNotCapable is a job's permanent error when the provider lacks what the
// job needs (a job queued before the feature was switched off).
type ErrNotCapable string

func (e ErrNotCapable) Error() string   { return "the meeting provider cannot " + string(e) }
func (e ErrNotCapable) Permanent() bool { return true }
