package gateway_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// question is a plain mail (no calendar) from `from` to the room.
func question(from, id string, header ...string) []byte {
	h := strings.Join(append([]string{"From: " + from, "To: " + roomAddr, "Subject: comment je réserve ?",
		"Message-ID: <" + id + "@coop.example>", "Date: Mon, 30 Nov 2026 09:00:00 +0100", "MIME-Version: 1.0",
		"Content-Type: text/plain; charset=utf-8"}, header...), "\r\n")
	return []byte(h + "\r\n\r\nBonjour, comment je réserve la salle ?\r\n")
}

// TestQuestionAnswered: a plain question to the room from a member is
// answered once (per 30 days) with how to book and the agenda's address;
// an outsider, an automatic mail, a list, a mail that is not authentic
// when that is required, or one not to the room get nothing.
func TestQuestionAnswered(t *testing.T) {
	const agenda = "https://salle.coop.example/?token=members-token-0123"
	withAgenda := func(o *gateway.Options) { o.AgendaURL = agenda }
	h := newHarness(t, withAgenda)
	out := h.handle(question(alice, "q1"))
	if out.Action != gateway.ActionIgnored || out.Folder != gateway.FolderOther || out.Queued != 1 {
		t.Fatalf("outcome %+v", out)
	}
	q := h.st.outbox()
	if len(q) != 1 || q[0].To[0] != alice || q[0].From != roomAddr || q[0].Kind != gateway.OutboxHelp {
		t.Fatalf("queued %+v", q)
	}
	r := decodeNoticeParts(t, q[0].Raw)
	for _, want := range []string{"invite the room to it as a participant: " + roomAddr, agenda, "The cooperative's Zoom room service"} {
		if !strings.Contains(r.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, r.Text)
		}
	}
	if !strings.Contains(r.HTML, `href="`+agenda+`"`) {
		t.Errorf("the HTML part lacks the agenda link")
	}
	h.clock.advance(time.Hour)
	if out := h.handle(question(alice, "q2")); out.Queued != 0 || len(h.st.outbox()) != 1 {
		t.Errorf("a second question the same month: %+v", out)
	}
	h.clock.advance(31 * 24 * time.Hour)
	if out := h.handle(question(alice, "q3")); out.Queued != 1 {
		t.Errorf("a question a month later: %+v", out)
	}

	tests := []struct {
		name string
		opts func(*gateway.Options)
		msg  []byte
	}{
		{"an outsider", nil, question(eve, "o1")},
		{"an automatic mail", nil, question(alice, "o2", "Auto-Submitted: auto-replied")},
		{"a list", nil, question(alice, "o3", "List-Id: <coop.lists.coop.example>")},
		{"a bounce", nil, question("MAILER-DAEMON@coop.example", "o4")},
		{"not authentic when required", authentic, question(alice, "o5")},
		{"not to the room", nil, []byte(strings.Replace(string(question(alice, "o6")), "To: "+roomAddr, "To: x@coop.example", 1))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			edits := []func(*gateway.Options){withAgenda}
			if tt.opts != nil {
				edits = append(edits, tt.opts)
			}
			h := newHarness(t, edits...)
			if out := h.handle(tt.msg); out.Queued != 0 || len(h.st.outbox()) != 0 {
				t.Errorf("answered: %+v", out)
			}
		})
	}
	h = newHarness(t, authentic)
	msg := question(alice, "a1", fmt.Sprintf("Authentication-Results: %s; dmarc=pass header.from=coop.example", mx))
	if out := h.handle(msg); out.Queued != 1 {
		t.Errorf("authentic question not answered: %+v", out)
	}
}
