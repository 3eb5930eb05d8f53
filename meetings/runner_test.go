package meetings

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"
)

func TestLeaseDeadline(t *testing.T) {
	for _, c := range []struct {
		name string
		l    Lease
		want time.Duration
	}{
		{"default job lease", Lease{Length: 20 * time.Second}, 15 * time.Second},
		{"short lease of a test", Lease{Length: 4 * time.Second}, 3 * time.Second},
		{"recordings", Lease{Length: 3 * time.Hour, Run: 170 * time.Minute}, 170 * time.Minute},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := c.l.Deadline(); got != c.want {
				t.Errorf("Deadline() = %v, want %v", got, c.want)
			}
		})
	}
}

// TestLeaseKeep renews a lease until the claim is lost, then stops the run.
func TestLeaseKeep(t *testing.T) {
	renewed := make(chan struct{}, 16)
	calls := 0
	l := Lease{Length: 40 * time.Millisecond, Now: time.Now,
		Renew: func(context.Context, time.Time) (bool, error) {
			calls++
			renewed <- struct{}{}
			return calls < 3, nil // the third renewal finds another claim
		},
		Warn: func(err error) { t.Errorf("warned: %v", err) }}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	lost, kept := l.Keep(ctx, cancel)
	<-kept
	if !lost() || calls != 3 || ctx.Err() == nil {
		t.Errorf("after %d renewals: lost %v, run stopped %v; want 3, true, true", calls, lost(), ctx.Err() != nil)
	}
}

// TestLeaseKeepEndsWithRun stops renewing once the run is over, the lease
// still held.
func TestLeaseKeepEndsWithRun(t *testing.T) {
	renewed := make(chan struct{}, 1)
	l := Lease{Length: 40 * time.Millisecond, Now: time.Now,
		Renew: func(context.Context, time.Time) (bool, error) {
			select {
			case renewed <- struct{}{}:
			default:
			}
			return true, nil
		},
		Warn: func(err error) { t.Errorf("warned: %v", err) }}
	ctx, cancel := context.WithCancel(context.Background())
	lost, kept := l.Keep(ctx, cancel)
	<-renewed
	cancel()
	<-kept
	if lost() {
		t.Error("a lease still held was reported lost")
	}
}

// TestWorker runs once at start and once per kick, and goes on after a
// panic and an error.
func TestWorker(t *testing.T) {
	kick := make(chan struct{})
	ran := make(chan int)
	n := 0
	w := Worker{Name: "test", Every: time.Hour, Kick: kick, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Once: func(context.Context) error {
			n++
			ran <- n
			switch n {
			case 1:
				panic("bad input")
			case 2:
				return errors.New("failed")
			}
			return nil
		}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	for want := 1; want <= 3; want++ {
		if got := <-ran; got != want {
			t.Fatalf("run %d, want %d", got, want)
		}
		if want < 3 {
			kick <- struct{}{}
		}
	}
	cancel()
	<-done
}
