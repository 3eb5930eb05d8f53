package gateway_test

import (
	"context"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

const frank = "frank@coop.example"

// TestPlacesEveryPath walks every decision path that saves or releases a
// booking (accept, an update moving the slot, a series, an exception,
// a cancellation, a waiting request promoted, a COUNTER accepted, an
// approval) with a pool of two hosts, and checks after each one that
// every booking holding a slot has a host of the pool, that no host holds
// two meetings at once (checkPlaces), and which host each step gave.
func TestPlacesEveryPath(t *testing.T) {
	h := newHarness(t, poolOn, waitlistOn, counterOn, approvalOn)
	day := func(d, hh, mm int) time.Time { return tomorrow(hh, mm).AddDate(0, 0, d) }
	ctx := context.Background()
	type step struct {
		name   string
		run    func()
		uid    string
		rid    string
		status gateway.BookingStatus
		host   string
	}
	var approve string
	steps := []step{
		{name: "accept", uid: "a-1", status: gateway.StatusAccepted, host: "salle-a",
			run: func() { h.handle(meeting("REQUEST", "a-1", alice, 0, day(0, 10, 0), day(0, 11, 0)).bytes()) }},
		{name: "update moving the slot", uid: "a-1", status: gateway.StatusAccepted, host: "salle-a",
			run: func() {
				h.handle(stamped(meeting("REQUEST", "a-1", alice, 1, day(0, 14, 0), day(0, 15, 0)), time.Minute).bytes())
			}},
		{name: "series", uid: "s-1", rid: gateway.RecurrenceKey(firstThursday.AddDate(0, 0, 7)), status: gateway.StatusAccepted, host: "salle-a",
			run: func() { h.handle(weekly("s-1", bob, 0, firstThursday, 3).bytes()) }},
		{name: "exception", uid: "s-1", rid: gateway.RecurrenceKey(firstThursday.AddDate(0, 0, 7)), status: gateway.StatusAccepted, host: "salle-a",
			run: func() {
				h.handle(occurrence("REQUEST", "s-1", bob, 1, "RECURRENCE-ID;TZID=Europe/Paris:20261210T100000", at(2026, 12, 10, 16, 0)).bytes())
			}},
		{name: "second host", uid: "c-1", status: gateway.StatusAccepted, host: "salle-b",
			run: func() { h.handle(meeting("REQUEST", "c-1", carol, 0, day(0, 14, 30), day(0, 15, 30)).bytes()) }},
		{name: "full: waits", uid: "d-1", status: gateway.StatusWaiting, host: "",
			run: func() { h.handle(meeting("REQUEST", "d-1", dave, 0, day(0, 14, 0), day(0, 15, 0)).bytes()) }},
		// The nearest free slot, 13:20–14:20, is free for salle-b only
		// (alice at 14:00 on salle-a, carol at 14:30 on salle-b, 10
		// minutes kept free around each).
		{name: "full: COUNTER held", uid: "f-1", rid: "hold", status: gateway.StatusHeld, host: "salle-b",
			run: func() {
				iv := meeting("REQUEST", "f-1", frank, 2, day(0, 14, 0), day(0, 15, 0))
				iv.ProdID = thunderbirdProdID
				h.handle(iv.bytes())
			}},
		{name: "COUNTER accepted", uid: "f-1", status: gateway.StatusAccepted, host: "salle-b",
			run: func() {
				hold := h.booking("f-1", "hold")
				iv := stamped(meeting("REQUEST", "f-1", frank, 3, hold.Start, hold.End), 2*time.Minute)
				iv.ProdID = thunderbirdProdID
				h.handle(iv.bytes())
			}},
		// Alice frees salle-a at 14:00; frank holds salle-b until 14:20.
		{name: "cancellation promotes the waiting request", uid: "d-1", status: gateway.StatusAccepted, host: "salle-a",
			run: func() {
				h.clock.advance(3 * time.Minute)
				h.handle(stamped(meeting("CANCEL", "a-1", alice, 2, day(0, 14, 0), day(0, 15, 0)), 3*time.Minute).bytes())
			}},
		{name: "approval pending", uid: "long-1", status: gateway.StatusPending, host: "salle-a",
			run: func() {
				n := len(h.st.outbox())
				h.handle(meeting("REQUEST", "long-1", alice, 0, day(3, 8, 30), day(3, 18, 30)).bytes())
				approve, _ = approvalLinks(t, h, n)
			}},
		{name: "approved", uid: "long-1", status: gateway.StatusAccepted, host: "salle-a",
			run: func() {
				if _, err := h.g.DecideApproval(ctx, approve, ""); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "second host beside the approved meeting", uid: "e-1", status: gateway.StatusAccepted, host: "salle-b",
			run: func() { h.handle(meeting("REQUEST", "e-1", carol, 0, day(3, 9, 0), day(3, 10, 0)).bytes()) }},
	}
	for _, s := range steps {
		s.run()
		b := h.booking(s.uid, s.rid)
		if b.Status != s.status || b.Host != s.host || b.Provider != "" {
			t.Errorf("%s: %s %s is %s on %q (provider %q), want %s on %q", s.name, s.uid, s.rid, b.Status, b.Host, b.Provider, s.status, s.host)
		}
		checkPlaces(t, h)
		if t.Failed() {
			t.FailNow()
		}
	}
}
