package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// fakeSource delivers the batches sent on its channel, once each, as an
// IMAP connection does, and records File calls.
type fakeSource struct {
	batches chan []gateway.Incoming
	mu      sync.Mutex
	filed   []string // "ref folder"
}

func newFakeSource() *fakeSource { return &fakeSource{batches: make(chan []gateway.Incoming, 4)} }

func (s *fakeSource) Next(ctx context.Context) ([]gateway.Incoming, error) {
	select {
	case b := <-s.batches:
		return b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *fakeSource) File(ctx context.Context, m gateway.Incoming, f gateway.Folder) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.filed = append(s.filed, m.Ref+" "+string(f))
	return nil
}

func (s *fakeSource) filings() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.filed)
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// runLoop starts Gateway.Run and returns a function that stops it and
// checks that it returned nil.
func runLoop(t *testing.T, h *harness, src gateway.Source) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.g.Run(ctx, src) }()
	return func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run returned %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return after cancel")
		}
	}
}

func ref(n int, raw []byte) gateway.Incoming {
	return gateway.Incoming{Ref: "INBOX/1/" + strconv.Itoa(n), UID: uint32(n), Raw: raw, Size: int64(len(raw))}
}

func TestRun(t *testing.T) {
	invitation := meeting("REQUEST", "m-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes()
	other := meeting("REQUEST", "m-2", bob, 0, tomorrow(14, 0), tomorrow(15, 0)).bytes()
	garbage := []byte("not a mail at all\r\n")
	plain := []byte("From: a@coop.example\r\nSubject: hi\r\n\r\nHello\r\n")

	t.Run("files each message where it belongs", func(t *testing.T) {
		h := newHarness(t)
		src := newFakeSource()
		stop := runLoop(t, h, src)
		src.batches <- []gateway.Incoming{ref(1, invitation), ref(2, garbage), ref(3, plain)}
		src.batches <- []gateway.Incoming{ref(4, invitation)} // delivered again: already processed
		want := []string{"INBOX/1/1 processed", "INBOX/1/2 rejected", "INBOX/1/3 other", "INBOX/1/4 processed"}
		waitFor(t, "filing", 5*time.Second, func() bool { return len(src.filings()) == len(want) })
		stop()
		if got := src.filings(); !slices.Equal(got, want) {
			t.Errorf("filed %q, want %q", got, want)
		}
		if q := h.st.outbox(); len(q) != 1 {
			t.Errorf("%d mails queued, want 1", len(q))
		}
	})

	t.Run("database down: not filed, retried", func(t *testing.T) {
		h := newHarness(t, func(o *gateway.Options) { o.RetryPause = time.Millisecond })
		h.st.setFailUpdate(downError("database is down"))
		src := newFakeSource()
		stop := runLoop(t, h, src)
		defer stop()
		src.batches <- []gateway.Incoming{ref(1, invitation), ref(2, other)}
		waitFor(t, "a failed transaction", 5*time.Second, func() bool {
			h.st.mu.Lock()
			defer h.st.mu.Unlock()
			return h.st.updates > 0
		})
		if got := src.filings(); len(got) != 0 {
			t.Fatalf("filed %q while the database is down", got)
		}
		if len(h.st.bookings()) != 0 || len(h.st.outbox()) != 0 {
			t.Fatalf("state written while the database is down")
		}
		h.st.setFailUpdate(nil)
		want := []string{"INBOX/1/1 processed", "INBOX/1/2 processed"}
		waitFor(t, "filing after recovery", 10*time.Second, func() bool { return len(src.filings()) == len(want) })
		if got := src.filings(); !slices.Equal(got, want) {
			t.Errorf("filed %q, want %q", got, want)
		}
		if q := h.st.outbox(); len(q) != 2 {
			t.Errorf("%d mails queued, want 2", len(q))
		}
	})

	t.Run("a record the database refuses: rejected after 3 attempts", func(t *testing.T) {
		h := newHarness(t, func(o *gateway.Options) { o.RetryPause = time.Millisecond })
		h.st.failRecord = func(m gateway.ProcessedMessage) error {
			if m.Key == rawKey(invitation) && m.Action != gateway.ActionRejected {
				return errors.New(`ERROR: integer out of range (SQLSTATE 22003)`)
			}
			return nil
		}
		src := newFakeSource()
		stop := runLoop(t, h, src)
		defer stop()
		src.batches <- []gateway.Incoming{ref(1, invitation), ref(2, other)}
		want := []string{"INBOX/1/1 rejected", "INBOX/1/2 processed"}
		waitFor(t, "filing", 5*time.Second, func() bool { return len(src.filings()) == len(want) })
		if got := src.filings(); !slices.Equal(got, want) {
			t.Errorf("filed %q, want %q", got, want)
		}
		pm, ok := h.st.processed(rawKey(invitation))
		if want := "the decision could not be recorded (3 attempts): record decision: ERROR: integer out of range (SQLSTATE 22003)"; !ok || pm.Reason != want {
			t.Errorf("recorded %+v, want reason %q", pm, want)
		}
		if !h.g.OldestWaiting().IsZero() {
			t.Errorf("a message still waits: %v", h.g.OldestWaiting())
		}
	})

	t.Run("database down: the oldest waiting message is reported", func(t *testing.T) {
		h := newHarness(t, func(o *gateway.Options) { o.RetryPause = time.Millisecond })
		h.st.setFailUpdate(downError("database is down"))
		src := newFakeSource()
		stop := runLoop(t, h, src)
		defer stop()
		src.batches <- []gateway.Incoming{ref(1, invitation)}
		waitFor(t, "several attempts", 5*time.Second, func() bool {
			h.st.mu.Lock()
			defer h.st.mu.Unlock()
			return h.st.updates > 4
		})
		if got := h.g.OldestWaiting(); !got.Equal(t0) {
			t.Errorf("OldestWaiting = %v, want %v", got, t0)
		}
		if got := src.filings(); len(got) != 0 {
			t.Fatalf("filed %q while the database is down: never rejected for that", got)
		}
		h.st.setFailUpdate(nil)
		waitFor(t, "filing after recovery", 5*time.Second, func() bool { return len(src.filings()) == 1 })
		if !h.g.OldestWaiting().IsZero() {
			t.Errorf("still waiting after recovery")
		}
	})

	t.Run("panic while deciding: rejected, rolled back", func(t *testing.T) {
		h := newHarness(t, func(o *gateway.Options) { o.Renderer = panicRenderer{} })
		src := newFakeSource()
		stop := runLoop(t, h, src)
		src.batches <- []gateway.Incoming{ref(1, invitation)}
		waitFor(t, "filing", 5*time.Second, func() bool { return len(src.filings()) == 1 })
		stop()
		if got := src.filings(); !slices.Equal(got, []string{"INBOX/1/1 rejected"}) {
			t.Errorf("filed %q", got)
		}
		pm, ok := h.st.processed(rawKey(invitation))
		if !ok || pm.Action != gateway.ActionRejected || pm.Reason != "internal error while handling the message: renderer exploded" {
			t.Errorf("processed = %+v", pm)
		}
		if bs := h.st.bookings(); len(bs) != 0 {
			t.Errorf("bookings after a panic: %+v", bs)
		}
	})
}

// Messages of one batch are decided in one transaction, in order; when a
// message fails inside a group, those before it are decided again as a
// group and it alone, so one bad message costs the others nothing.
func TestRunGroups(t *testing.T) {
	first := meeting("REQUEST", "g-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes()
	rival := meeting("REQUEST", "g-2", bob, 0, tomorrow(10, 30), tomorrow(11, 30)).bytes()
	boom := meeting("REQUEST", "boom", bob, 0, tomorrow(15, 0), tomorrow(16, 0)).bytes()
	later := meeting("REQUEST", "g-3", alice, 0, tomorrow(17, 0), tomorrow(18, 0)).bytes()

	// backlog is a batch of n messages: the given ones, then meetings on
	// the following days.
	backlog := func(n int, head ...[]byte) []gateway.Incoming {
		var b []gateway.Incoming
		for i := range n {
			raw := meeting("REQUEST", fmt.Sprintf("fill-%d", i), alice, 0, tomorrow(9, 0).AddDate(0, 0, i+1), tomorrow(10, 0).AddDate(0, 0, i+1)).bytes()
			if i < len(head) {
				raw = head[i]
			}
			b = append(b, ref(i+1, raw))
		}
		return b
	}
	updates := func(h *harness) int {
		h.st.mu.Lock()
		defer h.st.mu.Unlock()
		return h.st.updates
	}

	t.Run("a backlog is decided in one transaction, in order", func(t *testing.T) {
		h := newHarness(t)
		src := newFakeSource()
		stop := runLoop(t, h, src)
		src.batches <- backlog(20, first, rival, later, first)
		waitFor(t, "filing", 5*time.Second, func() bool { return len(src.filings()) == 20 })
		stop()
		if n := updates(h); n != 1 {
			t.Errorf("%d transactions for one batch, want 1", n)
		}
		for uid, want := range map[string]gateway.BookingStatus{"g-1": gateway.StatusAccepted, "g-2": gateway.StatusDeclined, "g-3": gateway.StatusAccepted} {
			if b := h.booking(uid, ""); b.Status != want {
				t.Errorf("%s is %s, want %s", uid, b.Status, want)
			}
		}
		if q := h.st.outbox(); len(q) != 19 {
			t.Errorf("%d mails queued, want 19 (the copy of g-1 is not answered)", len(q))
		}
	})

	t.Run("a backlog delivered again is not decided again", func(t *testing.T) {
		h := newHarness(t)
		src := newFakeSource()
		stop := runLoop(t, h, src)
		b := backlog(20, first, rival, later)
		src.batches <- b
		waitFor(t, "filing", 5*time.Second, func() bool { return len(src.filings()) == 20 })
		src.batches <- b
		waitFor(t, "filing again", 5*time.Second, func() bool { return len(src.filings()) == 40 })
		stop()
		if q := h.st.outbox(); len(q) != 20 {
			t.Errorf("%d mails queued, want 20 (none for the second delivery)", len(q))
		}
		if n := updates(h); n != 2 {
			t.Errorf("%d transactions, want 2", n)
		}
	})

	t.Run("a few messages are decided one by one", func(t *testing.T) {
		h := newHarness(t)
		src := newFakeSource()
		stop := runLoop(t, h, src)
		src.batches <- backlog(3, first, rival, later)
		waitFor(t, "filing", 5*time.Second, func() bool { return len(src.filings()) == 3 })
		stop()
		if n := updates(h); n != 3 {
			t.Errorf("%d transactions for 3 messages, want 3", n)
		}
	})

	t.Run("a panic in the group: the rest decided, the bad one rejected", func(t *testing.T) {
		h := newHarness(t, func(o *gateway.Options) { o.Renderer = pickyRenderer{realTemplates(t)} })
		src := newFakeSource()
		stop := runLoop(t, h, src)
		src.batches <- backlog(20, first, boom, later)
		waitFor(t, "filing", 5*time.Second, func() bool { return len(src.filings()) == 20 })
		stop()
		got := src.filings()
		if want := []string{"INBOX/1/1 processed", "INBOX/1/2 rejected", "INBOX/1/3 processed"}; !slices.Equal(got[:3], want) {
			t.Errorf("filed %q, want %q first", got, want)
		}
		if q := h.st.outbox(); len(q) != 19 {
			t.Errorf("%d mails queued, want 19", len(q))
		}
		if bs := h.st.bookings(); len(bs) != 19 {
			t.Errorf("%d bookings, want 19 (none for the message that panicked)", len(bs))
		}
	})

	t.Run("a bad message in the middle: the group is decided around it, not one by one", func(t *testing.T) {
		h := newHarness(t, func(o *gateway.Options) { o.Renderer = pickyRenderer{realTemplates(t)} })
		src := newFakeSource()
		stop := runLoop(t, h, src)
		head := make([][]byte, 11)
		head[10] = boom
		for i := range 10 {
			head[i] = meeting("REQUEST", fmt.Sprintf("m-%d", i), bob, 0, tomorrow(9, 0).AddDate(0, 1, i), tomorrow(10, 0).AddDate(0, 1, i)).bytes()
		}
		src.batches <- backlog(20, head...)
		waitFor(t, "filing", 5*time.Second, func() bool { return len(src.filings()) == 20 })
		stop()
		if got := src.filings(); got[10] != "INBOX/1/11 rejected" {
			t.Errorf("filed %q, want the 11th rejected", got)
		}
		// The failed group, the 10 before it again, the bad one's try and
		// its rejection, the 9 after it.
		if n := updates(h); n > 5 {
			t.Errorf("%d transactions, want at most 5 (not one per message)", n)
		}
		if bs := h.st.bookings(); len(bs) != 19 {
			t.Errorf("%d bookings, want 19", len(bs))
		}
	})
}

// pickyRenderer panics on the meeting named "Meeting boom".
type pickyRenderer struct{ gateway.Renderer }

func (r pickyRenderer) Render(lang, name string, data any) (gateway.Rendered, error) {
	if v, ok := data.(gateway.MailView); ok && v.Summary == "Meeting boom" {
		panic("renderer exploded")
	}
	return r.Renderer.Render(lang, name, data)
}

type panicRenderer struct{}

func (panicRenderer) Render(lang, name string, data any) (gateway.Rendered, error) {
	panic("renderer exploded")
}

// fakeSender fails with the errors queued in errs, then succeeds.
type fakeSender struct {
	mu   sync.Mutex
	errs []error
	sent []string // "from > to" of each mail sent
	hits int
}

func (s *fakeSender) Send(ctx context.Context, from string, to []string, raw []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hits++
	if len(s.errs) > 0 {
		err := s.errs[0]
		s.errs = s.errs[1:]
		if err != nil {
			return err
		}
	}
	s.sent = append(s.sent, from+" > "+to[0])
	return nil
}

type permanentErr struct{ msg string }

func (e permanentErr) Error() string   { return e.msg }
func (e permanentErr) Permanent() bool { return true }

func TestFlushOutbox(t *testing.T) {
	ctx := context.Background()
	// queue books two meetings, so two replies are pending.
	queue := func(t *testing.T) *harness {
		h := newHarness(t)
		h.handle(meeting("REQUEST", "m-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
		h.handle(meeting("REQUEST", "m-2", bob, 0, tomorrow(14, 0), tomorrow(15, 0)).bytes())
		return h
	}
	opt := gateway.OutboxOptions{}

	t.Run("temporary error, then recovery", func(t *testing.T) {
		h := queue(t)
		s := &fakeSender{errs: []error{errors.New("421 4.3.2 try again later")}}
		n, err := h.g.FlushOutbox(ctx, s, opt)
		if n != 0 || err != nil || s.hits != 1 {
			t.Fatalf("FlushOutbox = %d, %v after %d sends; want 0, nil after 1 (stop at a temporary error)", n, err, s.hits)
		}
		q := h.st.outbox()
		m := q[0]
		if m.Status != gateway.OutboxPending || m.Attempts != 1 || m.LastError != "421 4.3.2 try again later" ||
			m.NextAttempt.Before(t0.Add(15*time.Second)) || m.NextAttempt.After(t0.Add(18*time.Second)) {
			t.Errorf("after a temporary error: %s attempts %d next %v err %q", m.Status, m.Attempts, m.NextAttempt, m.LastError)
		}
		// The second mail was not tried: it waits with the first, so
		// that once the server answers they leave in order.
		if q[1].Attempts != 0 || q[1].Status != gateway.OutboxPending || !q[1].NextAttempt.Equal(m.NextAttempt) {
			t.Errorf("second mail: %s attempts %d next %v, want pending, untried, due with the first", q[1].Status, q[1].Attempts, q[1].NextAttempt)
		}
		if n, err := h.g.FlushOutbox(ctx, s, opt); n != 0 || err != nil {
			t.Errorf("second flush = %d, %v; want nothing due yet", n, err)
		}
		h.clock.advance(time.Minute)
		if n, err := h.g.FlushOutbox(ctx, s, opt); n != 2 || err != nil {
			t.Errorf("after recovery = %d, %v; want 2 sent", n, err)
		}
		for _, m := range h.st.outbox() {
			if m.Status != gateway.OutboxSent {
				t.Errorf("mail %d is %s", m.ID, m.Status)
			}
		}
		if m := h.st.outbox()[0]; !m.SentAt.Equal(t0.Add(time.Minute)) || m.Attempts != 1 {
			t.Errorf("first mail sent at %v after %d failed attempts", m.SentAt, m.Attempts)
		}
		want := []string{"zoom@coop.example > alice@coop.example", "zoom@coop.example > bob@coop.example"}
		if !slices.Equal(s.sent, want) {
			t.Errorf("sent %q, want %q", s.sent, want)
		}
	})

	t.Run("permanent error", func(t *testing.T) {
		h := queue(t)
		s := &fakeSender{errs: []error{permanentErr{"550 5.1.1 no such user"}}}
		n, err := h.g.FlushOutbox(ctx, s, opt)
		if n != 1 || err != nil || s.hits != 2 {
			t.Fatalf("FlushOutbox = %d, %v after %d sends; want 1, nil after 2", n, err, s.hits)
		}
		m := h.st.outbox()[0]
		if m.Status != gateway.OutboxFailed || m.Attempts != 1 || m.LastError != "550 5.1.1 no such user" {
			t.Errorf("after a permanent error: %s attempts %d err %q", m.Status, m.Attempts, m.LastError)
		}
		h.clock.advance(24 * time.Hour)
		if n, _ := h.g.FlushOutbox(ctx, s, opt); n != 0 || s.hits != 2 {
			t.Errorf("failed mail sent again")
		}
	})

	t.Run("one recipient busy: only its mail waits", func(t *testing.T) {
		h := queue(t)
		s := &fakeSender{errs: []error{perMailErr{"450 4.2.1 mailbox busy"}}}
		n, err := h.g.FlushOutbox(ctx, s, opt)
		if n != 1 || err != nil || s.hits != 2 {
			t.Fatalf("FlushOutbox = %d, %v after %d sends; want 1, nil after 2 (the second mail goes on)", n, err, s.hits)
		}
		q := h.st.outbox()
		if q[0].Status != gateway.OutboxPending || q[0].Attempts != 1 || !q[0].NextAttempt.After(t0) {
			t.Errorf("busy recipient's mail: %s attempts %d next %v", q[0].Status, q[0].Attempts, q[0].NextAttempt)
		}
		if q[1].Status != gateway.OutboxSent {
			t.Errorf("the other mail is %s, want sent at once", q[1].Status)
		}
	})

	t.Run("too many attempts", func(t *testing.T) {
		h := queue(t)
		tmp := errors.New("451 busy")
		s := &fakeSender{errs: []error{tmp, tmp}}
		opt := gateway.OutboxOptions{MaxAttempts: 2}
		h.g.FlushOutbox(ctx, s, opt)
		h.clock.advance(time.Hour)
		h.g.FlushOutbox(ctx, s, opt)
		if m := h.st.outbox()[0]; m.Status != gateway.OutboxFailed || m.Attempts != 2 {
			t.Errorf("after MaxAttempts: %s attempts %d", m.Status, m.Attempts)
		}
	})
}

// TestConcurrentHandle: decisions made at once for the same slot are
// serialized by the store: exactly one member gets the room.
func TestConcurrentHandle(t *testing.T) {
	h := newHarness(t)
	const n = 8
	outcomes := make(chan gateway.Outcome, n)
	var wg sync.WaitGroup
	for i := range n {
		raw := meeting("REQUEST", "c-"+strconv.Itoa(i), "member"+strconv.Itoa(i)+"@coop.example", 0, tomorrow(10, 0), tomorrow(11, 0)).bytes()
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := h.g.Handle(context.Background(), incoming(raw))
			if err != nil {
				t.Errorf("Handle: %v", err)
			}
			outcomes <- out
		}()
	}
	wg.Wait()
	close(outcomes)
	count := map[gateway.Action]int{}
	for o := range outcomes {
		count[o.Action]++
	}
	if count[gateway.ActionAccepted] != 1 || count[gateway.ActionDeclined] != n-1 {
		t.Errorf("actions = %v, want 1 accepted and %d declined", count, n-1)
	}
	if q := h.st.outbox(); len(q) != n {
		t.Errorf("%d replies queued, want %d", len(q), n)
	}
}

// TestRunOutbox: a decision wakes the dispatcher at once; a shutdown
// returns.
func TestRunOutbox(t *testing.T) {
	h := newHarness(t)
	s := &fakeSender{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.g.RunOutbox(ctx, s, gateway.OutboxOptions{Interval: time.Hour}) }()
	h.handle(meeting("REQUEST", "m-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
	waitFor(t, "the reply sent", 5*time.Second, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.sent) == 1
	})
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("RunOutbox = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("RunOutbox did not return")
	}
	if m := h.st.outbox()[0]; m.Status != gateway.OutboxSent {
		t.Errorf("mail is %s", m.Status)
	}
}

// perMailErr is a temporary failure of one mail only (gateway.PerMailError).
type perMailErr struct{ msg string }

func (e perMailErr) Error() string { return e.msg }
func (e perMailErr) PerMail() bool { return true }
