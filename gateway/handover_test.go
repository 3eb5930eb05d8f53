package gateway_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// team is a group calendar of the cooperative: a member address.
const team = "equipe@coop.example"

// googleMeeting is alice's Google Calendar invitation g-1, 10:00–11:00.
func googleMeeting() invite {
	iv := meeting("REQUEST", "g-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0))
	iv.ProdID = googleProdID
	iv.Header = []string{"Auto-Submitted: auto-generated"}
	return iv
}

// movedToTeam is the same event once Google moved it to the group
// calendar: the same UID and SEQUENCE, a new DTSTAMP, the group as
// ORGANIZER and alice, its previous organizer, among the ATTENDEEs when
// withAlice.
func movedToTeam(withAlice bool) invite {
	iv := stamped(googleMeeting(), 5*time.Minute)
	iv.Events[0].Organizer = team
	if withAlice {
		iv.Events[0].Attendees = []string{alice, roomAddr}
	}
	return iv
}

// tagRE matches an HTML tag, for reading the words of an HTML part.
var tagRE = regexp.MustCompile(`<[^>]*>`)

// toldOf checks that the mails q hold exactly one notice of the
// handover of uid, to alice from the room, naming the meeting and the group,
// without the host key or the room's join details, and returns the others.
func toldOf(t *testing.T, q []gateway.OutboxMail, uid string) []gateway.OutboxMail {
	t.Helper()
	var rest, told []gateway.OutboxMail
	for _, m := range q {
		if m.Kind == gateway.OutboxHandover {
			told = append(told, m)
		} else {
			rest = append(rest, m)
		}
	}
	if len(told) != 1 || len(told[0].To) != 1 || told[0].To[0] != alice || told[0].From != roomAddr || told[0].UID != uid {
		t.Fatalf("notices of the handover: %+v, want one to %s from %s", told, alice, roomAddr)
	}
	n := decodeNotice(t, told[0].Raw)
	if !strings.HasPrefix(n.Subject, "Booking handed over: Meeting "+uid+" — ") {
		t.Errorf("notice subject %q", n.Subject)
	}
	for what, body := range map[string]string{"text": n.Text, "html": n.HTML} {
		flat := strings.Join(strings.Fields(tagRE.ReplaceAllString(body, "")), " ")
		if !strings.Contains(flat, "is now held by Equipe (equipe@coop.example), who sent this meeting in their name") ||
			!strings.Contains(flat, "If you did not expect this, tell the facilitators.") {
			t.Errorf("notice %s:\n%s", what, body)
		}
	}
	for _, secret := range []string{hostKey, passcode, joinURL, "81234567890"} {
		if strings.Contains(string(told[0].Raw), secret) {
			t.Errorf("the notice to alice holds %q", secret)
		}
	}
	if strings.Contains(string(told[0].Raw), "BEGIN:VCALENDAR") {
		t.Error("the notice to alice carries a calendar")
	}
	for _, m := range rest {
		if m.To[0] == alice {
			t.Errorf("another mail to alice: %s", m.Kind)
		}
	}
	return rest
}

// holding counts the bookings that hold the account.
func holding(h *harness) int {
	n := 0
	for _, b := range h.st.bookings() {
		if b.Status == gateway.StatusAccepted || b.Status == gateway.StatusPending || b.Status == gateway.StatusHeld {
			n++
		}
	}
	return n
}

// bookingOf returns the booking (org, uid, ""), or nil.
func bookingOf(h *harness, org, uid string) *gateway.Booking {
	for _, b := range h.st.bookings() {
		if b.Organizer == org && b.UID == uid && b.RecurrenceID == "" {
			return &b
		}
	}
	return nil
}

// TestHandoverToGroupCalendar: the authentic request of the new organizer
// that lists the previous one among its attendees takes the booking over
// (same booking, same slot, nothing booked twice), is answered with the
// full accept mail, leaves an audit line, and the meeting is the new
// organizer's from then on: its CANCEL frees the slot for the waiting
// list, the previous organizer's does not.
func TestHandoverToGroupCalendar(t *testing.T) {
	h := newHarness(t, securityOptions, waitlistOn)
	if o := h.handle(googleMeeting().bytes()); o.Action != gateway.ActionAccepted {
		t.Fatalf("alice: %+v", o)
	}
	before := h.booking("g-1", "")
	if o := h.handle(meeting("REQUEST", "b-1", bob, 0, tomorrow(10, 30), tomorrow(11, 30)).bytes()); o.Action != gateway.ActionDeclined {
		t.Fatalf("bob: %+v", o)
	}
	n := len(h.st.outbox())
	out := h.handle(movedToTeam(true).bytes())
	if out.Action != gateway.ActionAccepted || out.Queued != 2 || !strings.HasPrefix(out.Reason, "handed over from alice@coop.example: ") {
		t.Fatalf("the moved event: %+v, want accepted, handed over", out)
	}
	after := bookingOf(h, team, "g-1")
	if after == nil || after.ID != before.ID || after.Status != gateway.StatusAccepted || !after.Start.Equal(before.Start) ||
		!after.End.Equal(before.End) || after.OrganizerName != "Equipe" {
		t.Fatalf("booking after the handover: %+v, before %+v", after, before)
	}
	if b := bookingOf(h, alice, "g-1"); b != nil {
		t.Errorf("alice still holds %+v", b)
	}
	if n := holding(h); n != 1 {
		t.Errorf("%d bookings hold the account, want 1", n)
	}
	q := toldOf(t, h.queuedSince(n), "g-1")
	if len(q) != 1 {
		t.Fatalf("%d mails besides the notice, want the reply", len(q))
	}
	m, r := q[0], decodeReply(t, q[0].Raw)
	if m.To[0] != team || partStat(t, r.Cal.Events[0]) != "ACCEPTED" || !strings.Contains(r.Text, hostKey) {
		t.Errorf("reply to %v, %s:\n%s", m.To, partStat(t, r.Cal.Events[0]), r.Text)
	}
	found := false
	for _, e := range h.st.auditLog() {
		found = found || (e.UID == "g-1" && strings.Contains(e.Reason, "meeting handed over from alice@coop.example to equipe@coop.example"))
	}
	if !found {
		t.Error("no audit line for the handover")
	}
	// The previous organizer's late CANCEL finds nothing of hers.
	late := stamped(meeting("CANCEL", "g-1", alice, 1, tomorrow(10, 0), tomorrow(11, 0)), 6*time.Minute)
	if o := h.handle(late.bytes()); o.Action == gateway.ActionCancelled {
		t.Errorf("alice cancels a meeting she handed over: %+v", o)
	}
	// The new organizer's CANCEL frees the slot: bob, waiting, gets it.
	cancel := stamped(meeting("CANCEL", "g-1", team, 1, tomorrow(10, 0), tomorrow(11, 0)), 7*time.Minute)
	if o := h.handle(cancel.bytes()); o.Action != gateway.ActionCancelled {
		t.Fatalf("the group cancels: %+v", o)
	}
	if s := status(t, h, "b-1", ""); s != gateway.StatusAccepted {
		t.Errorf("bob's waiting request is %s once the meeting is cancelled", s)
	}
}

// TestHandoverCounterHold: a proposal held for the meeting goes over with
// it: the new organizer's DECLINECOUNTER releases it.
func TestHandoverCounterHold(t *testing.T) {
	h := newHarness(t, securityOptions, counterOn)
	h.handle(meeting("REQUEST", "a-1", carol, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
	first := meeting("REQUEST", "tb-1", alice, 0, tomorrow(10, 30), tomorrow(11, 30))
	first.ProdID = thunderbirdProdID
	if o := h.handle(first.bytes()); o.Action != gateway.ActionDeclined || h.booking("tb-1", "hold").Status != gateway.StatusHeld {
		t.Fatalf("alice: %+v", o)
	}
	moved := stamped(first, time.Minute)
	moved.Events[0].Organizer, moved.Events[0].Attendees = team, []string{alice, roomAddr}
	n := len(h.st.outbox())
	if o := h.handle(moved.bytes()); o.Action != gateway.ActionDeclined || !strings.HasPrefix(o.Reason, "handed over from alice@coop.example") {
		t.Fatalf("the moved request: %+v, want still declined (carol's slot), handed over", o)
	}
	toldOf(t, h.queuedSince(n), "tb-1")
	if b := h.booking("tb-1", "hold"); b.Organizer != team || b.Status != gateway.StatusHeld {
		t.Fatalf("the proposal after the handover: %s of %s", b.Status, b.Organizer)
	}
	dc := meeting("DECLINECOUNTER", "tb-1", team, 0, tomorrow(11, 15), tomorrow(12, 15))
	dc.ProdID = thunderbirdProdID
	if o := h.handle(dc.bytes()); o.Action != gateway.ActionCancelled {
		t.Errorf("the group declines the proposal: %+v", o)
	}
}

// TestSameMeetingNoHandover: without the previous organizer among its
// attendees, or without proof that it comes from the new organizer, the
// request takes nothing over; its decline says the meeting is booked by
// another organizer (named to a member, not to a partner), never that the
// account is taken, and proposes nothing.
func TestSameMeetingNoHandover(t *testing.T) {
	tests := []struct {
		name    string
		opts    []func(*gateway.Options)
		msg     invite
		action  gateway.Action
		named   bool // the decline names alice
		mailsTo string
	}{
		{"a member, the previous organizer not invited", []func(*gateway.Options){securityOptions},
			movedToTeam(false), gateway.ActionDeclined, true, team},
		{"a member, no authentication configured", nil,
			movedToTeam(true), gateway.ActionDeclined, true, team},
		{"forged in a member's name", []func(*gateway.Options){securityOptions},
			func() invite { iv := movedToTeam(true); iv.From = mallory; return iv }(), gateway.ActionRejected, false, tech},
		{"a partner needing approval", []func(*gateway.Options){securityOptions, approvalOn},
			func() invite { iv := movedToTeam(true); iv.Events[0].Organizer = partner; return iv }(), gateway.ActionDeclined, false, partner},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, append([]func(*gateway.Options){counterOn, waitlistOn}, tt.opts...)...)
			if o := h.handle(googleMeeting().bytes()); o.Action != gateway.ActionAccepted {
				t.Fatalf("alice: %+v", o)
			}
			n := len(h.st.outbox())
			out := h.handle(tt.msg.bytes())
			if out.Action != tt.action || strings.Contains(out.Reason, "handed over") {
				t.Fatalf("outcome %+v, want %s without handover", out, tt.action)
			}
			if b := bookingOf(h, alice, "g-1"); b == nil || b.Status != gateway.StatusAccepted {
				t.Fatalf("alice's booking: %+v", b)
			}
			if holding(h) != 1 {
				t.Errorf("%d bookings hold the account", holding(h))
			}
			q := h.queuedSince(n)
			if len(q) != 1 || q[0].To[0] != tt.mailsTo || q[0].Kind == gateway.OutboxHandover {
				t.Fatalf("queued %d mails (%v), want one to %s and no notice of a handover", len(q), q, tt.mailsTo)
			}
			if tt.action == gateway.ActionRejected {
				return
			}
			r := decodeReply(t, q[0].Raw)
			want := "This meeting is already booked in the room by another organizer"
			if tt.named {
				want += ", alice@coop.example:"
			}
			if !strings.Contains(strings.Join(strings.Fields(r.Text), " "), want) {
				t.Errorf("decline lacks %q:\n%s", want, r.Text)
			}
			if !tt.named && strings.Contains(r.Raw, alice) {
				t.Error("the decline to a partner names alice")
			}
			for _, bad := range []string{"already taken", "hosts only one meeting", "If the slot frees", "proposes another time", "Free slots"} {
				if strings.Contains(r.Text, bad) {
					t.Errorf("decline says %q:\n%s", bad, r.Text)
				}
			}
			if c := r.Cal.Events[0].Prop("COMMENT"); c == nil || !strings.Contains(c.Text(), "already booked in the room by another organizer") {
				t.Errorf("REPLY COMMENT %v", c)
			}
			if b := bookingOf(h, tt.msg.Events[0].Organizer, "g-1"); b != nil && b.Status == gateway.StatusWaiting {
				t.Error("the same meeting waits for its own slot")
			}
		})
	}
}

// TestHandoverSeries: every date of a series goes over with it, and the
// series is answered to the new organizer as accepted.
func TestHandoverSeries(t *testing.T) {
	h := newHarness(t, securityOptions)
	series := googleMeeting()
	series.Events[0].Lines = []string{"RRULE:FREQ=WEEKLY;COUNT=3"}
	if o := h.handle(series.bytes()); o.Action != gateway.ActionAccepted {
		t.Fatalf("alice's series: %+v", o)
	}
	ids := map[int64]bool{}
	for _, b := range h.st.bookings() {
		ids[b.ID] = true
	}
	moved := stamped(series, 5*time.Minute)
	moved.Events[0].Organizer, moved.Events[0].Attendees = team, []string{alice, roomAddr}
	n := len(h.st.outbox())
	if o := h.handle(moved.bytes()); o.Action != gateway.ActionAccepted || !strings.HasPrefix(o.Reason, "handed over from alice@coop.example") {
		t.Fatalf("the moved series: %+v", o)
	}
	got := 0
	for _, b := range h.st.bookings() {
		if b.Organizer != team || !ids[b.ID] || b.Status != gateway.StatusAccepted {
			t.Errorf("booking %d of %s: %s", b.ID, b.Organizer, b.Status)
		}
		got++
	}
	if got != len(ids) || got < 3 {
		t.Errorf("%d bookings after the handover, %d before", got, len(ids))
	}
	q := toldOf(t, h.queuedSince(n), "g-1")
	if len(q) != 1 {
		t.Fatalf("%d mails besides the notice, want the reply", len(q))
	}
	if m, r := q[0], decodeReply(t, q[0].Raw); m.To[0] != team || partStat(t, r.Cal.Events[0]) != "ACCEPTED" || !strings.Contains(r.Text, hostKey) {
		t.Errorf("reply to %v: %s", m.To, partStat(t, r.Cal.Events[0]))
	}
	// The notice names the series, not only its first date.
	for _, m := range h.queuedSince(n) {
		if m.Kind == gateway.OutboxHandover && !strings.Contains(decodeNotice(t, m.Raw).Subject, "every Tuesday") {
			t.Errorf("the notice of a series: %q", decodeNotice(t, m.Raw).Subject)
		}
	}
}

// TestHandoverNotOlder: a request older (lower SEQUENCE) than the
// previous organizer's booking takes nothing over.
func TestHandoverNotOlder(t *testing.T) {
	h := newHarness(t, securityOptions)
	v1 := stamped(googleMeeting(), time.Minute)
	v1.Events[0].Seq = 1
	if o := h.handle(v1.bytes()); o.Action != gateway.ActionAccepted {
		t.Fatalf("alice v1: %+v", o)
	}
	n := len(h.st.outbox())
	if o := h.handle(movedToTeam(true).bytes()); o.Action != gateway.ActionDeclined || strings.Contains(o.Reason, "handed over") {
		t.Errorf("an older version under the group: %+v, want declined, no handover", o)
	}
	for _, m := range h.queuedSince(n) {
		if m.To[0] == alice || m.Kind == gateway.OutboxHandover {
			t.Errorf("alice is told of a handover that did not happen: %s to %v", m.Kind, m.To)
		}
	}
	if b := bookingOf(h, alice, "g-1"); b == nil || b.Status != gateway.StatusAccepted {
		t.Errorf("alice's booking: %+v", b)
	}
}

// TestHandoverNoticeLimited: the notice to the previous organizer keeps
// to the limits on replies for one meeting: when she already had as many
// for it in the hour, the booking still goes over, only the new
// organizer's reply is queued, and nothing more goes to her.
func TestHandoverNoticeLimited(t *testing.T) {
	h := newHarness(t, securityOptions, func(o *gateway.Options) { o.RepliesPerHour = 1 })
	if o := h.handle(googleMeeting().bytes()); o.Action != gateway.ActionAccepted || o.Queued != 1 {
		t.Fatalf("alice: %+v", o)
	}
	n := len(h.st.outbox())
	out := h.handle(movedToTeam(true).bytes())
	if out.Action != gateway.ActionAccepted || out.Queued != 1 || !strings.HasPrefix(out.Reason, "handed over from alice@coop.example: ") {
		t.Fatalf("the moved event: %+v, want accepted, handed over, one mail", out)
	}
	if q := h.queuedSince(n); len(q) != 1 || q[0].To[0] != team {
		t.Fatalf("queued %v, want only the reply to %s", q, team)
	}
}
