package gateway

import (
	"sync"
	"time"
)

// waitList remembers the messages read from the inbox whose decision could
// not be recorded yet: since when they wait, and how many attempts failed.
// It is safe for concurrent use (health checks read it).
type waitList struct {
	mu sync.Mutex
	m  map[string]*waiter // by message key
}

type waiter struct {
	since    time.Time
	attempts int
}

// failed counts a failed attempt for in and returns how many there were.
func (w *waitList) failed(in Incoming, now time.Time) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.m == nil {
		w.m = map[string]*waiter{}
	}
	k := messageKey(in.Raw)
	x := w.m[k]
	if x == nil {
		x = &waiter{since: now}
		w.m[k] = x
	}
	x.attempts++
	return x.attempts
}

// done forgets in.
func (w *waitList) done(in Incoming) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.m) > 0 {
		delete(w.m, messageKey(in.Raw))
	}
}

// oldest returns since when the oldest waiting message waits, zero when
// none does.
func (w *waitList) oldest() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	var t time.Time
	for _, x := range w.m {
		if t.IsZero() || x.since.Before(t) {
			t = x.since
		}
	}
	return t
}

// OldestWaiting returns since when the oldest message read from the inbox
// has been waiting for its decision to be recorded; zero when none waits.
// /healthz and the metrics report it.
func (g *Gateway) OldestWaiting() time.Time { return g.waiting.oldest() }
