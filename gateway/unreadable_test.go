package gateway_test

import (
	"bytes"
	"net/mail"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// TestBrokenRoomParameter: a broken parameter on the room's own ATTENDEE
// (CN="a"b) is read leniently: the invitation is decided and answered, and
// the reply's line is well formed.
func TestBrokenRoomParameter(t *testing.T) {
	h := newHarness(t)
	iv := meeting("REQUEST", "p-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0))
	iv.Events[0].Attendees = nil
	iv.Events[0].Lines = []string{`ATTENDEE;CN="Salle "Opteos;RSVP=TRUE:mailto:` + roomAddr}
	out := h.handle(iv.bytes())
	if out.Action != gateway.ActionAccepted || out.Queued != 1 {
		t.Fatalf("outcome %+v", out)
	}
	_, r := h.onlyMail(0)
	if got := attendeeLine(t, r.Cal.Events[0]).String(); got != "ATTENDEE;CN=Salle Opteos;PARTSTAT=ACCEPTED:mailto:"+roomAddr {
		t.Errorf("reply ATTENDEE = %q", got)
	}
}

// TestUnreadableRoomLine: a line naming the room that cannot be read at
// all does not make the room "not an attendee": the message is rejected,
// and the member is told.
func TestUnreadableRoomLine(t *testing.T) {
	h := newHarness(t)
	iv := meeting("REQUEST", "p-2", alice, 0, tomorrow(10, 0), tomorrow(11, 0))
	iv.Events[0].Attendees = nil
	iv.Events[0].Lines = []string{`ATTENDEE;CN="unterminated:mailto:` + roomAddr}
	out := h.handle(iv.bytes())
	if out.Action != gateway.ActionRejected || !strings.Contains(out.Reason, "a line naming the room could not be read") || out.Queued != 1 {
		t.Fatalf("outcome %+v", out)
	}
}

// TestUnreadableAnswered: an invitation the room cannot read is answered
// with a short mail when that is safe, and only then.
func TestUnreadableAnswered(t *testing.T) {
	broken := func(edit func(*invite)) []byte {
		iv := meeting("REQUEST", "u-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0))
		iv.Events[0].Omit = []string{"DTSTART"}
		if edit != nil {
			edit(&iv)
		}
		return iv.bytes()
	}
	tests := []struct {
		name string
		opts func(*gateway.Options)
		msg  []byte
		told bool
	}{
		{"a member", nil, broken(nil), true},
		{"an outsider", nil, broken(func(iv *invite) { iv.From, iv.Events[0].Organizer = eve, eve }), false},
		{"an automatic mail", nil, broken(func(iv *invite) { iv.Header = []string{"Auto-Submitted: auto-generated"} }), false},
		{"a list", nil, broken(func(iv *invite) { iv.Header = []string{"List-Id: <coop.lists.coop.example>"} }), false},
		{"a cancellation", nil, broken(func(iv *invite) { iv.Method = "CANCEL"; iv.Events[0].Omit = []string{"UID"} }), false},
		{"not naming the room", nil, broken(func(iv *invite) { iv.Events[0].Attendees = []string{"x@coop.example"} }), false},
		{"authentic mail required, and given", authentic, broken(nil), true},
		{"authentic mail required, not given", authentic, broken(func(iv *invite) { iv.AuthResults = "-" }), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var edits []func(*gateway.Options)
			if tt.opts != nil {
				edits = append(edits, tt.opts)
			}
			h := newHarness(t, edits...)
			out := h.handle(tt.msg)
			if out.Action != gateway.ActionRejected || out.Folder != gateway.FolderRejected {
				t.Fatalf("outcome %+v, want rejected", out)
			}
			q := h.st.outbox()
			if !tt.told {
				if len(q) != 0 {
					t.Errorf("%d mails, want none", len(q))
				}
				return
			}
			if len(q) != 1 || q[0].To[0] != alice || q[0].From != roomAddr || q[0].Kind != gateway.OutboxUnreadable {
				t.Fatalf("queued %+v", q)
			}
			m, err := mail.ReadMessage(bytes.NewReader(q[0].Raw))
			if err != nil {
				t.Fatal(err)
			}
			if m.Header.Get("Auto-Submitted") != "auto-replied" || m.Header.Get("In-Reply-To") == "" {
				t.Errorf("header %v", m.Header)
			}
			r := decodeNoticeParts(t, q[0].Raw)
			for _, want := range []string{"Salle Opteos received your invitation \"Invitation\",\nbut could not read it",
				"send the invitation again from your calendar", "The cooperative's Zoom room service"} {
				if !strings.Contains(r.Text, want) {
					t.Errorf("text lacks %q:\n%s", want, r.Text)
				}
			}
			// The technical reason is the facilitators' (audit, rejected
			// folder), not the member's.
			for _, lacks := range []string{"invalid calendar", "DTSTART", "The room Salle", "\nroomgate"} {
				if strings.Contains(r.Text, lacks) || strings.Contains(r.HTML, lacks) {
					t.Errorf("the answer shows %q:\n%s", lacks, r.Text)
				}
			}
			if !strings.Contains(r.HTML, `name="viewport"`) {
				t.Errorf("the HTML part lacks the phone layout:\n%s", r.HTML)
			}
			if !strings.Contains(out.Reason, "invalid calendar") {
				t.Errorf("the audit lost the technical reason: %q", out.Reason)
			}
			if strings.Contains(string(q[0].Raw), hostKey) || strings.Contains(string(q[0].Raw), joinURL) {
				t.Errorf("the answer shows room details")
			}
		})
	}
}

// TestUnreadableLimited: a sender gets at most three such answers an hour.
func TestUnreadableLimited(t *testing.T) {
	h := newHarness(t)
	for i := range 5 {
		iv := meeting("REQUEST", "u-"+string(rune('a'+i)), alice, 0, tomorrow(10, 0), tomorrow(11, 0))
		iv.Events[0].Omit = []string{"DTSTART"}
		h.handle(iv.bytes())
	}
	if n := len(h.st.outbox()); n != 3 {
		t.Errorf("%d answers, want 3", n)
	}
	h.clock.advance(time.Hour + time.Minute)
	iv := meeting("REQUEST", "u-late", alice, 0, tomorrow(10, 0), tomorrow(11, 0))
	iv.Events[0].Omit = []string{"DTSTART"}
	h.handle(iv.bytes())
	if n := len(h.st.outbox()); n != 4 {
		t.Errorf("%d answers an hour later, want 4", n)
	}
}

// TestUnreadableWithoutMethod: a broken calendar that names the room but
// says no iTIP method, in its body or its MIME type (an announcement, an
// agenda exported by IBM Notes), asks for nothing: it is rejected without
// an answer; with method=REQUEST on its MIME type it is an invitation.
func TestUnreadableWithoutMethod(t *testing.T) {
	mail := func(ctype string) []byte {
		return []byte("From: Alice <" + alice + ">\r\nTo: " + roomAddr + "\r\nSubject: Agenda\r\n" +
			"Message-ID: <nomethod@coop.example>\r\nDate: Mon, 30 Nov 2026 09:00:00 +0100\r\n" +
			"Authentication-Results: " + mx + "; dmarc=pass header.from=coop.example\r\n" +
			"MIME-Version: 1.0\r\nContent-Type: " + ctype + "\r\n\r\n" +
			"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nBEGIN:VEVENT\r\nUID:nm-1\r\n" +
			"SUMMARY:no start\r\nATTENDEE:mailto:" + roomAddr + "\r\nORGANIZER:mailto:" + alice + "\r\n" +
			"END:VEVENT\r\nEND:VCALENDAR\r\n")
	}
	for _, tt := range []struct {
		ctype string
		told  bool
	}{
		{"text/calendar; charset=UTF-8", false},
		{"text/calendar; charset=UTF-8; method=REQUEST", true},
	} {
		h := newHarness(t)
		out := h.handle(mail(tt.ctype))
		if out.Action != gateway.ActionRejected {
			t.Fatalf("%s: outcome %+v, want rejected", tt.ctype, out)
		}
		if told := len(h.st.outbox()) == 1; told != tt.told {
			t.Errorf("%s: answered %v, want %v", tt.ctype, told, tt.told)
		}
	}
}
