package gateway_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-message/textproto"

	"codeberg.org/opteos/roomgate/gateway"
)

// rawSender records every mail it accepts and signals each one.
type rawSender struct {
	mu       sync.Mutex
	raws     [][]byte
	accepted chan struct{}
}

func newRawSender() *rawSender { return &rawSender{accepted: make(chan struct{}, 100)} }

func (s *rawSender) Send(ctx context.Context, from string, to []string, raw []byte) error {
	s.mu.Lock()
	s.raws = append(s.raws, bytes.Clone(raw))
	s.mu.Unlock()
	s.accepted <- struct{}{}
	return nil
}

func (s *rawSender) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.raws)
}

func messageIDOf(t *testing.T, raw []byte) string {
	t.Helper()
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	return h.Get("Message-Id")
}

// flakyMarks fails the first `fails` "sent" marks, as a busy or full
// database would.
type flakyMarks struct {
	*memStore
	mu    sync.Mutex
	fails int
	calls int
}

func (s *flakyMarks) OutboxSent(ctx context.Context, at time.Time, ids ...int64) error {
	s.mu.Lock()
	s.calls++
	fail := s.calls <= s.fails
	s.mu.Unlock()
	if fail {
		return errors.New("database is locked (SQLITE_BUSY)")
	}
	return s.memStore.OutboxSent(ctx, at, ids...)
}

// TestOutboxMarkRetried: a "sent" mark that fails is tried again until
// it sticks; the mails leave once.
func TestOutboxMarkRetried(t *testing.T) {
	st := &flakyMarks{memStore: newMemStore(), fails: 4}
	clock := &fakeClock{now: t0}
	g, err := gateway.New(baseOptions(t, st, clock))
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, g: g, st: st.memStore, clock: clock}
	h.handle(meeting("REQUEST", "m-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
	h.handle(meeting("REQUEST", "m-2", bob, 0, tomorrow(14, 0), tomorrow(15, 0)).bytes())
	s := newRawSender()
	opt := gateway.OutboxOptions{MarkRetry: time.Millisecond}
	if n, err := g.FlushOutbox(t.Context(), s, opt); n != 2 || err != nil {
		t.Fatalf("FlushOutbox = %d, %v; want 2 sent", n, err)
	}
	for _, m := range h.st.outbox() {
		if m.Status != gateway.OutboxSent {
			t.Errorf("mail %d is %s after the marks failed %d times, want sent", m.ID, m.Status, st.fails)
		}
	}
	for range 3 {
		clock.advance(time.Hour)
		if n, err := g.FlushOutbox(t.Context(), s, opt); n != 0 || err != nil {
			t.Errorf("later flush = %d, %v; want nothing", n, err)
		}
	}
	if got := s.count(); got != 2 {
		t.Errorf("%d deliveries, want 2 (one per mail)", got)
	}
}

// slowMarks holds every "sent" mark until gate is closed, as a database
// whose write lock is taken by others would, and signals each lease
// renewal.
type slowMarks struct {
	*memStore
	gate    chan struct{}
	renewed chan struct{}
}

func (s *slowMarks) OutboxSent(ctx context.Context, at time.Time, ids ...int64) error {
	select {
	case <-s.gate:
	case <-ctx.Done():
		return ctx.Err()
	}
	return s.memStore.OutboxSent(ctx, at, ids...)
}

func (s *slowMarks) LeaseOutbox(ctx context.Context, claim int64, ids []int64, until time.Time) ([]int64, error) {
	held, err := s.memStore.LeaseOutbox(ctx, claim, ids, until)
	select {
	case s.renewed <- struct{}{}:
	default:
	}
	return held, err
}

// TestOutboxSlowMarkTwoSenders: while a sender's "sent" mark waits far
// longer than the lease, its claim is renewed and a second sender on the
// same store does not send the mail again.
func TestOutboxSlowMarkTwoSenders(t *testing.T) {
	st := &slowMarks{memStore: newMemStore(), gate: make(chan struct{}), renewed: make(chan struct{}, 1)}
	clock := &fakeClock{now: t0}
	a, err := gateway.New(baseOptions(t, st, clock))
	if err != nil {
		t.Fatal(err)
	}
	b, err := gateway.New(baseOptions(t, st, clock))
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, g: a, st: st.memStore, clock: clock}
	h.handle(meeting("REQUEST", "m-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
	s := newRawSender()
	opt := gateway.OutboxOptions{SendTimeout: 40 * time.Millisecond, MinLease: time.Nanosecond} // renewed every 15 ms
	lease := opt.Lease()
	done := make(chan int)
	go func() {
		n, err := a.FlushOutbox(t.Context(), s, opt)
		if err != nil {
			t.Error(err)
		}
		done <- n
	}()
	<-s.accepted // A sent it; its mark waits
	for range 6 {
		clock.advance(lease / 2)
		for range 2 { // a renewal that may have begun before the advance, one after
			select {
			case <-st.renewed:
			case <-time.After(10 * time.Second):
				t.Fatal("the claim is not renewed while its mark waits")
			}
		}
		if n, err := b.FlushOutbox(t.Context(), s, opt); n != 0 || err != nil {
			t.Fatalf("second sender: FlushOutbox = %d, %v while the first one's mark waits; want nothing", n, err)
		}
	}
	close(st.gate)
	if n := <-done; n != 1 {
		t.Errorf("first sender sent %d, want 1", n)
	}
	if got := s.count(); got != 1 {
		t.Errorf("%d deliveries, want 1", got)
	}
	if m := h.st.outbox()[0]; m.Status != gateway.OutboxSent {
		t.Errorf("mail is %s, want sent", m.Status)
	}
}

// TestOutboxResendAfterCrash: a mail whose sender died between the
// server's acceptance and the mark leaves again once the lease is over,
// with the same Message-ID, so that a receiver that drops duplicates by
// Message-ID drops it.
func TestOutboxResendAfterCrash(t *testing.T) {
	h := newHarness(t)
	h.handle(meeting("REQUEST", "m-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
	opt := gateway.OutboxOptions{}
	s := newRawSender()
	// The instance that crashed: claimed, sent, never marked.
	due, err := h.st.ClaimOutbox(t.Context(), h.clock.Now(), opt.Lease(), 16)
	if err != nil || len(due) != 1 {
		t.Fatalf("claim = %d mails, %v", len(due), err)
	}
	if err := s.Send(t.Context(), due[0].From, due[0].To, due[0].Raw); err != nil {
		t.Fatal(err)
	}
	if n, _ := h.g.FlushOutbox(t.Context(), s, opt); n != 0 {
		t.Fatalf("sent %d during the dead instance's lease, want 0", n)
	}
	h.clock.advance(opt.Lease())
	if n, err := h.g.FlushOutbox(t.Context(), s, opt); n != 1 || err != nil {
		t.Fatalf("after the lease: FlushOutbox = %d, %v; want 1", n, err)
	}
	first, again := messageIDOf(t, s.raws[0]), messageIDOf(t, s.raws[1])
	if first == "" || first != again {
		t.Errorf("Message-ID of the resend %q, of the first %q: want the same", again, first)
	}
}

// acceptingMarks is slowMarks whose store records the server's
// acceptance apart from its marks, as db.Store does on a SQLite file.
type acceptingMarks struct {
	*slowMarks
	mu       sync.Mutex
	accepted []int64
}

func (s *acceptingMarks) OutboxAccepted(ctx context.Context, ms ...gateway.AcceptedMail) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range ms {
		s.accepted = append(s.accepted, m.ID)
	}
	return true, nil
}

// TestOutboxAcceptedDoesNotWaitForMarks: where the store records each
// accepted mail at once, a "sent" mark that waits (SQLite's write lock
// held by decisions) does not hold the next mail back; without such a
// record (slowMarks alone) the next mail waits for the mark, so that a
// crash leaves at most one accepted mail unrecorded.
//
// With Batch 1 each mail is a claim of its own: the next claim does not
// wait for the last one's marks either, when they are recorded.
func TestOutboxAcceptedDoesNotWaitForMarks(t *testing.T) {
	for _, c := range []struct {
		recorded bool
		batch    int
	}{{true, 16}, {false, 16}, {true, 1}, {false, 1}} {
		recorded := c.recorded
		slow := &slowMarks{memStore: newMemStore(), gate: make(chan struct{}), renewed: make(chan struct{}, 1)}
		var st gateway.Store = slow
		acc := &acceptingMarks{slowMarks: slow}
		if recorded {
			st = acc
		}
		clock := &fakeClock{now: t0}
		g, err := gateway.New(baseOptions(t, st, clock))
		if err != nil {
			t.Fatal(err)
		}
		h := &harness{t: t, g: g, st: slow.memStore, clock: clock}
		h.handle(meeting("REQUEST", "m-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
		h.handle(meeting("REQUEST", "m-2", bob, 0, tomorrow(14, 0), tomorrow(15, 0)).bytes())
		s := newRawSender()
		done := make(chan int)
		go func() {
			n, err := g.FlushOutbox(t.Context(), s, gateway.OutboxOptions{Batch: c.batch})
			if err != nil {
				t.Error(err)
			}
			done <- n
		}()
		<-s.accepted // the first mail left; its mark waits at the gate
		if recorded {
			select {
			case <-s.accepted: // the second left without waiting for the first's mark
			case <-time.After(10 * time.Second):
				t.Fatalf("batch %d: the second mail waited for the first one's mark although the store recorded the first as accepted", c.batch)
			}
		} else {
			// Nothing but the mark records the first mail: the second
			// must not leave before it. The gate is closed only below,
			// so a second delivery now would be a wrong one.
			select {
			case <-s.accepted:
				t.Fatalf("batch %d: the second mail left before the first one's mark stuck, with no other record of the first", c.batch)
			default:
			}
		}
		close(slow.gate)
		if n := <-done; n != 2 {
			t.Errorf("recorded=%v: sent %d, want 2", recorded, n)
		}
		if recorded {
			acc.mu.Lock()
			if len(acc.accepted) != 2 {
				t.Errorf("accepted recorded %v, want both mails", acc.accepted)
			}
			acc.mu.Unlock()
		}
		for _, m := range h.st.outbox() {
			if m.Status != gateway.OutboxSent {
				t.Errorf("recorded=%v: mail %d is %s after the flush, want sent (FlushOutbox returns once the marks stuck)", recorded, m.ID, m.Status)
			}
		}
	}
}

// TestOutboxClaimsGrowInABacklog: while claims come back full, each takes
// twice as many mails as the last (up to 16 times Batch); one that is not
// full brings the next back to Batch. 100 mails with Batch 16: 16, 32,
// 52 of 64, then a claim of 16 that finds none.
func TestOutboxClaimsGrowInABacklog(t *testing.T) {
	st := newMemStore()
	clock := &fakeClock{now: t0}
	g, err := gateway.New(baseOptions(t, st, clock))
	if err != nil {
		t.Fatal(err)
	}
	err = st.Update(t.Context(), func(tx gateway.Tx) error {
		for i := range 100 {
			m := gateway.OutboxMail{MessageKey: fmt.Sprint("k", i), UID: fmt.Sprint("u", i), From: "room@example.org",
				To: []string{alice}, Raw: []byte("Subject: x\r\n\r\nx\r\n"), Status: gateway.OutboxPending,
				NextAttempt: t0, CreatedAt: t0, Channel: gateway.ChannelMail}
			if err := tx.Enqueue(t.Context(), &m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	n, err := g.FlushOutbox(t.Context(), newRawSender(), gateway.OutboxOptions{Batch: 16})
	if err != nil || n != 100 {
		t.Fatalf("FlushOutbox = %d, %v; want 100 sent", n, err)
	}
	if want := []int{16, 32, 64, 16}; !slices.Equal(st.limits, want) {
		t.Errorf("claims of %v mails, want %v", st.limits, want)
	}
	for _, c := range []struct{ limit, n, want int }{{16, 16, 32}, {128, 128, 256}, {256, 256, 256}, {64, 63, 16}, {16, 0, 16}} {
		if got := gateway.NextClaimLimit(c.limit, c.n, 16); got != c.want {
			t.Errorf("after a claim of %d that took %d: %d, want %d", c.limit, c.n, got, c.want)
		}
	}
}
