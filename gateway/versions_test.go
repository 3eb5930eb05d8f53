package gateway_test

import (
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// weekly6 is a six-date weekly series of alice starting tomorrow at
// hh:00, version seq stamped at t0+stamp.
func weekly6(uid string, seq, hh int, stamp time.Duration) invite {
	iv := meeting("REQUEST", uid, alice, seq, tomorrow(hh, 0), tomorrow(hh+1, 0))
	iv.Events[0].Lines = []string{"RRULE:FREQ=WEEKLY;COUNT=6"}
	iv.Events[0].Stamp = t0.Add(stamp)
	return iv
}

// held counts the accepted bookings of a UID and checks their hour.
func held(t *testing.T, h *harness, uid string, hh int) int {
	t.Helper()
	n := 0
	for _, b := range h.st.bookings() {
		if b.UID != uid || b.Status != gateway.StatusAccepted {
			continue
		}
		n++
		if got := b.Start.In(paris).Hour(); got != hh {
			t.Errorf("a date of %s is booked at %02d:00, want %02d:00", uid, got, hh)
		}
	}
	return n
}

// TestVersionsOutOfOrder: the series moved from 14:00 to 09:00 (SEQUENCE
// 1) arrives before the original (SEQUENCE 0): only the update's dates are
// booked, and the original is ignored without a reply (RFC 5546 §2.1.5).
func TestVersionsOutOfOrder(t *testing.T) {
	tests := []struct {
		name   string
		update invite
		old    invite
		reason string
	}{
		{"older SEQUENCE", weekly6("w-1", 1, 9, time.Minute), weekly6("w-1", 0, 14, 0), "stale: SEQUENCE 0 < 1"},
		{"same SEQUENCE, older DTSTAMP", weekly6("w-1", 0, 9, time.Minute), weekly6("w-1", 0, 14, 0),
			"stale: SEQUENCE 0, DTSTAMP 2026-11-30T08:00:00Z < 2026-11-30T08:01:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			if out := h.handle(tt.update.bytes()); out.Action != gateway.ActionAccepted || out.Queued != 1 {
				t.Fatalf("update: %+v", out)
			}
			got := public(h.handle(tt.old.bytes()))
			if want := out(gateway.KindRequest, gateway.ActionIgnored, "w-1", tt.reason, gateway.FolderProcessed, 0); got != want {
				t.Fatalf("original after the update:\n got %+v\nwant %+v", got, want)
			}
			if n := held(t, h, "w-1", 9); n != 6 {
				t.Errorf("%d dates held, want the update's 6", n)
			}
			if n := len(h.st.outbox()); n != 1 {
				t.Errorf("%d replies, want 1", n)
			}
			audit := h.st.auditLog()
			if last := audit[len(audit)-1]; last.Reason != tt.reason {
				t.Errorf("audit says %q", last.Reason)
			}
		})
	}
}

// TestVersionsOverride: an override older than the one decided is stale;
// a newer one is decided.
func TestVersionsOverride(t *testing.T) {
	h := newHarness(t)
	h.handle(weekly6("w-2", 0, 9, 0).bytes())
	override := func(seq int, hh int, stamp time.Duration) []byte {
		rid := at(2026, 12, 8, 9, 0)
		iv := meeting("REQUEST", "w-2", alice, seq, at(2026, 12, 8, hh, 0), at(2026, 12, 8, hh+1, 0))
		iv.Events[0].Lines = []string{"RECURRENCE-ID:" + rid.UTC().Format("20060102T150405Z")}
		iv.Events[0].Stamp = t0.Add(stamp)
		return iv.bytes()
	}
	if out := h.handle(override(2, 11, time.Minute)); out.Action != gateway.ActionAccepted {
		t.Fatalf("override v2: %+v", out)
	}
	got := public(h.handle(override(1, 15, 2*time.Minute)))
	want := out(gateway.KindRequest, gateway.ActionIgnored, "w-2", "RECURRENCE-ID 20261208T080000Z: stale: SEQUENCE 1 < 2", gateway.FolderProcessed, 0)
	if got != want {
		t.Fatalf("older override:\n got %+v\nwant %+v", got, want)
	}
	if b := h.booking("w-2", "20261208T080000Z"); !b.Start.Equal(at(2026, 12, 8, 11, 0)) {
		t.Errorf("the date moved to %v", b.Start)
	}
	if out := h.handle(override(3, 16, 3*time.Minute)); out.Action != gateway.ActionAccepted {
		t.Errorf("override v3: %+v", out)
	}
}

// TestStaleCancel: a CANCEL older than the version decided frees nothing
// and says why; a cancel that arrives first makes the older REQUEST stale.
func TestStaleCancel(t *testing.T) {
	h := newHarness(t)
	h.handle(meeting("REQUEST", "c-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
	h.handle(stamped(meeting("REQUEST", "c-1", alice, 1, tomorrow(12, 0), tomorrow(13, 0)), time.Minute).bytes())
	got := public(h.handle(meeting("CANCEL", "c-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes()))
	if want := out(gateway.KindCancel, gateway.ActionIgnored, "c-1", "stale: SEQUENCE 0 < 1", gateway.FolderProcessed, 0); got != want {
		t.Fatalf("stale cancel:\n got %+v\nwant %+v", got, want)
	}
	if b := h.booking("c-1", ""); b.Status != gateway.StatusAccepted {
		t.Errorf("the booking is %s", b.Status)
	}
	// The cancellation (SEQUENCE 2) overtakes its request (SEQUENCE 1).
	h2 := newHarness(t)
	cancel := stamped(meeting("CANCEL", "c-2", alice, 2, tomorrow(10, 0), tomorrow(11, 0)), 2*time.Minute)
	h2.handle(cancel.bytes())
	got = public(h2.handle(stamped(meeting("REQUEST", "c-2", alice, 1, tomorrow(10, 0), tomorrow(11, 0)), time.Minute).bytes()))
	if want := out(gateway.KindRequest, gateway.ActionIgnored, "c-2", "stale: SEQUENCE 1 < 2", gateway.FolderProcessed, 0); got != want {
		t.Fatalf("request after its cancellation:\n got %+v\nwant %+v", got, want)
	}
	if len(h2.st.bookings()) != 0 || len(h2.st.outbox()) != 0 {
		t.Errorf("a cancelled meeting was booked or answered")
	}
}

// TestCancelWithoutDTSTART: RFC 5546 §3.2.5 lets a CANCEL leave out
// DTSTART (Thunderbird does): it cancels the series, or the dates named.
func TestCancelWithoutDTSTART(t *testing.T) {
	h := newHarness(t)
	h.handle(weekly6("s-1", 0, 9, 0).bytes())
	one := meeting("CANCEL", "s-1", alice, 1, time.Time{}, time.Time{})
	one.Events[0].Omit = []string{"DTSTART", "DTEND"}
	one.Events[0].Lines = []string{"RECURRENCE-ID:20261208T080000Z", "STATUS:CANCELLED"}
	one.Events[0].Stamp = t0.Add(time.Minute)
	got := public(h.handle(one.bytes()))
	if want := out(gateway.KindCancel, gateway.ActionCancelled, "s-1", "1 booking(s) freed", gateway.FolderProcessed, 0); got != want {
		t.Fatalf("cancel of one date:\n got %+v\nwant %+v", got, want)
	}
	if b := h.booking("s-1", "20261208T080000Z"); b.Status != gateway.StatusCancelled {
		t.Errorf("8 December is %s", b.Status)
	}
	all := meeting("CANCEL", "s-1", alice, 2, time.Time{}, time.Time{})
	all.Events[0].Omit = []string{"DTSTART", "DTEND"}
	all.Events[0].Stamp = t0.Add(2 * time.Minute)
	got = public(h.handle(all.bytes()))
	if want := out(gateway.KindCancel, gateway.ActionCancelled, "s-1", "5 booking(s) freed", gateway.FolderProcessed, 0); got != want {
		t.Fatalf("cancel of the series:\n got %+v\nwant %+v", got, want)
	}
	if n := held(t, h, "s-1", 9); n != 0 {
		t.Errorf("%d dates still held", n)
	}
}
