package gateway_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// slowFiler is a fakeSource with FileBatch, which blocks until released,
// as a filing waits for the IMAP server's answer and the database. It
// ignores its context there: a filing is not cut by a shutdown.
type slowFiler struct {
	*fakeSource
	begun     chan []string // the refs of each FileBatch call, as it begins
	release   chan struct{} // closed to let every call finish
	nextBegun chan struct{} // a Next call began
	nextDone  chan error    // what each Next call returned with
	mu        sync.Mutex
	over      [][]string // the refs of the calls that finished
	ctxErrs   []error    // their context's error as they finished
}

func newSlowFiler() *slowFiler {
	return &slowFiler{fakeSource: newFakeSource(), begun: make(chan []string, 8),
		release: make(chan struct{}), nextBegun: make(chan struct{}, 8), nextDone: make(chan error, 8)}
}

func (s *slowFiler) Next(ctx context.Context) ([]gateway.Incoming, error) {
	s.nextBegun <- struct{}{}
	b, err := s.fakeSource.Next(ctx)
	s.nextDone <- err
	return b, err
}

func (s *slowFiler) FileBatch(ctx context.Context, items []gateway.Filing) error {
	var refs []string
	for _, it := range items {
		refs = append(refs, it.In.Ref)
	}
	s.begun <- refs
	<-s.release
	s.mu.Lock()
	defer s.mu.Unlock()
	s.over = append(s.over, refs)
	s.ctxErrs = append(s.ctxErrs, ctx.Err())
	return nil
}

func (s *slowFiler) finished() ([][]string, []error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.over), slices.Clone(s.ctxErrs)
}

// pipelineBatch is n invitations from UID first on, on days of their own.
func pipelineBatch(first, n int) []gateway.Incoming {
	var b []gateway.Incoming
	for i := range n {
		uid := first + i
		raw := meeting("REQUEST", fmt.Sprintf("p-%d", uid), alice, 0, tomorrow(9, 0).AddDate(0, 0, uid), tomorrow(10, 0).AddDate(0, 0, uid)).bytes()
		b = append(b, ref(uid, raw))
	}
	return b
}

func refsOf(b []gateway.Incoming) []string {
	var refs []string
	for _, in := range b {
		refs = append(refs, in.Ref)
	}
	return refs
}

func decided(h *harness, b []gateway.Incoming) bool {
	for _, in := range b {
		if _, ok := h.st.processed(rawKey(in.Raw)); !ok {
			return false
		}
	}
	return true
}

func receive[T any](t *testing.T, what string, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// The next batches are decided while the last one is filed; those decided
// meanwhile are filed together once that filing is over, in order. A
// shutdown lets the filings finish, with a context that is not done, and
// Run returns after them.
func TestRunDecidesWhileFiling(t *testing.T) {
	h := newHarness(t)
	src := newSlowFiler()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// When Run returns, the filings must be over.
	returned := make(chan [][]string, 1)
	go func() {
		if err := h.g.Run(ctx, src); err != nil {
			t.Errorf("Run returned %v", err)
		}
		over, _ := src.finished()
		returned <- over
	}()

	a, b, c, d := pipelineBatch(1, 2), pipelineBatch(3, 20), pipelineBatch(23, 1), pipelineBatch(24, 1)
	src.batches <- a
	if got := receive(t, "the first filing", src.begun); !slices.Equal(got, refsOf(a)) {
		t.Fatalf("first filing of %q, want %q", got, refsOf(a))
	}
	src.batches <- b
	src.batches <- c
	src.batches <- d
	// Without the filing in a goroutine of its own, Run waits for it and
	// decides nothing more. Once d is decided, b and c wait to be filed.
	waitFor(t, "the next batches decided while the first is filed", 5*time.Second, func() bool { return decided(h, d) })

	// The reader waits for a fifth batch; it sees the shutdown.
	for range 5 {
		receive(t, "a call of Next", src.nextBegun)
	}
	cancel()
	for receive(t, "Next seeing the shutdown", src.nextDone) == nil {
	}
	select {
	case over := <-returned:
		t.Fatalf("Run returned while a filing was under way, with %q filed", over)
	default:
	}
	close(src.release)
	over := receive(t, "Run's return", returned)
	all := slices.Concat(refsOf(a), refsOf(b), refsOf(c), refsOf(d))
	if got := slices.Concat(over...); !slices.Equal(got, all) {
		t.Fatalf("filed %q when Run returned, want %q in this order", got, all)
	}
	if bc := slices.Concat(refsOf(b), refsOf(c)); len(over) < 2 || !slices.Equal(over[1][:min(len(over[1]), len(bc))], bc) {
		t.Errorf("filings %q, want b and c filed together after a", over)
	}
	_, ctxErrs := src.finished()
	for i, err := range ctxErrs {
		if err != nil {
			t.Errorf("filing %d ran with a context done (%v): cut by the shutdown", i+1, err)
		}
	}
}

// blockedStore holds the first transaction until released.
type blockedStore struct {
	gateway.Store
	once    sync.Once
	entered chan struct{}
	release chan struct{}
}

func (s *blockedStore) Update(ctx context.Context, fn func(gateway.Tx) error) error {
	s.once.Do(func() {
		close(s.entered)
		<-s.release
	})
	return s.Store.Update(ctx, fn)
}

// The next batch is read while one is decided.
func TestRunReadsWhileDeciding(t *testing.T) {
	bs := &blockedStore{entered: make(chan struct{}), release: make(chan struct{})}
	h := newHarness(t, func(o *gateway.Options) { bs.Store = o.Store; o.Store = bs })
	src := newSlowFiler()
	close(src.release)
	stop := runLoop(t, h, src)
	defer stop()
	a, b := pipelineBatch(1, 1), pipelineBatch(2, 1)
	src.batches <- a
	receive(t, "the first decision", bs.entered)
	src.batches <- b
	// Without a reader of its own, Run asks for the next batch only once
	// this one is decided and filed.
	if err := receive(t, "the first Next", src.nextDone); err != nil {
		t.Fatalf("Next: %v", err)
	}
	if err := receive(t, "the next batch read while the first is decided", src.nextDone); err != nil {
		t.Fatalf("Next: %v", err)
	}
	close(bs.release)
	waitFor(t, "both filed", 5*time.Second, func() bool {
		over, _ := src.finished()
		return len(slices.Concat(over...)) == 2
	})
	over, _ := src.finished()
	if got, want := slices.Concat(over...), append(refsOf(a), refsOf(b)...); !slices.Equal(got, want) {
		t.Errorf("filed %q, want %q", got, want)
	}
}
