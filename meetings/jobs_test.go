package meetings

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"
)

type waitErr struct{ d time.Duration }

func (e waitErr) Error() string             { return "wait" }
func (e waitErr) RetryAfter() time.Duration { return e.d }

type refused struct{}

func (refused) Error() string   { return "400 refused" }
func (refused) Permanent() bool { return true }

func TestRetryDelay(t *testing.T) {
	if d := RetryDelay(waitErr{7 * time.Hour}, 1); d != 7*time.Hour {
		t.Errorf("a daily limit waits %s, want 7h", d)
	}
	if d := RetryDelay(errors.New("503"), 1); d < 10*time.Second || d > 12*time.Second {
		t.Errorf("first retry after %s, want 10-12 s", d)
	}
	if d := RetryDelay(errors.New("503"), 30); d != MaxRetryDelay {
		t.Errorf("late retry after %s, want %s", d, MaxRetryDelay)
	}
}

func TestPermanent(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"refused", fmt.Errorf("create: %w", refused{}), true},
		{"transient", errors.New("503"), false},
		{"not found, even permanent", errors.Join(refused{}, ErrNotFound), false},
		{"not capable", ErrNotCapable("copy recordings"), true},
	} {
		if got := Permanent(c.err); got != c.want {
			t.Errorf("%s: Permanent = %v, want %v", c.name, got, c.want)
		}
	}
}

// memQueue is a queue of jobs in memory, all due.
type memQueue struct {
	jobs    []Job
	retries map[int64]retry
}

type retry struct {
	next      time.Time
	why       string
	permanent bool
}

func (q *memQueue) ClaimJobs(_ context.Context, _ time.Time, _ time.Duration, limit int, kinds ...string) ([]Job, error) {
	for i, j := range q.jobs {
		for _, k := range kinds {
			if j.Kind == k {
				q.jobs = append(q.jobs[:i], q.jobs[i+1:]...)
				return []Job{j}, nil
			}
		}
	}
	return nil, nil
}

func (q *memQueue) RenewJob(context.Context, int64, int64, time.Time) (bool, error) { return true, nil }

func (q *memQueue) RetryJob(_ context.Context, id int64, _ int, next time.Time, why string, permanent bool) error {
	q.retries[id] = retry{next, why, permanent}
	return nil
}

// TestRunnerRunDue runs one job of each outcome and checks what the queue
// was told, and what was counted.
func TestRunnerRunDue(t *testing.T) {
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	q := &memQueue{retries: map[int64]retry{}, jobs: []Job{
		{ID: 1, Kind: JobSync}, {ID: 2, Kind: JobRelease}, {ID: 3, Kind: JobAttendance},
		{ID: 4, Kind: "unknown"}, {ID: 5, Kind: JobRecordings, Attempts: 29}, {ID: 6, Kind: JobRecordings},
	}}
	var failed []int64
	counted := map[string]int{}
	r := Runner{Queue: q, Now: func() time.Time { return now }, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Count:  func(kind, result string) { counted[result]++ },
		Failed: func(_ context.Context, j Job, _ error) { failed = append(failed, j.ID) },
		Handlers: map[string]Handler{
			JobSync:       func(context.Context, Job) error { return nil },
			JobRelease:    func(context.Context, Job) error { return &Later{At: now.Add(time.Hour), Why: "not yet"} },
			JobAttendance: func(context.Context, Job) error { return refused{} },
			JobRecordings: func(context.Context, Job) error { return errors.New("503") },
		}}
	n, err := r.RunDue(context.Background(), Lease{Length: time.Minute}, JobSync, JobRelease, JobAttendance, "unknown", JobRecordings)
	if err != nil || n != 6 {
		t.Fatalf("RunDue = %d, %v; want 6, nil", n, err)
	}
	want := map[int64]retry{
		2: {now.Add(time.Hour), "not yet", false},
		3: {now.Add(RetryDelay(refused{}, 1)), "400 refused", true},
		4: {now.Add(10 * time.Second), `no handler for meeting job kind "unknown"`, true},
		5: {now.Add(MaxRetryDelay), "503", false},
	}
	for id, w := range want {
		got, ok := q.retries[id]
		if !ok || got.why != w.why || got.permanent != w.permanent {
			t.Errorf("job %d: retry %+v (%v), want %+v", id, got, ok, w)
		}
		if id != 3 && id != 4 && !got.next.Equal(w.next) {
			t.Errorf("job %d: next %v, want %v", id, got.next, w.next)
		}
	}
	if _, ok := q.retries[1]; ok {
		t.Errorf("a job done was retried")
	}
	if r6 := q.retries[6]; r6.next.Before(now.Add(10*time.Second)) || r6.next.After(now.Add(12*time.Second)) {
		t.Errorf("job 6, first failure: next %v, want 10-12 s later", r6.next)
	}
	if fmt.Sprint(failed) != "[3 4 5 6]" {
		t.Errorf("Failed told of %v, want [3 4 5 6] (not of the job postponed)", failed)
	}
	if counted["done"] != 1 || counted["later"] != 1 || counted["failed"] != 2 || counted["retry"] != 2 {
		t.Errorf("counted %v", counted)
	}
}
