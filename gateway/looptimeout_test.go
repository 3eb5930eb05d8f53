package gateway_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// deadlineStore records the deadline of every Update's context.
type deadlineStore struct {
	gateway.Store
	mu    sync.Mutex
	calls []deadlineCall
}

type deadlineCall struct{ at, deadline time.Time }

func (s *deadlineStore) Update(ctx context.Context, fn func(gateway.Tx) error) error {
	d, _ := ctx.Deadline()
	s.mu.Lock()
	s.calls = append(s.calls, deadlineCall{time.Now(), d})
	s.mu.Unlock()
	return s.Store.Update(ctx, fn)
}

func (s *deadlineStore) recorded() []deadlineCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]deadlineCall(nil), s.calls...)
}

// The bound on handling is per message: each message of a batch gets the
// whole handleTimeout, not what the messages before it left.
func TestRunBoundsEachMessage(t *testing.T) {
	ds := &deadlineStore{}
	h := newHarness(t, func(o *gateway.Options) { ds.Store = o.Store; o.Store = ds })
	src := newFakeSource()
	stop := runLoop(t, h, src)
	defer stop()
	src.batches <- []gateway.Incoming{
		ref(1, meeting("REQUEST", "t-1", alice, 0, tomorrow(8, 0), tomorrow(9, 0)).bytes()),
		ref(2, meeting("REQUEST", "t-2", bob, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes()),
		ref(3, meeting("REQUEST", "t-3", alice, 0, tomorrow(12, 0), tomorrow(13, 0)).bytes()),
	}
	waitFor(t, "filing", 5*time.Second, func() bool { return len(src.filings()) == 3 })
	calls := ds.recorded()
	if len(calls) != 3 {
		t.Fatalf("%d transactions, want one per message", len(calls))
	}
	for i, c := range calls {
		left := c.deadline.Sub(c.at)
		if c.deadline.IsZero() || left > gateway.HandleTimeout() || left < gateway.HandleTimeout()-time.Second {
			t.Errorf("message %d: %v left of its bound at its transaction, want about %v", i+1, left, gateway.HandleTimeout())
		}
		if i > 0 && !c.deadline.After(calls[i-1].deadline) {
			t.Errorf("message %d has the deadline of the message before it (%v): one bound for the batch", i+1, c.deadline)
		}
	}
}
