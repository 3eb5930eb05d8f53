package gateway_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

func TestCancelBooking(t *testing.T) {
	h := newHarness(t)
	inv := meeting("REQUEST", "alice-1", alice, 3, tomorrow(10, 0), tomorrow(11, 0))
	inv.Events[0].Summary = "Budget <2027>"
	if o := h.handle(inv.bytes()); o.Action != gateway.ActionAccepted {
		t.Fatalf("invitation: %s (%s)", o.Action, o.Reason)
	}
	booked := h.booking("alice-1", "")
	n := len(h.st.outbox())
	h.clock.advance(time.Hour)

	got, err := h.g.CancelBooking(context.Background(), booked.ID, "general assembly")
	if err != nil {
		t.Fatalf("CancelBooking: %v", err)
	}
	if got.Status != gateway.StatusCancelled || got.Reason != "cancelled by the operator: general assembly" {
		t.Errorf("returned booking: %s %q", got.Status, got.Reason)
	}
	if b := h.booking("alice-1", ""); b.Status != gateway.StatusCancelled {
		t.Errorf("stored booking is %s, want cancelled", b.Status)
	}
	audit := h.st.auditLog()
	last := audit[len(audit)-1]
	if last.Kind != gateway.KindOperator || last.Action != gateway.ActionCancelled || last.UID != "alice-1" ||
		last.Organizer != alice || !last.Start.Equal(tomorrow(10, 0)) || last.Reason != got.Reason {
		t.Errorf("audit entry: %+v", last)
	}

	m, r := h.onlyMail(n)
	if m.From != roomAddr || !slices.Equal(m.To, []string{alice}) || m.UID != "alice-1" {
		t.Errorf("mail from %q to %v uid %q", m.From, m.To, m.UID)
	}
	if got := r.Header.Get("In-Reply-To"); got != booked.MessageID || got == "" {
		t.Errorf("In-Reply-To %q, want %q", got, booked.MessageID)
	}
	if !strings.Contains(r.CalType, "method=REPLY") || r.Cal.Method != "REPLY" || len(r.Cal.Events) != 1 {
		t.Fatalf("calendar %q method %q", r.CalType, r.Cal.Method)
	}
	ev := r.Cal.Events[0]
	if ev.UID != "alice-1" || ev.Sequence != 3 || partStat(t, ev) != "DECLINED" || ev.Organizer.Address() != alice ||
		attendeeLine(t, ev).Address() != roomAddr || !ev.Start.Equal(tomorrow(10, 0)) || ev.RecurrenceID != nil {
		t.Errorf("reply VEVENT: uid %q seq %d partstat %s organizer %q start %s", ev.UID, ev.Sequence,
			partStat(t, ev), ev.Organizer.Address(), ev.Start)
	}
	if p := ev.Prop("COMMENT"); p == nil || p.Text() != "The room is no longer booked for this meeting. general assembly" {
		t.Errorf("COMMENT = %v", p)
	}
	if !strings.Contains(r.Text, "general assembly") || !strings.Contains(r.HTML, "Budget &lt;2027&gt;") {
		t.Errorf("mail text lacks the note or escaping:\n%s\n%s", r.Text, r.HTML)
	}
	noSecrets(t, m.Raw, r)

	if _, err := h.g.CancelBooking(context.Background(), booked.ID, ""); !errors.Is(err, gateway.ErrNotAccepted) {
		t.Errorf("second cancel: %v, want ErrNotAccepted", err)
	}
	if _, err := h.g.CancelBooking(context.Background(), 9999, ""); !errors.Is(err, gateway.ErrNoBooking) {
		t.Errorf("unknown ID: %v, want ErrNoBooking", err)
	}
	if len(h.st.outbox()) != n+1 {
		t.Errorf("failed cancels queued mail")
	}
}

func TestCancelBookingOccurrence(t *testing.T) {
	h := newHarness(t)
	inv := meeting("REQUEST", "weekly", alice, 0, tomorrow(14, 0), tomorrow(15, 0))
	inv.Events[0].Lines = []string{"RRULE:FREQ=WEEKLY;COUNT=3"}
	if o := h.handle(inv.bytes()); o.Action != gateway.ActionAccepted {
		t.Fatalf("invitation: %s (%s)", o.Action, o.Reason)
	}
	second := h.booking("weekly", gateway.RecurrenceKey(tomorrow(14, 0).AddDate(0, 0, 7)))
	n := len(h.st.outbox())
	if _, err := h.g.CancelBooking(context.Background(), second.ID, ""); err != nil {
		t.Fatalf("CancelBooking: %v", err)
	}
	_, r := h.onlyMail(n)
	ev := r.Cal.Events[0]
	if ev.RecurrenceID == nil || !ev.RecurrenceID.Time.Equal(second.Start) || partStat(t, ev) != "DECLINED" {
		t.Errorf("reply RECURRENCE-ID %v, want %s", ev.RecurrenceID, second.Start)
	}
	accepted := 0
	for _, b := range h.st.bookings() {
		if b.Status == gateway.StatusAccepted {
			accepted++
		}
	}
	if accepted != 2 {
		t.Errorf("%d dates still booked, want 2", accepted)
	}
}

func TestOnOutcome(t *testing.T) {
	var mu sync.Mutex
	var seen []gateway.Outcome
	h := newHarness(t, func(o *gateway.Options) {
		o.OnOutcome = func(out gateway.Outcome, took time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			if took < 0 {
				t.Errorf("negative duration %s", took)
			}
			seen = append(seen, out)
		}
	})
	msg := meeting("REQUEST", "alice-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes()
	h.handle(msg)
	h.handle(msg) // already processed: reported as ignored
	h.handle([]byte("not a mail"))
	mu.Lock()
	defer mu.Unlock()
	want := []gateway.Action{gateway.ActionAccepted, gateway.ActionIgnored, gateway.ActionRejected}
	if len(seen) != len(want) {
		t.Fatalf("%d outcomes observed, want %d", len(seen), len(want))
	}
	for i, o := range seen {
		if o.Action != want[i] {
			t.Errorf("outcome %d: %s, want %s", i, o.Action, want[i])
		}
	}
}
