package gateway_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/chat"
	"codeberg.org/opteos/roomgate/gateway"
)

// chatBook books [s, e) for member through the ChatBooker.
func (h *harness) chatBook(member string, s, e time.Time) chat.Outcome {
	h.t.Helper()
	out, err := h.g.ChatBooker().Book(context.Background(), chat.BookRequest{Member: member,
		Slot: chat.Slot{Start: s, End: e}, Title: "Atelier", Lang: "en", Via: "chat mattermost user u1"})
	if err != nil {
		h.t.Fatalf("Book: %v", err)
	}
	return out
}

// TestChatBookSendsRequest: a chat booking of a free slot is accepted
// through the mail's decision (audited with the chat account), and the
// member gets the room's iTIP REQUEST: the room organizes, the member is
// asked to answer, the room details and host key are in the mail.
func TestChatBookSendsRequest(t *testing.T) {
	h := newHarness(t, authentic)
	n := len(h.st.outbox())
	out := h.chatBook(alice, tomorrow(10, 0), tomorrow(11, 0))
	if out.Status != chat.Accepted || out.Booking.ID == 0 {
		t.Fatalf("outcome %+v, want accepted with a booking", out)
	}
	m, r := h.onlyMail(n)
	if m.To[0] != alice || !strings.Contains(r.CalType, "method=REQUEST") || r.Cal.Method != "REQUEST" {
		t.Fatalf("mail to %v, calendar %q method %q", m.To, r.CalType, r.Cal.Method)
	}
	ev := r.Cal.Events[0]
	if org, _ := ev.Organizer.Mailbox(); org != roomAddr {
		t.Errorf("ORGANIZER %q, want the room", org)
	}
	if len(ev.Attendees) != 2 || ev.Attendees[0].Address() != alice || ev.Attendees[0].Param("PARTSTAT") != "NEEDS-ACTION" ||
		ev.Attendees[0].Param("RSVP") != "TRUE" {
		t.Errorf("ATTENDEEs %v", ev.Attendees)
	}
	if !ev.Start.Equal(tomorrow(10, 0)) || !ev.End.Equal(tomorrow(11, 0)) || ev.Summary != "Atelier" {
		t.Errorf("event %v–%v %q", ev.Start, ev.End, ev.Summary)
	}
	if !strings.Contains(r.Text, hostKey) {
		t.Errorf("the accept mail lacks the host key:\n%s", r.Text)
	}
	audit := h.st.auditLog()
	if last := audit[len(audit)-1]; last.Action != gateway.ActionAccepted || !strings.Contains(last.Reason, "via chat mattermost user u1") || last.Organizer != alice {
		t.Errorf("audit %+v", last)
	}
	mine, err := h.g.ChatBooker().Bookings(context.Background(), alice, t0)
	if err != nil || len(mine) != 1 || mine[0].ID != out.Booking.ID {
		t.Errorf("Bookings = %+v, %v", mine, err)
	}
}

// TestChatBookSamePolicy: a chat booking decides as a mail: a taken slot
// is declined (it waits), an outsider may not book at all.
func TestChatBookSamePolicy(t *testing.T) {
	h := newHarness(t, authentic)
	h.handle(meeting("REQUEST", "m-1", bob, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
	if out := h.chatBook(alice, tomorrow(10, 30), tomorrow(11, 30)); out.Status == chat.Accepted {
		t.Errorf("a taken slot: %+v", out)
	}
	_, err := h.g.ChatBooker().Book(context.Background(), chat.BookRequest{Member: eve,
		Slot: chat.Slot{Start: tomorrow(14, 0), End: tomorrow(15, 0)}, Via: "x"})
	if !errors.Is(err, chat.ErrNotMember) {
		t.Errorf("an outsider: %v, want ErrNotMember", err)
	}
	free, err := h.g.ChatBooker().FreeSlots(context.Background(), at(2026, 12, 1, 0, 0), at(2026, 12, 2, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	// Day hours 08:00–20:00; 10:00–11:00 taken, with 10 minutes kept
	// around it: the 15-minute steps that touch 09:50–11:10 are busy.
	want := []chat.Slot{{Start: tomorrow(8, 0), End: tomorrow(9, 45)}, {Start: tomorrow(11, 15), End: tomorrow(20, 0)}}
	if len(free) != len(want) {
		t.Fatalf("FreeSlots = %v, want %v", free, want)
	}
	for i := range want {
		if !free[i].Start.Equal(want[i].Start) || !free[i].End.Equal(want[i].End) {
			t.Errorf("slot %d = %v–%v, want %v–%v", i, free[i].Start, free[i].End, want[i].Start, want[i].End)
		}
	}
}

// reply is the member's calendar answering the room's event uid.
func reply(uid, from, attendee, partstat string) []byte {
	iv := meeting("REPLY", uid, roomAddr, 0, tomorrow(10, 0), tomorrow(11, 0))
	iv.From = from
	iv.Events[0].Organizer, iv.Events[0].Attendees = "", nil
	iv.Events[0].Lines = []string{"ORGANIZER:mailto:" + roomAddr, "ATTENDEE;PARTSTAT=" + partstat + ":mailto:" + attendee}
	iv.Events[0].Stamp = t0.Add(time.Minute)
	return iv.bytes()
}

// TestChatReplyDeclined: the member declining the room's event in their
// calendar frees the booking; the same REPLY from another member, or in
// the member's name from another address, changes nothing; ACCEPTED
// keeps it.
func TestChatReplyDeclined(t *testing.T) {
	h := newHarness(t, authentic)
	n := len(h.st.outbox())
	h.chatBook(alice, tomorrow(10, 0), tomorrow(11, 0))
	_, r := h.onlyMail(n)
	uid := r.Cal.Events[0].UID
	if o := h.handle(reply(uid, bob, bob, "DECLINED")); o.Action != gateway.ActionIgnored || o.Reason != "no booking of this attendee for this event" {
		t.Errorf("another member's REPLY: %+v", o)
	}
	if o := h.handle(reply(uid, bob, alice, "DECLINED")); o.Action != gateway.ActionRejected {
		t.Errorf("a REPLY in alice's name from bob: %+v", o)
	}
	if o := h.handle(reply(uid, alice, alice, "ACCEPTED")); o.Action != gateway.ActionIgnored {
		t.Errorf("ACCEPTED: %+v", o)
	}
	if b := h.booking(uid, ""); b.Status != gateway.StatusAccepted {
		t.Fatalf("after the others' replies the booking is %s", b.Status)
	}
	if o := h.handle(reply(uid, alice, alice, "DECLINED")); o.Action != gateway.ActionCancelled {
		t.Errorf("alice's DECLINED: %+v", o)
	}
	if b := h.booking(uid, ""); b.Status != gateway.StatusCancelled {
		t.Errorf("after alice declined the booking is %s", b.Status)
	}
}

// TestChatCancel: a member cancels their own chat booking (the room's
// CANCEL reaches their calendar), never another's.
func TestChatCancel(t *testing.T) {
	h := newHarness(t, authentic)
	out := h.chatBook(alice, tomorrow(10, 0), tomorrow(11, 0))
	cb := h.g.ChatBooker()
	if err := cb.Cancel(context.Background(), bob, out.Booking.ID, "x"); !errors.Is(err, chat.ErrNoBooking) {
		t.Errorf("bob cancels alice's booking: %v, want ErrNoBooking", err)
	}
	n := len(h.st.outbox())
	if err := cb.Cancel(context.Background(), alice, out.Booking.ID, "chat mattermost user u1"); err != nil {
		t.Fatalf("Cancel: %v", err)
	}
	_, r := h.onlyMail(n)
	if r.Cal.Method != "CANCEL" || r.Cal.Events[0].Sequence != 1 {
		t.Errorf("the member's mail: method %q SEQUENCE %d", r.Cal.Method, r.Cal.Events[0].Sequence)
	}
	if mine, _ := cb.Bookings(context.Background(), alice, t0); len(mine) != 0 {
		t.Errorf("after the cancellation: %+v", mine)
	}
}

// TestChatWaitingPromoted: a chat request for a taken slot waits; when
// the slot frees, the member gets the room's REQUEST, as for a booking
// accepted at once (not a REPLY to an invitation they never sent).
func TestChatWaitingPromoted(t *testing.T) {
	h := newHarness(t, authentic, waitlistOn)
	bobs := meeting("REQUEST", "m-1", bob, 0, tomorrow(10, 0), tomorrow(11, 0))
	h.handle(bobs.bytes())
	n := len(h.st.outbox())
	if out := h.chatBook(alice, tomorrow(10, 0), tomorrow(11, 0)); out.Status != chat.Waiting {
		t.Fatalf("a taken slot: %+v, want waiting", out)
	}
	if q := h.queuedSince(n); len(q) != 1 || q[0].To[0] != alice || strings.Contains(string(q[0].Raw), "text/calendar") {
		t.Errorf("the waiting mail: %d mails, or one with a calendar part", len(q))
	}
	cancel := bobs
	cancel.Method, cancel.Events[0].Seq, cancel.Events[0].Stamp = "CANCEL", 1, t0.Add(time.Minute)
	n = len(h.st.outbox())
	h.handle(cancel.bytes())
	m, r := h.onlyMail(n)
	if m.To[0] != alice || r.Cal.Method != "REQUEST" || !strings.Contains(r.CalType, "method=REQUEST") {
		t.Errorf("promoted: mail to %v, method %q (%s)", m.To, r.Cal.Method, r.CalType)
	}
}
