package main

import (
	"context"
	"reflect"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/chat"
	"codeberg.org/opteos/roomgate/gateway"
)

// TestAuditFollower: a waiting request given its freed slot and a no-show
// release become the chat's "freed" and "released" events, once each;
// entries from before the start, ordinary decisions and entries written
// late by another instance (a little before the last one seen) are
// handled as they should be.
func TestAuditFollower(t *testing.T) {
	t0 := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
	slot := func(h int) (time.Time, time.Time) {
		return time.Date(2026, 12, 8, h, 0, 0, 0, time.UTC), time.Date(2026, 12, 8, h+1, 0, 0, 0, time.UTC)
	}
	s14, e14 := slot(14)
	s16, e16 := slot(16)
	var log []gateway.AuditEntry
	add := func(id int64, at time.Time, action gateway.Action, reason string, s, e time.Time) {
		log = append(log, gateway.AuditEntry{ID: id, At: at, Action: action, Reason: reason, Start: s, End: e})
	}
	list := func(_ context.Context, since time.Time, limit int) ([]gateway.AuditEntry, error) {
		var out []gateway.AuditEntry
		for _, e := range log {
			if !e.At.Before(since) && len(out) < limit {
				out = append(out, e)
			}
		}
		return out, nil
	}
	kinds := func(evs []chat.Event) []string {
		var k []string
		for _, e := range evs {
			k = append(k, e.Kind+" "+e.Booking.Slot.Start.Format("15h"))
		}
		return k
	}
	add(1, t0.Add(-10*time.Second), gateway.ActionAccepted, gateway.ReasonPromoted, s14, e14) // before the start
	a := newAuditFollower(t0)
	add(2, t0.Add(time.Second), gateway.ActionAccepted, "accepted", s14, e14) // announced through OnOutcome
	add(3, t0.Add(2*time.Second), gateway.ActionAccepted, gateway.ReasonPromoted, s14, e14)
	add(4, t0.Add(3*time.Second), gateway.ActionReleased, "no-show", s16, e16)
	got, err := a.next(context.Background(), list)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"freed 14h", "released 16h"}; !reflect.DeepEqual(kinds(got), want) {
		t.Errorf("first read: %v, want %v", kinds(got), want)
	}
	add(5, t0.Add(2500*time.Millisecond), gateway.ActionAccepted, gateway.ReasonPromoted, s16, e16) // another instance, a bit late
	got, _ = a.next(context.Background(), list)
	if want := []string{"freed 16h"}; !reflect.DeepEqual(kinds(got), want) {
		t.Errorf("second read: %v, want %v", kinds(got), want)
	}
	if got, _ = a.next(context.Background(), list); len(got) != 0 {
		t.Errorf("third read: %v, want nothing again", kinds(got))
	}
}
