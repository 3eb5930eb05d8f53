package gateway

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
)

// read hands the batches src.Next returns to Run's loop, one at a time:
// it reads the next batch while the loop decides the one before. It
// returns when ctx is done; a batch read but not handed over is neither
// decided nor filed, and stays in the inbox for the next connection.
func (g *Gateway) read(ctx context.Context, src Source, out chan<- []Incoming) {
	for ctx.Err() == nil {
		batch, err := g.next(ctx, src)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			g.log.Error("reading the mailbox failed", "err", err)
			sleep(ctx, g.opt.RetryPause)
			continue
		}
		select {
		case out <- batch:
		case <-ctx.Done():
			return
		}
	}
}

// next is src.Next with a guard: a panic is logged with its stack and
// returned as an error.
func (g *Gateway) next(ctx context.Context, src Source) (batch []Incoming, err error) {
	defer func() {
		if r := recover(); r != nil {
			g.log.Error("panic while reading the mailbox", "panic", r, "stack", string(debug.Stack()))
			batch, err = nil, fmt.Errorf("panic: %v", r)
		}
	}()
	return src.Next(ctx)
}

// filer files Run's decided batches in a goroutine, in order, while the
// loop decides the next batch: a filing waits for the server's answers (a
// MOVE per folder) and then for the database (the mailbox state), which
// the next decisions need not wait for. One filing is under way at a time;
// the batches decided meanwhile wait for it and are then filed together,
// with one MOVE per folder and one record of the state for all of them. A
// message whose filing failed stays in the inbox and is filed after the
// next connection, without being decided again.
type filer struct {
	g   *Gateway
	src Source

	mu     sync.Mutex
	queue  []Filing      // decided, waiting for the filing under way
	active chan struct{} // closed when the filing goroutine is done; nil when none runs
}

// file queues items and starts the filing goroutine if none runs. Each
// filing is bounded by handleTimeout (fileBounded), even after ctx is
// done.
func (f *filer) file(ctx context.Context, items []Filing) {
	if len(items) == 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queue = append(f.queue, items...)
	if f.active != nil {
		return
	}
	f.active = make(chan struct{})
	go f.run(ctx, f.active)
}

// run files what is queued until the queue is empty, then closes active.
func (f *filer) run(ctx context.Context, active chan struct{}) {
	defer close(active)
	for {
		f.mu.Lock()
		items := f.queue
		f.queue = nil
		if len(items) == 0 {
			f.active = nil
			f.mu.Unlock()
			return
		}
		f.mu.Unlock()
		f.fileGuarded(ctx, items)
	}
}

// fileGuarded is fileBounded with a guard: a panic is logged with its
// stack; the messages stay in the inbox.
func (f *filer) fileGuarded(ctx context.Context, items []Filing) {
	defer func() {
		if r := recover(); r != nil {
			f.g.log.Error("panic while filing messages; they will be filed after reconnecting",
				"messages", len(items), "panic", r, "stack", string(debug.Stack()))
		}
	}()
	f.g.fileBounded(ctx, f.src, items)
}

// wait waits until everything queued is filed (or failed to be).
func (f *filer) wait() {
	f.mu.Lock()
	active := f.active
	f.mu.Unlock()
	if active != nil {
		<-active
	}
}
