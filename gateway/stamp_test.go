package gateway_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/ical"
)

// itipStamps returns, in the order queued, the METHOD and DTSTAMP of the
// iTIP messages queued to org about uid since the outbox had n mails.
func itipStamps(t *testing.T, h *harness, n int, org, uid string) (methods []string, stamps []time.Time) {
	t.Helper()
	for _, m := range h.queuedSince(n) {
		if m.To[0] != org || m.UID != uid {
			continue
		}
		data, err := ical.FindCalendar(m.Raw, 1<<20)
		if err != nil {
			continue // a mail without calendar
		}
		cal, err := ical.Parse(data, ical.ParseOptions{})
		if err != nil || len(cal.Events) == 0 {
			t.Fatalf("queued calendar: %v\n%s", err, data)
		}
		methods, stamps = append(methods, cal.Method), append(stamps, cal.Events[0].DTStamp)
		if !m.CreatedAt.Equal(cal.Events[0].DTStamp) {
			t.Errorf("%s queued at %v, stamped %v", cal.Method, m.CreatedAt, cal.Events[0].DTStamp)
		}
	}
	return methods, stamps
}

// strictlyLater fails unless each stamp comes after the one before.
func strictlyLater(t *testing.T, methods []string, stamps []time.Time, want ...string) {
	t.Helper()
	if strings.Join(methods, " ") != strings.Join(want, " ") {
		t.Fatalf("iTIP messages %v, want %v", methods, want)
	}
	for i := 1; i < len(stamps); i++ {
		if !stamps[i].After(stamps[i-1]) {
			t.Errorf("%s stamped %v, not after the %s before it (%v)", methods[i], stamps[i], methods[i-1], stamps[i-1])
		}
	}
}

// TestStampDeclineThenCounter: with the clock frozen, the COUNTER that
// goes with a decline is stamped a second after it (Thunderbird drops a
// COUNTER whose SEQUENCE and DTSTAMP equal the last reply's), and the
// answer to the organizer's next version a second after the COUNTER.
func TestStampDeclineThenCounter(t *testing.T) {
	h := newHarness(t, counterOn)
	h.handle(meeting("REQUEST", "a-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
	if out := h.handle(bobAsks(thunderbirdProdID, 2).bytes()); out.Action != gateway.ActionDeclined || out.Queued != 2 {
		t.Fatalf("bob: %+v, want declined with a COUNTER", out)
	}
	// Thunderbird's "Reschedule" in the same frozen second.
	moved := stamped(meeting("REQUEST", "tb-1", bob, 3, tomorrow(11, 15), tomorrow(12, 15)), time.Second)
	moved.ProdID = thunderbirdProdID
	if o := h.handle(moved.bytes()); o.Action != gateway.ActionAccepted {
		t.Fatalf("bob accepts the proposal: %+v", o)
	}
	methods, stamps := itipStamps(t, h, 0, bob, "tb-1")
	strictlyLater(t, methods, stamps, "REPLY", "COUNTER", "REPLY")
	if want := t0.Add(time.Second); !stamps[1].Equal(want) {
		t.Errorf("COUNTER stamped %v, want %v", stamps[1], want)
	}
	// Once the clock has moved on, the stamp is the time again.
	h.clock.advance(time.Hour)
	again := stamped(meeting("REQUEST", "tb-1", bob, 4, tomorrow(15, 0), tomorrow(16, 0)), time.Hour)
	h.handle(again.bytes())
	if _, st := itipStamps(t, h, 0, bob, "tb-1"); !st[len(st)-1].Equal(t0.Add(time.Hour)) {
		t.Errorf("an hour later stamped %v, want %v", st[len(st)-1], t0.Add(time.Hour))
	}
}

// TestStampWaitingThenAccepted: the waiting request's accepting REPLY,
// decided in the same frozen second as its decline, is stamped after it.
func TestStampWaitingThenAccepted(t *testing.T) {
	h := newHarness(t, waitlistOn)
	h.handle(meeting("REQUEST", "a-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
	if o := h.handle(meeting("REQUEST", "b-1", bob, 3, tomorrow(10, 30), tomorrow(11, 30)).bytes()); o.Action != gateway.ActionDeclined {
		t.Fatalf("bob: %+v", o)
	}
	cancel := stamped(meeting("CANCEL", "a-1", alice, 1, tomorrow(10, 0), tomorrow(11, 0)), time.Second)
	if o := h.handle(cancel.bytes()); o.Action != gateway.ActionCancelled {
		t.Fatalf("alice cancels: %+v", o)
	}
	if s := status(t, h, "b-1", ""); s != gateway.StatusAccepted {
		t.Fatalf("bob's booking is %s", s)
	}
	methods, stamps := itipStamps(t, h, 0, bob, "b-1")
	strictlyLater(t, methods, stamps, "REPLY", "REPLY")
}

// TestStampPendingThenApproved: a facilitator's approval decided in the
// same second as the TENTATIVE reply is stamped after it.
func TestStampPendingThenApproved(t *testing.T) {
	h := newHarness(t, approvalOn)
	if out := h.handle(longMeeting(1).bytes()); out.Action != gateway.ActionPending {
		t.Fatalf("outcome %+v", out)
	}
	approve, _ := approvalLinks(t, h, 0)
	if v, err := h.g.DecideApproval(context.Background(), approve, ""); err != nil || v.State != gateway.ApprovalApproved {
		t.Fatalf("DecideApproval = %+v, %v", v, err)
	}
	methods, stamps := itipStamps(t, h, 0, alice, "long-1")
	strictlyLater(t, methods, stamps, "REPLY", "REPLY")
}

// TestStampPerMeeting: the stamps of one meeting do not push another's,
// nor those of the same UID to another organizer.
func TestStampPerMeeting(t *testing.T) {
	h := newHarness(t)
	h.handle(meeting("REQUEST", "a-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
	h.handle(meeting("REQUEST", "a-2", alice, 0, tomorrow(14, 0), tomorrow(15, 0)).bytes())
	h.handle(meeting("REQUEST", "a-1", bob, 0, tomorrow(16, 0), tomorrow(17, 0)).bytes())
	for _, c := range []struct{ org, uid string }{{alice, "a-1"}, {alice, "a-2"}, {bob, "a-1"}} {
		if _, st := itipStamps(t, h, 0, c.org, c.uid); len(st) != 1 || !st[0].Equal(t0) {
			t.Errorf("%s %s stamped %v, want %v", c.org, c.uid, st, t0)
		}
	}
}
