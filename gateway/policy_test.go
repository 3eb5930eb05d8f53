package gateway_test

import (
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// room2 is a second room of the account.
const room2 = "zoom2@coop.example"

// TestPolicy: the booking rules, one slot at a time.
func TestPolicy(t *testing.T) {
	const (
		req  = gateway.KindRequest
		proc = gateway.FolderProcessed
		acc  = gateway.ActionAccepted
		dec  = gateway.ActionDeclined
	)
	ask := func(uid, org string, s, e time.Time) []byte { return meeting("REQUEST", uid, org, 0, s, e).bytes() }
	// ask2 asks for the second room: a room hosts one meeting at a time,
	// an account of two at once needs two rooms for two.
	ask2 := func(uid, org string, s, e time.Time) []byte {
		iv := meeting("REQUEST", uid, org, 0, s, e)
		iv.Events[0].Attendees = []string{room2}
		return iv.bytes()
	}
	free := "the account is free"
	window := t0.Add(180 * 24 * time.Hour)

	tests := []struct {
		name       string
		concurrent int
		steps      []step
		// reason code of the last booking, and a line its mail must hold
		code, text string
	}{
		{name: "past", steps: []step{{name: "past", msg: ask("p", alice, at(2026, 11, 30, 8, 0), at(2026, 11, 30, 9, 0)),
			want: out(req, dec, "p", "the meeting starts in the past", proc, 1)}},
			code: gateway.ReasonPast, text: "This meeting has already started: the room can only be booked before the"},
		{name: "beyond window", steps: []step{{name: "far", msg: ask("p", alice, at(2027, 6, 1, 10, 0), at(2027, 6, 1, 11, 0)),
			want: out(req, dec, "p", "the meeting starts more than 180 days ahead", proc, 1)}},
			code: gateway.ReasonBeyondWindow, text: "The room can be booked at most 180 days ahead,"},
		{name: "at the window's edge", steps: []step{{name: "edge", msg: ask("p", alice, window, window.Add(time.Hour)),
			want: out(req, acc, "p", free, proc, 1)}}},
		{name: "too long", steps: []step{{name: "9h", msg: ask("p", alice, tomorrow(9, 0), tomorrow(18, 0)),
			want: out(req, dec, "p", "the meeting lasts 9h0m0s, longer than the maximum 8h0m0s", proc, 1)}},
			code: gateway.ReasonTooLong, text: "A booking lasts at most 8 hours, and this meeting lasts 9 hours."},
		{name: "exactly the maximum", steps: []step{{name: "8h", msg: ask("p", alice, tomorrow(9, 0), tomorrow(17, 0)),
			want: out(req, acc, "p", free, proc, 1)}}},
		{name: "no length", steps: []step{{name: "0", msg: ask("p", alice, tomorrow(9, 0), tomorrow(9, 0)),
			want: out(req, dec, "p", "the meeting ends before it starts", proc, 1)}},
			code: gateway.ReasonInvalidTime, text: "The time of this meeting cannot be used: its end must come after its start."},
		{name: "partner organizer", steps: []step{{name: "partner", msg: ask("p", "Partner@Other.example", tomorrow(9, 0), tomorrow(10, 0)),
			want: out(req, acc, "p", free, proc, 1)}}},
		{name: "buffer: right after", steps: []step{
			{name: "a", msg: ask("a", alice, tomorrow(10, 0), tomorrow(11, 0)), want: out(req, acc, "a", free, proc, 1)},
			{name: "b", msg: ask("b", bob, tomorrow(11, 0), tomorrow(12, 0)),
				want: out(req, dec, "b", "the account is already hosting a meeting then (Europe/Paris): 2026-12-01 10:00–11:00", proc, 1)},
		}, code: gateway.ReasonConflict, text: "- Tuesday 1 December 2026, 11:15–12:15"},
		{name: "buffer: right before", steps: []step{
			{name: "a", msg: ask("a", alice, tomorrow(10, 0), tomorrow(11, 0)), want: out(req, acc, "a", free, proc, 1)},
			{name: "b", msg: ask("b", bob, tomorrow(9, 0), tomorrow(9, 55)),
				want: out(req, dec, "b", "the account is already hosting a meeting then (Europe/Paris): 2026-12-01 10:00–11:00", proc, 1)},
		}, code: gateway.ReasonConflict},
		{name: "buffer: 10 minutes after", steps: []step{
			{name: "a", msg: ask("a", alice, tomorrow(10, 0), tomorrow(11, 0)), want: out(req, acc, "a", free, proc, 1)},
			{name: "b", msg: ask("b", bob, tomorrow(11, 10), tomorrow(12, 10)), want: out(req, acc, "b", free, proc, 1)},
			{name: "c", msg: ask("c", carol, tomorrow(8, 0), tomorrow(9, 50)), want: out(req, acc, "c", free, proc, 1)},
		}},
		{name: "two at once", concurrent: 2, steps: []step{
			{name: "a", msg: ask("a", alice, tomorrow(10, 0), tomorrow(11, 0)), want: out(req, acc, "a", free, proc, 1)},
			{name: "b", msg: ask2("b", bob, tomorrow(10, 0), tomorrow(12, 0)), want: out(req, acc, "b", free, proc, 1)},
			{name: "c", msg: ask("c", carol, tomorrow(10, 30), tomorrow(11, 30)),
				want: out(req, dec, "c", "the account is already hosting a meeting then (Europe/Paris): 2026-12-01 10:00–11:00, 2026-12-01 10:00–12:00", proc, 1)},
			// 11:15–12:15 overlaps b alone: free with two at once.
		}, code: gateway.ReasonConflict, text: "- Tuesday 1 December 2026, 11:15–12:15"},
		{name: "two at once, the mail says so", concurrent: 2, steps: []step{
			{name: "a", msg: ask("a", alice, tomorrow(10, 0), tomorrow(11, 0)), want: out(req, acc, "a", free, proc, 1)},
			{name: "b", msg: ask2("b", bob, tomorrow(10, 0), tomorrow(12, 0)), want: out(req, acc, "b", free, proc, 1)},
			{name: "c", msg: ask("c", carol, tomorrow(10, 30), tomorrow(11, 30)),
				want: out(req, dec, "c", "the account is already hosting a meeting then (Europe/Paris): 2026-12-01 10:00–11:00, 2026-12-01 10:00–12:00", proc, 1)},
		}, code: gateway.ReasonConflict, text: "The cooperative's Zoom account hosts only 2 meetings at a time,\nand that many are already booked:"},
		{name: "two at once, but one room", concurrent: 2, steps: []step{
			{name: "a", msg: ask("a", alice, tomorrow(10, 0), tomorrow(11, 0)), want: out(req, acc, "a", free, proc, 1)},
			{name: "b", msg: ask("b", bob, tomorrow(10, 30), tomorrow(11, 30)),
				want: out(req, dec, "b", "the account is already hosting a meeting then (Europe/Paris): 2026-12-01 10:00–11:00", proc, 1)},
		}, code: gateway.ReasonConflict, text: "This room is already booked then: a room hosts one meeting at a time"},
		{name: "two at once, third after the first", concurrent: 2, steps: []step{
			{name: "a", msg: ask("a", alice, tomorrow(10, 0), tomorrow(11, 0)), want: out(req, acc, "a", free, proc, 1)},
			{name: "b", msg: ask2("b", bob, tomorrow(10, 0), tomorrow(12, 0)), want: out(req, acc, "b", free, proc, 1)},
			{name: "c", msg: ask("c", carol, tomorrow(11, 15), tomorrow(12, 15)), want: out(req, acc, "c", free, proc, 1)},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(o *gateway.Options) {
				o.Concurrent = tc.concurrent
				o.Rooms = append(o.Rooms, gateway.Room{Name: "Salle 2", Address: room2, JoinURL: joinURL})
			})
			runSteps(t, h, tc.steps)
			if tc.code == "" {
				return
			}
			last := tc.steps[len(tc.steps)-1].want.UID
			if b := h.booking(last, ""); b.Status != gateway.StatusDeclined || !strings.HasPrefix(b.Reason, tc.code+": ") {
				t.Errorf("booking %s = %s %q, want declined with code %s", last, b.Status, b.Reason, tc.code)
			}
			q := h.st.outbox()
			m := q[len(q)-1]
			r := decodeReply(t, m.Raw)
			noSecrets(t, m.Raw, r)
			if tc.text != "" && !strings.Contains(r.Text, tc.text) {
				t.Errorf("mail lacks %q:\n%s", tc.text, r.Text)
			}
		})
	}
}
