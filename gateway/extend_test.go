package gateway_test

import (
	"strconv"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// openWeekly is a series without end: every `interval` weeks from first,
// 10:00 or 10:30 Paris, one hour.
func openWeekly(uid, org string, first time.Time, interval int) invite {
	rule := "RRULE:FREQ=WEEKLY;INTERVAL=" + strconv.Itoa(interval)
	return invite{Events: []vevent{{UID: uid, Start: first, End: first.Add(time.Hour), Paris: true,
		Organizer: org, Attendees: []string{roomAddr}, Summary: "Open " + uid, Lines: []string{rule}}}}
}

// TestOpenEndedSeriesMeetFarAhead: two series without end are both
// accepted, their dates known up to the booking window; as the window
// moves, the dates it reaches are decided, and the first date where they
// meet is declined for the later one, whose organizer gets a REPLY
// declining that RECURRENCE-ID.
func TestOpenEndedSeriesMeetFarAhead(t *testing.T) {
	h := newHarness(t, func(o *gateway.Options) { o.Policy.BookingWindow = 30 * 24 * time.Hour })
	// Alice every 5 weeks from Monday 7 December, Bob every 3 weeks from
	// 14 December: they first meet on 15 February 2027.
	if out := h.handle(openWeekly("a-open", alice, at(2026, 12, 7, 10, 0), 5).bytes()); out.Action != gateway.ActionAccepted {
		t.Fatalf("Alice's series: %+v", out)
	}
	// Bob books a minute later: where the series meet, the earlier booking
	// keeps the date (series are extended in the order they were decided).
	h.clock.advance(time.Minute)
	if out := h.handle(openWeekly("b-open", bob, at(2026, 12, 14, 10, 30), 3).bytes()); out.Action != gateway.ActionAccepted {
		t.Fatalf("Bob's series: %+v", out)
	}
	mails := len(h.st.outbox())
	if n, err := h.g.ExtendSeries(t.Context()); err != nil || n != 0 {
		t.Fatalf("ExtendSeries right away = %d, %v; want nothing to do", n, err)
	}

	h.clock.advance(50 * 24 * time.Hour) // 19 January 2027: the window reaches 18 February
	if n, err := h.g.ExtendSeries(t.Context()); err != nil || n != 2 {
		t.Fatalf("ExtendSeries = %d, %v; want both series extended", n, err)
	}
	for _, tc := range []struct {
		uid, key string
		want     gateway.BookingStatus
	}{
		{"a-open", "20270215T090000Z", gateway.StatusAccepted},
		{"b-open", "20270125T093000Z", gateway.StatusAccepted},
		{"b-open", "20270215T093000Z", gateway.StatusDeclined},
	} {
		if b := h.booking(tc.uid, tc.key); b.Status != tc.want {
			t.Errorf("%s %s: %s, want %s", tc.uid, tc.key, b.Status, tc.want)
		}
	}
	sent := h.queuedSince(mails)
	if len(sent) != 1 || sent[0].To[0] != bob {
		t.Fatalf("%d mails queued (%v), want one to Bob", len(sent), sent)
	}
	r := decodeReply(t, sent[0].Raw)
	if len(r.Cal.Events) != 1 {
		t.Fatalf("REPLY holds %d components, want the one declined date", len(r.Cal.Events))
	}
	ev := r.Cal.Events[0]
	if ev.RecurrenceID == nil || !ev.RecurrenceID.Time.Equal(time.Date(2027, 2, 15, 9, 30, 0, 0, time.UTC)) ||
		ev.Attendees[0].Param("PARTSTAT") != "DECLINED" {
		t.Errorf("REPLY component: RECURRENCE-ID %v, PARTSTAT %s", ev.RecurrenceID, ev.Attendees[0].Param("PARTSTAT"))
	}
	if n, err := h.g.ExtendSeries(t.Context()); err != nil || n != 0 {
		t.Errorf("ExtendSeries again = %d, %v; want nothing left to do", n, err)
	}

	// Bob cancels his series: it is no longer extended.
	h.handle(invite{Method: "CANCEL", Events: []vevent{{UID: "b-open", Seq: 1, Start: at(2026, 12, 14, 10, 30),
		End: at(2026, 12, 14, 11, 30), Paris: true, Organizer: bob, Attendees: []string{roomAddr}}}}.bytes())
	h.clock.advance(30 * 24 * time.Hour)
	if n, err := h.g.ExtendSeries(t.Context()); err != nil || n != 1 {
		t.Errorf("ExtendSeries after Bob's cancel = %d, %v; want only Alice's series", n, err)
	}
}

// TestCatchUpSeries: more series due than one batch holds are all
// extended by one call, as `roomgate process -now` needs; after it,
// nothing is left due.
func TestCatchUpSeries(t *testing.T) {
	h := newHarness(t, func(o *gateway.Options) { o.Policy.BookingWindow = 30 * 24 * time.Hour })
	const n = 25 // more than one batch
	for i := range n {
		org := "member" + strconv.Itoa(i) + "@coop.example"
		first := at(2026, 12, 7+i/5, 8+2*(i%5), 0)
		if out := h.handle(openWeekly("c-open-"+strconv.Itoa(i), org, first, 1).bytes()); out.Action != gateway.ActionAccepted {
			t.Fatalf("series %d: %+v", i, out)
		}
	}
	if got, err := h.g.CatchUpSeries(t.Context()); err != nil || got != 0 {
		t.Fatalf("CatchUpSeries right away = %d, %v; want nothing due", got, err)
	}
	h.clock.advance(20 * 24 * time.Hour)
	if got, err := h.g.CatchUpSeries(t.Context()); err != nil || got != n {
		t.Fatalf("CatchUpSeries = %d, %v; want all %d series", got, err, n)
	}
	if got, err := h.g.ExtendSeries(t.Context()); err != nil || got != 0 {
		t.Errorf("ExtendSeries after the catch-up = %d, %v; want nothing left", got, err)
	}
	last := at(2026, 12, 11, 16, 0).Add(4 * 7 * 24 * time.Hour) // the last series' date reached by the window
	if b := h.booking("c-open-24", last.UTC().Format("20060102T150405Z")); b.Status != gateway.StatusAccepted {
		t.Errorf("c-open-24 on %s: %s, want accepted", last, b.Status)
	}
}
