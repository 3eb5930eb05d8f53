package gateway_test

import (
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// stamped returns the invitation with its DTSTAMP moved by d after t0.
func stamped(iv invite, d time.Duration) invite {
	iv.Events = append([]vevent(nil), iv.Events...)
	iv.Events[0].Stamp = t0.Add(d)
	return iv
}

func TestUpdates(t *testing.T) {
	const (
		req    = gateway.KindRequest
		cancel = gateway.KindCancel
		proc   = gateway.FolderProcessed
	)
	aliceV0 := meeting("REQUEST", "alice-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0))
	aliceV1 := stamped(meeting("REQUEST", "alice-1", alice, 1, tomorrow(10, 30), tomorrow(11, 30)), time.Minute)
	minor := func(n int) []byte { return stamped(aliceV0, time.Duration(n)*time.Minute).bytes() }
	accepted := out(req, gateway.ActionAccepted, "alice-1", "the account is free", proc, 1)
	again := out(req, gateway.ActionAccepted, "alice-1", "minor update, answered as before: already accepted", proc, 1)
	limited := again
	limited.Queued, limited.Reason = 0, again.Reason+" (no reply sent: 5 replies for this meeting in the last hour)"

	tests := []struct {
		name  string
		steps []step
		after func(t *testing.T, h *harness)
	}{
		{name: "same bytes twice", steps: []step{
			{name: "first", msg: aliceV0.bytes(), want: accepted},
			{name: "again", msg: aliceV0.bytes(),
				want: out(req, gateway.ActionIgnored, "alice-1", "already processed on 2026-11-30T08:00:00Z: accepted", proc, 0)},
		}},
		{name: "reschedule onto its own old slot", steps: []step{
			{name: "v0", msg: aliceV0.bytes(), want: accepted},
			{name: "v1 10:30-11:30", msg: aliceV1.bytes(), want: accepted},
		}, after: func(t *testing.T, h *harness) {
			bs := h.st.bookings()
			if len(bs) != 1 || bs[0].Sequence != 1 || !bs[0].Start.Equal(tomorrow(10, 30)) || bs[0].Status != gateway.StatusAccepted {
				t.Errorf("bookings = %+v, want one accepted at 10:30 with SEQUENCE 1", bs)
			}
		}},
		{name: "stale version", steps: []step{
			{name: "v0", msg: aliceV0.bytes(), want: accepted},
			{name: "v1", msg: aliceV1.bytes(), want: accepted},
			{name: "v0 again, re-stamped", msg: minor(2),
				want: out(req, gateway.ActionIgnored, "alice-1", "stale: SEQUENCE 0 < 1", proc, 0)},
		}, after: func(t *testing.T, h *harness) {
			if b := h.booking("alice-1", ""); !b.Start.Equal(tomorrow(10, 30)) {
				t.Errorf("stale version moved the booking to %v", b.Start)
			}
		}},
		{name: "minor update re-sends the answer", steps: []step{
			{name: "v0", msg: aliceV0.bytes(), want: accepted},
			{name: "v0 newer DTSTAMP", msg: minor(1), want: again,
				check: func(t *testing.T, h *harness, _ []byte, n int) {
					_, r := h.onlyMail(n)
					if partStat(t, r.Cal.Events[0]) != "ACCEPTED" {
						t.Errorf("re-sent answer is %s", partStat(t, r.Cal.Events[0]))
					}
				}},
		}},
		{name: "minor update of a declined meeting", steps: []step{
			{name: "alice", msg: aliceV0.bytes(), want: accepted},
			{name: "bob", msg: meeting("REQUEST", "bob-1", bob, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes(),
				want: out(req, gateway.ActionDeclined, "bob-1", "the account is already hosting a meeting then (Europe/Paris): 2026-12-01 10:00–11:00", proc, 1)},
			{name: "bob re-sent", msg: stamped(meeting("REQUEST", "bob-1", bob, 0, tomorrow(10, 0), tomorrow(11, 0)), time.Minute).bytes(),
				want: out(req, gateway.ActionDeclined, "bob-1", "minor update, answered as before: the account is already hosting a meeting then (Europe/Paris): 2026-12-01 10:00–11:00", proc, 1),
				check: func(t *testing.T, h *harness, _ []byte, n int) {
					m, r := h.onlyMail(n)
					if partStat(t, r.Cal.Events[0]) != "DECLINED" {
						t.Errorf("re-sent answer is %s", partStat(t, r.Cal.Events[0]))
					}
					noSecrets(t, m.Raw, r)
				}},
		}},
		{name: "rate limit", steps: []step{
			{name: "v0", msg: aliceV0.bytes(), want: accepted},
			{name: "re-sent 1", msg: minor(1), want: again},
			{name: "re-sent 2", msg: minor(2), want: again},
			{name: "re-sent 3", msg: minor(3), want: again},
			{name: "re-sent 4", msg: minor(4), want: again},
			{name: "re-sent 5", msg: minor(5), want: limited},
			{name: "re-sent 6", msg: minor(6), want: limited},
		}, after: func(t *testing.T, h *harness) {
			h.clock.advance(time.Hour + time.Second)
			if got := public(h.handle(minor(7))); got != again {
				t.Errorf("an hour later: %+v, want %+v", got, again)
			}
		}},
		{name: "cancel from another organizer", steps: []step{
			{name: "v0", msg: aliceV0.bytes(), want: accepted},
			{name: "bob cancels alice's meeting", msg: stamped(meeting("CANCEL", "alice-1", bob, 1, tomorrow(10, 0), tomorrow(11, 0)), time.Minute).bytes(),
				want: out(cancel, gateway.ActionIgnored, "alice-1", "no booking of this meeting to cancel", proc, 0)},
		}, after: func(t *testing.T, h *harness) {
			if b := h.booking("alice-1", ""); b.Status != gateway.StatusAccepted {
				t.Errorf("alice's booking is %s", b.Status)
			}
		}},
		{name: "request for a known UID from another organizer", steps: []step{
			{name: "v0", msg: aliceV0.bytes(), want: accepted},
			// Two organizers with one UID are two meetings: bob's is his
			// own, and alice's is left alone.
			{name: "bob's meeting with alice's UID", msg: stamped(meeting("REQUEST", "alice-1", bob, 1, tomorrow(14, 0), tomorrow(15, 0)), time.Minute).bytes(),
				want: accepted},
			{name: "bob's again at alice's time", msg: stamped(meeting("REQUEST", "alice-1", bob, 2, tomorrow(10, 0), tomorrow(11, 0)), 2*time.Minute).bytes(),
				// The decline says that this UID is booked by alice (see
				// handover_test.go), not that the account is taken.
				want: out(req, gateway.ActionDeclined, "alice-1", "the meeting is already booked by another organizer, alice@coop.example", proc, 1)},
		}, after: func(t *testing.T, h *harness) {
			var mine, his int
			for _, b := range h.st.bookings() {
				switch {
				case b.Organizer == alice && b.Status == gateway.StatusAccepted && b.Start.Equal(tomorrow(10, 0)):
					mine++
				case b.Organizer == bob && b.Status == gateway.StatusDeclined:
					his++
				}
			}
			if mine != 1 || his != 1 {
				t.Errorf("bookings: alice's accepted %d, bob's declined %d; want 1 and 1: %+v", mine, his, h.st.bookings())
			}
		}},
		{name: "cancel with an older SEQUENCE", steps: []step{
			{name: "v0", msg: aliceV0.bytes(), want: accepted},
			{name: "v1", msg: aliceV1.bytes(), want: accepted},
			{name: "cancel of v0", msg: meeting("CANCEL", "alice-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes(),
				want: out(cancel, gateway.ActionIgnored, "alice-1", "stale: SEQUENCE 0 < 1", proc, 0)},
		}},
		{name: "rebook after cancel", steps: []step{
			{name: "v0", msg: aliceV0.bytes(), want: accepted},
			{name: "cancel", msg: stamped(meeting("CANCEL", "alice-1", alice, 1, tomorrow(10, 0), tomorrow(11, 0)), time.Minute).bytes(),
				want: out(cancel, gateway.ActionCancelled, "alice-1", "1 booking(s) freed", proc, 0)},
			{name: "re-invited, same SEQUENCE", msg: stamped(meeting("REQUEST", "alice-1", alice, 1, tomorrow(10, 0), tomorrow(11, 0)), 2*time.Minute).bytes(),
				want: accepted},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			runSteps(t, h, tc.steps)
			if tc.after != nil {
				tc.after(t, h)
			}
		})
	}
}
