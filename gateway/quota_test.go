package gateway_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// TestQuotaWeekHours: hours per week count every room, and the decline
// names what is booked and the limit.
func TestQuotaWeekHours(t *testing.T) {
	h := newHarness(t, func(o *gateway.Options) {
		o.Policy.MaxWeekHours = 6 * time.Hour
		o.Rooms = append(o.Rooms, gateway.Room{Name: "Salle 2", Address: "zoom2@coop.example", JoinURL: joinURL})
		o.Concurrent = 2
	})
	book := func(uid string, s, e time.Time, room string) gateway.Outcome {
		iv := meeting("REQUEST", uid, alice, 0, s, e)
		iv.Events[0].Attendees = []string{room}
		return h.handle(iv.bytes())
	}
	if out := book("q1", tomorrow(9, 0), tomorrow(13, 0), roomAddr); out.Action != gateway.ActionAccepted {
		t.Fatalf("4 h: %+v", out)
	}
	n := len(h.st.outbox())
	out := book("q2", at(2026, 12, 2, 9, 0), at(2026, 12, 2, 12, 0), "zoom2@coop.example")
	want := "alice@coop.example already has 4 h booked in the week of 2026-11-30; the limit is 6 h a week"
	if out.Action != gateway.ActionDeclined || out.Reason != want {
		t.Fatalf("3 h more in another room: %+v, want declined: %s", out, want)
	}
	_, r := h.onlyMail(n)
	if !strings.Contains(r.Text, "You already have 4 hours booked in the week of\nMonday 30 November 2026") ||
		!strings.Contains(r.Text, "limit of 6 hours") {
		t.Errorf("decline text:\n%s", r.Text)
	}
	if partStat(t, r.Cal.Events[0]) != "DECLINED" {
		t.Errorf("the REPLY does not decline")
	}
	if out := book("q3", at(2026, 12, 3, 9, 0), at(2026, 12, 3, 11, 0), roomAddr); out.Action != gateway.ActionAccepted {
		t.Errorf("2 h more, exactly the limit: %+v", out)
	}
	if out := book("q4", at(2026, 12, 8, 9, 0), at(2026, 12, 8, 13, 0), roomAddr); out.Action != gateway.ActionAccepted {
		t.Errorf("the next week: %+v", out)
	}
	// Moving a booking does not count it twice.
	if out := h.handle(stamped(meeting("REQUEST", "q1", alice, 1, tomorrow(14, 0), tomorrow(18, 0)), time.Minute).bytes()); out.Action != gateway.ActionAccepted {
		t.Errorf("q1 moved, same length: %+v", out)
	}
}

// TestQuotaFutureBookings: at most that many bookings ahead; one that
// passes makes room.
func TestQuotaFutureBookings(t *testing.T) {
	h := newHarness(t, func(o *gateway.Options) { o.Policy.MaxFutureBookings = 2 })
	for i, hh := range []int{9, 11} {
		if out := h.handle(meeting("REQUEST", fmt.Sprint("f", i), alice, 0, tomorrow(hh, 0), tomorrow(hh+1, 0)).bytes()); out.Action != gateway.ActionAccepted {
			t.Fatalf("booking %d: %+v", i, out)
		}
	}
	third := meeting("REQUEST", "f2", alice, 0, tomorrow(15, 0), tomorrow(16, 0))
	if out := h.handle(third.bytes()); out.Action != gateway.ActionDeclined || out.Reason != "alice@coop.example already holds 2 bookings ahead; the limit is 2" {
		t.Fatalf("third: %+v", out)
	}
	if out := h.handle(meeting("REQUEST", "b0", bob, 0, tomorrow(15, 0), tomorrow(16, 0)).bytes()); out.Action != gateway.ActionAccepted {
		t.Errorf("bob is not held back by alice's quota: %+v", out)
	}
	h.clock.now = tomorrow(10, 30) // the first booking is over
	if out := h.handle(stamped(meeting("REQUEST", "f2", alice, 1, tomorrow(17, 0), tomorrow(18, 0)), time.Minute).bytes()); out.Action != gateway.ActionAccepted {
		t.Errorf("third again, once the first passed: %+v", out)
	}
}

// TestQuotaOpenSeries: three daily series without end from one organizer
// used to hold the whole window. Now they hold at most the quota of dates
// ahead, the rest waits for the window to move, and members still book.
func TestQuotaOpenSeries(t *testing.T) {
	h := newHarness(t, func(o *gateway.Options) { o.Policy.MaxOpenSeriesDates = 60 })
	daily := func(uid string, hh int) []byte {
		iv := meeting("REQUEST", uid, alice, 0, tomorrow(hh, 0), tomorrow(hh+3, 0))
		iv.Events[0].Lines = []string{"RRULE:FREQ=DAILY"}
		return iv.bytes()
	}
	out := h.handle(daily("d1", 8))
	if out.Action != gateway.ActionAccepted || out.Reason != "60 date(s) accepted, 0 declined" {
		t.Fatalf("first series: %+v", out)
	}
	out = h.handle(daily("d2", 12))
	if out.Action != gateway.ActionDeclined || !strings.Contains(out.Reason, "series without end already hold 60 dates ahead; the limit is 60") {
		t.Fatalf("second series: %+v", out)
	}
	accepted := 0
	for _, b := range h.st.bookings() {
		if b.Status == gateway.StatusAccepted {
			accepted++
		}
	}
	if accepted != 60 {
		t.Errorf("%d dates held, want 60", accepted)
	}
	for i := range 50 {
		d := at(2026, 12, 2, 8, 0).AddDate(0, 0, i)
		if out := h.handle(meeting("REQUEST", fmt.Sprint("m", i), bob, 0, d.Add(4*time.Hour), d.Add(5*time.Hour)).bytes()); out.Action != gateway.ActionAccepted {
			t.Fatalf("member request %d: %+v", i, out)
		}
	}
	// A week on, the first series holds its next dates as the first pass.
	h.clock.advance(7 * 24 * time.Hour)
	if _, err := h.g.ExtendSeries(t.Context()); err != nil {
		t.Fatal(err)
	}
	ahead := 0
	for _, b := range h.st.bookings() {
		if b.UID == "d1" && b.Status == gateway.StatusAccepted && b.End.After(h.clock.Now()) {
			ahead++
		}
	}
	if ahead != 60 {
		t.Errorf("after a week: %d dates of d1 ahead, want 60 again", ahead)
	}
}
