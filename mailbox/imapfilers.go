package mailbox

import (
	"context"
	"sync"
)

// filers counts the filings (File, FileBatch) that wait for the
// connection or hold it. Next holds the connection while it waits for new
// mail (IDLE, RFC 2177, during which no other command may be sent), so a
// filing that came meanwhile would wait for the next mail to arrive. A
// filing therefore says it is coming (enter), which ends Next's wait
// (wake); Next, with nothing new to deliver, then lets go of the
// connection until every filing is over (busy) and waits again after
// them.
type filers struct {
	mu   sync.Mutex
	n    int
	over chan struct{} // closed when n drops to 0; nil while n is 0
	wake chan struct{} // 1-buffered: a filing came
}

// enter counts a filing in, before it takes IMAP.mu.
func (f *filers) enter() {
	f.mu.Lock()
	if f.n == 0 {
		f.over = make(chan struct{})
	}
	f.n++
	f.mu.Unlock()
	notify(f.wake)
}

// leave counts a filing out, after it released IMAP.mu.
func (f *filers) leave() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n--
	if f.n == 0 {
		close(f.over)
		f.over = nil
	}
}

// busy returns a channel closed once the filings counted in now are
// over, or nil when there are none.
func (f *filers) busy() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.over
}

// forget drops a wake signal already given: busy, read after it, tells
// whether a filing is there, and one entering later signals again.
func (f *filers) forget() {
	select {
	case <-f.wake:
	default:
	}
}

// yieldToFilers releases m.mu until the filings in over are done or ctx
// is, and takes it again. Called by Next with m.mu held; the connection
// may be gone or another when it returns (a filing may drop it).
func (m *IMAP) yieldToFilers(ctx context.Context, over <-chan struct{}) {
	m.mu.Unlock()
	defer m.mu.Lock()
	select {
	case <-over:
	case <-ctx.Done():
	}
}
