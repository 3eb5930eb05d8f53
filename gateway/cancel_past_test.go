package gateway_test

import (
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// TestCancelKeepsPastDates: a CANCEL of a series that has begun frees the
// dates ahead only; the dates that took place stay accepted (history, and
// the organizer is still reminded of their recordings), as when a new
// version of the series replaces it.
func TestCancelKeepsPastDates(t *testing.T) {
	h := newHarness(t)
	h.handle(weekly6("p-1", 0, 9, 0).bytes())
	h.clock.advance(at(2026, 12, 8, 12, 0).Sub(t0)) // 1 and 8 December have taken place
	past := meeting("CANCEL", "p-1", alice, 1, at(2026, 12, 1, 9, 0), at(2026, 12, 1, 10, 0))
	past.Events[0].Lines = []string{"RECURRENCE-ID:20261201T080000Z"}
	past.Events[0].Stamp = t0.Add(time.Minute)
	got := public(h.handle(past.bytes()))
	if want := out(gateway.KindCancel, gateway.ActionIgnored, "p-1", "no booking of this meeting to cancel", gateway.FolderProcessed, 0); got != want {
		t.Fatalf("cancel of a past date:\n got %+v\nwant %+v", got, want)
	}
	all := meeting("CANCEL", "p-1", alice, 2, tomorrow(9, 0), tomorrow(10, 0))
	all.Events[0].Stamp = t0.Add(2 * time.Minute)
	got = public(h.handle(all.bytes()))
	if want := out(gateway.KindCancel, gateway.ActionCancelled, "p-1", "4 booking(s) freed", gateway.FolderProcessed, 0); got != want {
		t.Fatalf("cancel of the series:\n got %+v\nwant %+v", got, want)
	}
	for _, rid := range []string{"20261201T080000Z", "20261208T080000Z"} {
		if b := h.booking("p-1", rid); b.Status != gateway.StatusAccepted {
			t.Errorf("%s, past, is %s", rid, b.Status)
		}
	}
	if b := h.booking("p-1", "20261215T080000Z"); b.Status != gateway.StatusCancelled {
		t.Errorf("15 December is %s", b.Status)
	}
}

// TestCancelSeriesWithNewerOverride: a CANCEL of the whole series frees an
// occurrence moved since with a higher SEQUENCE of its own (Thunderbird
// cancels a series with the master's SEQUENCE, 1, after moving one date at
// SEQUENCE 2); a stale CANCEL of the series frees nothing.
func TestCancelSeriesWithNewerOverride(t *testing.T) {
	h := newHarness(t)
	h.handle(weekly6("s-1", 1, 9, 0).bytes())
	moved := meeting("REQUEST", "s-1", alice, 2, at(2026, 12, 8, 7, 0), at(2026, 12, 8, 8, 0))
	moved.Events[0].Lines = []string{"RECURRENCE-ID:20261208T080000Z"}
	moved.Events[0].Stamp = t0.Add(time.Minute)
	if o := h.handle(moved.bytes()); o.Action != gateway.ActionAccepted {
		t.Fatalf("moving one date: %+v", o)
	}
	stale := meeting("CANCEL", "s-1", alice, 0, tomorrow(9, 0), tomorrow(10, 0))
	if o := h.handle(stale.bytes()); o.Action != gateway.ActionIgnored {
		t.Errorf("a stale CANCEL of the series: %+v", o)
	}
	cancel := meeting("CANCEL", "s-1", alice, 1, tomorrow(9, 0), tomorrow(10, 0))
	cancel.Events[0].Stamp = t0.Add(2 * time.Minute)
	got := public(h.handle(cancel.bytes()))
	if want := out(gateway.KindCancel, gateway.ActionCancelled, "s-1", "6 booking(s) freed", gateway.FolderProcessed, 0); got != want {
		t.Fatalf("cancel of the series:\n got %+v\nwant %+v", got, want)
	}
	if b := h.booking("s-1", "20261208T080000Z"); b.Status != gateway.StatusCancelled {
		t.Errorf("the moved date is %s", b.Status)
	}
}
