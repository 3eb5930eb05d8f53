package gateway_test

import (
	"context"
	"mime"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// waitlistOn keeps the requests declined for a taken slot waiting.
func waitlistOn(o *gateway.Options) { o.Policy.Waitlist, o.Policy.WaitlistMax = true, 3 }

func status(t *testing.T, h *harness, uid, rid string) gateway.BookingStatus {
	t.Helper()
	return h.booking(uid, rid).Status
}

// TestWaitlistSingle: a request declined because the slot is taken waits;
// when the slot frees, it is accepted in the same transaction, with a new
// REPLY and the accept mail.
func TestWaitlistSingle(t *testing.T) {
	h := newHarness(t, waitlistOn)
	h.handle(meeting("REQUEST", "a-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
	n := len(h.st.outbox())
	o := h.handle(meeting("REQUEST", "b-1", bob, 3, tomorrow(10, 30), tomorrow(11, 30)).bytes())
	if o.Action != gateway.ActionDeclined || status(t, h, "b-1", "") != gateway.StatusWaiting {
		t.Fatalf("bob: %+v, booking %s", o, status(t, h, "b-1", ""))
	}
	_, r := h.onlyMail(n)
	if !strings.Contains(r.Text, "If the slot frees before the meeting, the room will accept it and tell\nyou.") {
		t.Errorf("decline text:\n%s", r.Text)
	}
	h.clock.advance(time.Minute)
	n = len(h.st.outbox())
	cancel := stamped(meeting("CANCEL", "a-1", alice, 1, tomorrow(10, 0), tomorrow(11, 0)), 2*time.Minute)
	got := public(h.handle(cancel.bytes()))
	if want := out(gateway.KindCancel, gateway.ActionCancelled, "a-1", "1 booking(s) freed", gateway.FolderProcessed, 1); got != want {
		t.Fatalf("alice cancels:\n got %+v\nwant %+v", got, want)
	}
	if s := status(t, h, "b-1", ""); s != gateway.StatusAccepted {
		t.Fatalf("bob's booking is %s, want accepted", s)
	}
	m, r := h.onlyMail(n)
	subject, _ := new(mime.WordDecoder).DecodeHeader(r.Header.Get("Subject"))
	if m.To[0] != bob || !strings.HasPrefix(subject, "The room is free after all: Meeting b-1") {
		t.Errorf("mail to %v, subject %q", m.To, subject)
	}
	ev := r.Cal.Events[0]
	if ev.UID != "b-1" || ev.Sequence != 3 || partStat(t, ev) != "ACCEPTED" || !ev.DTStamp.Equal(t0.Add(time.Minute)) {
		t.Errorf("REPLY: uid %s seq %d %s dtstamp %v", ev.UID, ev.Sequence, partStat(t, ev), ev.DTStamp)
	}
	for _, want := range []string{"The room has freed: your request was waiting, and it is accepted.", hostKey, joinURL} {
		if !strings.Contains(r.Text, want) {
			t.Errorf("accept text lacks %q:\n%s", want, r.Text)
		}
	}
	audit := h.st.auditLog()
	if a := audit[len(audit)-2]; a.UID != "b-1" || a.Action != gateway.ActionAccepted {
		t.Errorf("audit: %+v", a)
	}
}

// TestWaitlistOrder: waiters are served in the order they arrived; a
// request declined for the policy does not wait; nor one beyond
// WaitlistMax, nor any when the waiting list is off.
func TestWaitlistOrder(t *testing.T) {
	h := newHarness(t, waitlistOn, func(o *gateway.Options) { o.Policy.WaitlistMax = 2 })
	h.handle(meeting("REQUEST", "a-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
	h.handle(meeting("REQUEST", "b-1", bob, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
	h.clock.advance(time.Second)
	h.handle(meeting("REQUEST", "c-1", carol, 0, tomorrow(10, 30), tomorrow(11, 30)).bytes())
	h.handle(meeting("REQUEST", "d-1", dave, 0, tomorrow(10, 15), tomorrow(11, 15)).bytes())
	h.handle(meeting("REQUEST", "e-1", dave, 0, tomorrow(9, 0), tomorrow(18, 30)).bytes())
	for uid, want := range map[string]gateway.BookingStatus{"b-1": gateway.StatusWaiting, "c-1": gateway.StatusWaiting,
		"d-1": gateway.StatusDeclined, "e-1": gateway.StatusDeclined} {
		if got := status(t, h, uid, ""); got != want {
			t.Errorf("%s is %s, want %s", uid, got, want)
		}
	}
	h.handle(stamped(meeting("CANCEL", "a-1", alice, 1, tomorrow(10, 0), tomorrow(11, 0)), time.Minute).bytes())
	if b, c := status(t, h, "b-1", ""), status(t, h, "c-1", ""); b != gateway.StatusAccepted || c != gateway.StatusWaiting {
		t.Errorf("after the cancellation: bob %s, carol %s; want bob accepted first, carol still waiting", b, c)
	}
	off := newHarness(t)
	off.handle(meeting("REQUEST", "a-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
	off.handle(meeting("REQUEST", "b-1", bob, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
	if s := status(t, off, "b-1", ""); s != gateway.StatusDeclined {
		t.Errorf("without a waiting list bob is %s", s)
	}
}

// TestWaitlistEnds: a waiting request ends at its start, without a mail,
// and one its organizer changes is decided afresh.
func TestWaitlistEnds(t *testing.T) {
	h := newHarness(t, waitlistOn)
	h.handle(meeting("REQUEST", "a-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
	h.handle(meeting("REQUEST", "b-1", bob, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
	moved := stamped(meeting("REQUEST", "b-1", bob, 1, tomorrow(14, 0), tomorrow(15, 0)), time.Minute)
	if out := h.handle(moved.bytes()); out.Action != gateway.ActionAccepted {
		t.Fatalf("bob moves his request: %+v", out)
	}
	h.handle(meeting("REQUEST", "c-1", carol, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
	n := len(h.st.outbox())
	h.clock.now = tomorrow(10, 0)
	if k, err := h.g.ExpireWaiting(context.Background()); k != 1 || err != nil {
		t.Fatalf("ExpireWaiting = %d, %v", k, err)
	}
	if s := status(t, h, "c-1", ""); s != gateway.StatusDeclined {
		t.Errorf("carol's request is %s after its start", s)
	}
	h.handle(stamped(meeting("CANCEL", "a-1", alice, 1, tomorrow(10, 0), tomorrow(11, 0)), time.Minute).bytes())
	if got := len(h.st.outbox()); got != n {
		t.Errorf("%d mails after the start, want none", got-n)
	}
}

// TestWaitlistSeriesDate: a busy date of a series waits like a single
// event, and is answered alone for its RECURRENCE-ID.
func TestWaitlistSeriesDate(t *testing.T) {
	h := newHarness(t, waitlistOn)
	h.handle(meeting("REQUEST", "x-1", carol, 0, at(2026, 12, 8, 10, 0), at(2026, 12, 8, 11, 0)).bytes())
	if out := h.handle(weekly6("s-1", 0, 10, 0).bytes()); out.Action != gateway.ActionAccepted {
		t.Fatalf("series: %+v", out)
	}
	const rid = "20261208T090000Z"
	if s := status(t, h, "s-1", rid); s != gateway.StatusWaiting {
		t.Fatalf("8 December is %s, want waiting", s)
	}
	n := len(h.st.outbox())
	h.handle(stamped(meeting("CANCEL", "x-1", carol, 1, at(2026, 12, 8, 10, 0), at(2026, 12, 8, 11, 0)), time.Minute).bytes())
	if s := status(t, h, "s-1", rid); s != gateway.StatusAccepted {
		t.Fatalf("8 December is %s after carol cancelled", s)
	}
	m, r := h.onlyMail(n)
	ev := r.Cal.Events[0]
	if m.To[0] != alice || ev.RecurrenceID == nil || !ev.RecurrenceID.Time.Equal(at(2026, 12, 8, 10, 0)) || partStat(t, ev) != "ACCEPTED" {
		t.Errorf("REPLY to %v: %+v %s", m.To, ev.RecurrenceID, partStat(t, ev))
	}
	if !strings.Contains(r.Text, "Tuesday 8 December 2026") {
		t.Errorf("the mail does not name the date:\n%s", r.Text)
	}
}

// TestWaitlistOperatorCancel: the operator freeing a booking serves the
// waiting list too.
func TestWaitlistOperatorCancel(t *testing.T) {
	h := newHarness(t, waitlistOn)
	h.handle(meeting("REQUEST", "a-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
	h.handle(meeting("REQUEST", "b-1", bob, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
	if _, err := h.g.CancelBooking(context.Background(), h.booking("a-1", "").ID, "AG"); err != nil {
		t.Fatal(err)
	}
	if s := status(t, h, "b-1", ""); s != gateway.StatusAccepted {
		t.Errorf("bob is %s after the operator freed the slot", s)
	}
}

// TestWaitlistQuietEdit: an edit of a waiting request that keeps its slot
// (the link or a guest added, SEQUENCE raised) gets the short "change
// received" mail, not the whole decline again; so does a series booked
// but for one waiting date.
func TestWaitlistQuietEdit(t *testing.T) {
	h := newHarness(t, waitlistOn)
	h.handle(meeting("REQUEST", "a-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
	h.handle(meeting("REQUEST", "b-1", bob, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
	n := len(h.st.outbox())
	h.handle(stamped(withLocation(meeting("REQUEST", "b-1", bob, 1, tomorrow(10, 0), tomorrow(11, 0)), joinURL), time.Minute).bytes())
	_, r := h.onlyMail(n)
	if got, want := subjectOf(t, r), "Change received: Meeting b-1 — Tuesday 1 December 2026, 10:00–11:00"; got != want {
		t.Errorf("subject = %q, want %q", got, want)
	}
	if !strings.Contains(r.Text, "keeps its place on the waiting list") || partStat(t, r.Cal.Events[0]) != "DECLINED" {
		t.Errorf("short mail:\n%s", r.Text)
	}
	if s := status(t, h, "b-1", ""); s != gateway.StatusWaiting {
		t.Errorf("bob's request is %s after the edit, want still waiting", s)
	}

	h.handle(meeting("REQUEST", "x-1", carol, 0, at(2026, 12, 8, 10, 0), at(2026, 12, 8, 11, 0)).bytes())
	h.handle(weekly6("s-1", 0, 10, 0).bytes())
	n = len(h.st.outbox())
	edit := weekly6("s-1", 1, 10, time.Minute)
	edit.Events[0].Lines = append(edit.Events[0].Lines, "DESCRIPTION:ordre du jour")
	h.handle(edit.bytes())
	_, r = h.onlyMail(n)
	if got := subjectOf(t, r); !strings.HasPrefix(got, "Change received: ") {
		t.Errorf("series with a waiting date: subject = %q, want the short mail", got)
	}
}

// TestWaitlistReleasesCounterHold: a request both waiting and offered a
// COUNTER gets the slot it asked for when that slot frees: the proposed
// slot's hold is released with it, leaving no unexplained gap.
func TestWaitlistReleasesCounterHold(t *testing.T) {
	h := newHarness(t, waitlistOn, counterOn)
	h.handle(meeting("REQUEST", "a-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
	if out := h.handle(bobAsks(thunderbirdProdID, 0).bytes()); out.Queued != 2 {
		t.Fatalf("bob: %+v, want the decline and a COUNTER", out)
	}
	if s := status(t, h, "tb-1", ""); s != gateway.StatusWaiting {
		t.Fatalf("bob's request is %s, want waiting", s)
	}
	if s := status(t, h, "tb-1", "hold"); s != gateway.StatusHeld {
		t.Fatalf("the proposed slot is %s, want held", s)
	}
	h.clock.advance(time.Minute)
	h.handle(stamped(meeting("CANCEL", "a-1", alice, 1, tomorrow(10, 0), tomorrow(11, 0)), time.Minute).bytes())
	if s := status(t, h, "tb-1", ""); s != gateway.StatusAccepted {
		t.Fatalf("bob's request is %s after alice cancelled", s)
	}
	if s := status(t, h, "tb-1", "hold"); s != gateway.StatusCancelled {
		t.Errorf("the proposed slot is %s once bob got his own, want released", s)
	}
	if o := h.handle(meeting("REQUEST", "c-1", carol, 0, tomorrow(11, 45), tomorrow(12, 15)).bytes()); o.Action != gateway.ActionAccepted {
		t.Errorf("carol in the slot that was proposed: %+v", o)
	}
}
