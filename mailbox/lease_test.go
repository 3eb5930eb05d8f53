package mailbox

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"
)

// fakeLease is a lease whose availability the test sets: Acquire grants it
// while free, Check fails once lost.
type fakeLease struct {
	mu         sync.Mutex
	free, lost bool
	held       bool
	releases   int
}

func (f *fakeLease) Acquire(context.Context) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.free {
		f.held, f.free, f.lost = true, false, false
	}
	return f.held, nil
}

func (f *fakeLease) Check(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.lost {
		f.held = false
		return errors.New("session gone")
	}
	return nil
}

func (f *fakeLease) Release() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.held = false
	f.releases++
}

func (f *fakeLease) set(free, lost bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.free, f.lost = free, lost
}

// TestRunLeased: the mailbox is read only while the lease is held; an
// instance stands by while another holds it, takes over when it is free,
// and stops reading as soon as a check finds it lost.
func TestRunLeased(t *testing.T) {
	lease := &fakeLease{}
	changes := make(chan bool, 10)
	runs := make(chan context.Context, 10)
	ended := make(chan struct{}, 10)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- RunLeased(ctx, LeaseOptions{Lease: lease, Retry: time.Millisecond, Check: time.Millisecond,
			Logger:   slog.New(slog.DiscardHandler),
			OnChange: func(held bool) { changes <- held },
			Run: func(ctx context.Context) error {
				runs <- ctx
				<-ctx.Done()
				ended <- struct{}{}
				return nil
			}})
	}()
	// Another instance holds it: this one stands by and does not read.
	if held := <-changes; held {
		t.Fatal("OnChange(true) before the lease was free")
	}
	select {
	case <-runs:
		t.Fatal("read the mailbox without the lease")
	default:
	}
	// The holder dies: this one takes over.
	lease.set(true, false)
	if held := <-changes; !held {
		t.Fatal("OnChange(false), want true once the lease was free")
	}
	<-runs
	// It loses the lease: reading stops, and it stands by again.
	lease.set(false, true)
	<-ended
	if held := <-changes; held {
		t.Fatal("OnChange(true) after the lease was lost")
	}
	// Free again: reading resumes; the end of ctx stops it and releases.
	lease.set(true, false)
	<-changes
	<-runs
	cancel()
	<-ended
	if err := <-done; err != nil {
		t.Fatalf("RunLeased: %v", err)
	}
	lease.mu.Lock()
	defer lease.mu.Unlock()
	if lease.held || lease.releases < 2 {
		t.Errorf("after the end: held %v, %d releases; want released (twice: once lost, once at the end)", lease.held, lease.releases)
	}
}

// TestRunLeasedRunError: an error of Run that is not the end of ctx is
// returned (the supervisor restarts the loop) and the lease released.
func TestRunLeasedRunError(t *testing.T) {
	lease := &fakeLease{free: true}
	boom := errors.New("boom")
	err := RunLeased(t.Context(), LeaseOptions{Lease: lease, Logger: slog.New(slog.DiscardHandler),
		Run: func(context.Context) error { return boom }})
	if !errors.Is(err, boom) {
		t.Fatalf("RunLeased = %v, want %v", err, boom)
	}
	if lease.held {
		t.Error("lease still held after RunLeased returned")
	}
}
