package gateway_test

import (
	"slices"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// TestLoopGuards: what must never be answered, and whom.
func TestLoopGuards(t *testing.T) {
	const proc = gateway.FolderProcessed
	slot := func(method, org string) invite {
		return meeting(method, "m-1", org, 0, tomorrow(10, 0), tomorrow(11, 0))
	}
	noRoom := slot("REQUEST", alice)
	noRoom.Events[0].Attendees = []string{"someone@coop.example"}
	noRoom.Events[0].Seq, noRoom.Events[0].Stamp = 1, t0.Add(time.Minute)
	plus := slot("REQUEST", alice)
	plus.Events[0].Attendees = []string{"zoom+compta@coop.example"}
	autoGen := slot("REQUEST", alice)
	autoGen.Header = []string{"Auto-Submitted: auto-generated", "Sender: calendar-notification@google.com"}
	autoGen.From = "calendar-notification@google.com"

	tests := []struct {
		name  string
		steps []step
	}{
		{"METHOD:REPLY", []step{{name: "reply", msg: slot("REPLY", alice).bytes(),
			want: out(gateway.KindReply, gateway.ActionIgnored, "m-1", `iTIP method "REPLY" needs no answer`, proc, 0)}}},
		{"METHOD:PUBLISH", []step{{name: "publish", msg: slot("PUBLISH", alice).bytes(),
			want: out(gateway.KindPublish, gateway.ActionIgnored, "m-1", `iTIP method "PUBLISH" needs no answer`, proc, 0)}}},
		{"METHOD:COUNTER", []step{{name: "counter", msg: slot("COUNTER", alice).bytes(),
			want: out(gateway.KindOtherCalendar, gateway.ActionIgnored, "m-1", `iTIP method "COUNTER" needs no answer`, proc, 0)}}},
		{"METHOD:REFRESH", []step{{name: "refresh", msg: slot("REFRESH", alice).bytes(),
			want: out(gateway.KindOtherCalendar, gateway.ActionIgnored, "m-1", "REFRESH asks the organizer for the meeting (RFC 5546 §3.2.6): the room sends nothing back", proc, 0)}}},
		{"organizer is the room", []step{{name: "room", msg: slot("REQUEST", roomAddr).bytes(),
			want: out(gateway.KindRequest, gateway.ActionIgnored, "m-1", "organizer zoom@coop.example never gets automatic replies", proc, 0)}}},
		{"organizer is a plus-address of the room", []step{{name: "room", msg: slot("REQUEST", "zoom+x@coop.example").bytes(),
			want: out(gateway.KindRequest, gateway.ActionIgnored, "m-1", "organizer zoom+x@coop.example never gets automatic replies", proc, 0)}}},
		{"organizer is MAILER-DAEMON", []step{{name: "daemon", msg: slot("REQUEST", "MAILER-DAEMON@coop.example").bytes(),
			want: out(gateway.KindRequest, gateway.ActionIgnored, "m-1", "organizer mailer-daemon@coop.example never gets automatic replies", proc, 0)}}},
		{"room not an attendee", []step{{name: "forwarded", msg: noRoom.bytes(),
			want: out(gateway.KindRequest, gateway.ActionIgnored, "m-1", "no configured room is an attendee", proc, 0)}}},
		{"room removed from a booked meeting", []step{
			{name: "booked", msg: slot("REQUEST", alice).bytes(),
				want: out(gateway.KindRequest, gateway.ActionAccepted, "m-1", "the account is free", proc, 1)},
			{name: "room dropped", msg: noRoom.bytes(),
				want: out(gateway.KindRequest, gateway.ActionCancelled, "m-1", "room removed from the meeting: 1 booking(s) freed", proc, 0),
				check: func(t *testing.T, h *harness, _ []byte, _ int) {
					if b := h.booking("m-1", ""); b.Status != gateway.StatusCancelled || b.Reason != "the room was removed from the meeting" {
						t.Errorf("booking = %s %q", b.Status, b.Reason)
					}
				}},
		}},
		{"plus-address attendee", []step{{name: "plus", msg: plus.bytes(),
			want: out(gateway.KindRequest, gateway.ActionAccepted, "m-1", "the account is free", proc, 1),
			check: func(t *testing.T, h *harness, _ []byte, n int) {
				m, r := h.onlyMail(n)
				if m.From != "zoom+compta@coop.example" {
					t.Errorf("envelope From = %q", m.From)
				}
				if got := r.Header.Get("From"); got != `"Salle Opteos" <zoom+compta@coop.example>` {
					t.Errorf("From: %q", got)
				}
				if a := attendeeLine(t, r.Cal.Events[0]); a.Value != "mailto:zoom+compta@coop.example" || a.Param("PARTSTAT") != "ACCEPTED" {
					t.Errorf("ATTENDEE = %q", a.String())
				}
				if b := h.booking("m-1", ""); b.Room != roomAddr {
					t.Errorf("booking room = %q", b.Room)
				}
			}}}},
		// Google marks its invitations Auto-Submitted: auto-generated and
		// sends them from calendar-notification@google.com: still answered,
		// to the ORGANIZER.
		{"auto-generated invitation", []step{{name: "google", msg: autoGen.bytes(),
			want: out(gateway.KindRequest, gateway.ActionAccepted, "m-1", "the account is free", proc, 1),
			check: func(t *testing.T, h *harness, _ []byte, n int) {
				if m, _ := h.onlyMail(n); !slices.Equal(m.To, []string{alice}) {
					t.Errorf("reply to %q, want the organizer", m.To)
				}
			}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			runSteps(t, newHarness(t), tc.steps)
		})
	}
}
