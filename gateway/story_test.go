package gateway_test

import (
	"mime"
	"slices"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// step is one message of a scenario and what must come of it.
type step struct {
	name  string
	msg   []byte
	want  gateway.Outcome // Kind, Action, UID, Reason, Folder and Queued are compared
	check func(t *testing.T, h *harness, msg []byte, n int)
}

// runSteps handles the steps in order on one harness. n passed to check is
// the outbox length before the step.
func runSteps(t *testing.T, h *harness, steps []step) {
	t.Helper()
	for _, s := range steps {
		n := len(h.st.outbox())
		got := public(h.handle(s.msg))
		if got != s.want {
			t.Fatalf("%s: outcome\n got %+v\nwant %+v", s.name, got, s.want)
		}
		if q := len(h.st.outbox()) - n; q != s.want.Queued {
			t.Fatalf("%s: %d mails queued, want %d", s.name, q, s.want.Queued)
		}
		if s.check != nil {
			s.check(t, h, s.msg, n)
		}
		if t.Failed() {
			t.FailNow()
		}
	}
}

// public keeps the exported fields of an outcome, for comparison.
func public(o gateway.Outcome) gateway.Outcome {
	return gateway.Outcome{Kind: o.Kind, Action: o.Action, UID: o.UID, Reason: o.Reason, Folder: o.Folder, Queued: o.Queued}
}

func out(kind gateway.Kind, action gateway.Action, uid, reason string, folder gateway.Folder, queued int) gateway.Outcome {
	return gateway.Outcome{Kind: kind, Action: action, UID: uid, Reason: reason, Folder: folder, Queued: queued}
}

// TestStory follows the README's story: Alice books, Bob is turned down
// with suggestions, Alice cancels, Dave takes the slot, an outsider is
// refused.
func TestStory(t *testing.T) {
	h := newHarness(t, authentic)
	aliceInv := meeting("REQUEST", "alice-1", alice, 0, tomorrow(10, 0), tomorrow(11, 0))
	aliceInv.Events[0].Paris = true
	aliceCancel := meeting("CANCEL", "alice-1", alice, 1, tomorrow(10, 0), tomorrow(11, 0))
	aliceCancel.Events[0].Stamp = t0.Add(time.Minute)
	aliceCancel.Events[0].Lines = []string{"STATUS:CANCELLED"}

	runSteps(t, h, []step{
		{name: "alice books 10:00-11:00", msg: aliceInv.bytes(),
			want:  out(gateway.KindRequest, gateway.ActionAccepted, "alice-1", "the account is free", gateway.FolderProcessed, 1),
			check: checkAliceAccepted},
		{name: "bob asks 10:30-11:30",
			msg:   meeting("REQUEST", "bob-1", bob, 0, tomorrow(10, 30), tomorrow(11, 30)).bytes(),
			want:  out(gateway.KindRequest, gateway.ActionDeclined, "bob-1", "the account is already hosting a meeting then (Europe/Paris): 2026-12-01 10:00–11:00", gateway.FolderProcessed, 1),
			check: checkBobDeclined},
		{name: "alice cancels", msg: aliceCancel.bytes(),
			want: out(gateway.KindCancel, gateway.ActionCancelled, "alice-1", "1 booking(s) freed", gateway.FolderProcessed, 0),
			check: func(t *testing.T, h *harness, _ []byte, _ int) {
				if b := h.booking("alice-1", ""); b.Status != gateway.StatusCancelled || b.Sequence != 1 {
					t.Errorf("alice's booking = %s seq %d, want cancelled seq 1", b.Status, b.Sequence)
				}
			}},
		{name: "dave takes 10:00-11:00",
			msg:  meeting("REQUEST", "dave-1", dave, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes(),
			want: out(gateway.KindRequest, gateway.ActionAccepted, "dave-1", "the account is free", gateway.FolderProcessed, 1),
			check: func(t *testing.T, h *harness, _ []byte, n int) {
				m, r := h.onlyMail(n)
				if !slices.Equal(m.To, []string{dave}) || partStat(t, r.Cal.Events[0]) != "ACCEPTED" {
					t.Errorf("dave's reply: to %v, %s", m.To, partStat(t, r.Cal.Events[0]))
				}
			}},
		{name: "an outsider is refused",
			msg:   meeting("REQUEST", "eve-1", eve, 0, tomorrow(15, 0), tomorrow(16, 0)).bytes(),
			want:  out(gateway.KindRequest, gateway.ActionDeclined, "eve-1", "organizer eve@elsewhere.example may not book this room", gateway.FolderProcessed, 1),
			check: checkOutsiderDeclined},
	})
}

func checkAliceAccepted(t *testing.T, h *harness, msg []byte, n int) {
	m, r := h.onlyMail(n)
	if m.From != roomAddr || !slices.Equal(m.To, []string{alice}) || m.UID != "alice-1" || m.Status != gateway.OutboxPending {
		t.Errorf("outbox mail: from %q to %q uid %q status %s", m.From, m.To, m.UID, m.Status)
	}
	mid := messageID(t, msg)
	wantHeader := map[string]string{
		"From":           `"Salle Opteos" <zoom@coop.example>`,
		"To":             `"Alice" <alice@coop.example>`,
		"Auto-Submitted": "auto-replied",
		"In-Reply-To":    mid,
		"References":     "<earlier@tests.example> " + mid,
		"Mime-Version":   "1.0",
	}
	for k, v := range wantHeader {
		if got := r.Header.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/alternative; boundary=") {
		t.Errorf("Content-Type = %q", ct)
	}
	if r.CalType != "text/calendar; method=REPLY; charset=UTF-8" {
		t.Errorf("calendar part type = %q", r.CalType)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(r.Header.Get("Subject"))
	if want := "Room booked: Meeting alice-1 — Tuesday 1\u00a0December 2026, 10:00–11:00"; subject != want {
		t.Errorf("subject = %q, want %q", subject, want)
	}
	checkAcceptReplyCalendar(t, r)
	for _, line := range []string{
		"Salle Opteos is booked for your meeting “Meeting alice-1”:",
		"Tuesday 1 December 2026, 10:00–11:00 (Paris time).",
		"Add this link to your invitation for your participants:",
		joinURL,
		"  Link:        " + joinURL,
		"  Meeting ID:  812 3456 7890",
		"  Passcode:    " + passcode,
		"Host key, for you only: " + hostKey,
	} {
		if !slices.Contains(strings.Split(r.Text, "\n"), line) {
			t.Errorf("accept text lacks the line %q:\n%s", line, r.Text)
		}
	}
	for _, s := range []string{hostKey, passcode, joinURL} {
		if !strings.Contains(r.HTML, s) && !strings.Contains(r.HTML, strings.ReplaceAll(s, "&", "&amp;")) {
			t.Errorf("accept HTML lacks %q", s)
		}
	}
	b := h.booking("alice-1", "")
	if b.Status != gateway.StatusAccepted || !b.Start.Equal(tomorrow(10, 0)) || !b.End.Equal(tomorrow(11, 0)) ||
		b.Organizer != alice || b.OrganizerName != "Alice" || b.Room != roomAddr || b.MessageID != mid {
		t.Errorf("booking = %+v", b)
	}
}

// checkAcceptReplyCalendar checks the iTIP REPLY to Alice (RFC 5546 §3.2.3).
func checkAcceptReplyCalendar(t *testing.T, r replyMail) {
	c := r.Cal
	if c.Method != "REPLY" || len(c.Events) != 1 {
		t.Fatalf("reply: METHOD %q with %d VEVENTs", c.Method, len(c.Events))
	}
	ev := c.Events[0]
	if ev.UID != "alice-1" {
		t.Errorf("UID = %q", ev.UID)
	}
	if p := ev.Prop("SEQUENCE"); p == nil || p.Value != "0" {
		t.Errorf("SEQUENCE = %v, want 0", p)
	}
	if got := ev.Organizer.String(); got != "ORGANIZER;CN=Alice:mailto:alice@coop.example" {
		t.Errorf("ORGANIZER = %q", got)
	}
	att := attendeeLine(t, ev)
	if att.Address() != roomAddr || att.Param("PARTSTAT") != "ACCEPTED" || att.Param("RSVP") != "" {
		t.Errorf("ATTENDEE = %q", att.String())
	}
	if got := att.String(); got != "ATTENDEE;CUTYPE=RESOURCE;ROLE=NON-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:zoom@coop.example" {
		t.Errorf("ATTENDEE line = %q", got)
	}
	if got := ev.Prop("DTSTART").String(); got != "DTSTART;TZID=Europe/Paris:20261201T100000" {
		t.Errorf("DTSTART = %q", got)
	}
	if p := ev.Prop("REQUEST-STATUS"); p == nil || p.Value != "2.0;Room booked" {
		t.Errorf("REQUEST-STATUS = %v", p)
	}
	if p := ev.Prop("DTSTAMP"); p == nil || p.Value != "20261130T080000Z" {
		t.Errorf("DTSTAMP = %v, want now", p)
	}
	if len(c.Timezones) != 1 || c.Timezones[0].Prop("TZID").Value != "Europe/Paris" {
		t.Errorf("reply has %d VTIMEZONEs, want Europe/Paris copied", len(c.Timezones))
	}
}

func checkBobDeclined(t *testing.T, h *harness, msg []byte, n int) {
	m, r := h.onlyMail(n)
	if !slices.Equal(m.To, []string{bob}) || m.From != roomAddr {
		t.Errorf("outbox mail from %q to %q", m.From, m.To)
	}
	ev := r.Cal.Events[0]
	if len(r.Cal.Events) != 1 || ev.UID != "bob-1" || partStat(t, ev) != "DECLINED" {
		t.Fatalf("reply: %d VEVENTs, %s %s", len(r.Cal.Events), ev.UID, partStat(t, ev))
	}
	if p := ev.Prop("REQUEST-STATUS"); p == nil || p.Value != "4.1;Time already taken" {
		t.Errorf("REQUEST-STATUS = %v", p)
	}
	wantText := "The cooperative's Zoom account hosts only one meeting at a time, and\nthis slot is already taken:\n" +
		"- Tuesday 1 December 2026, 10:00–11:00\n\nThe room also keeps 10 minutes free before and after every meeting.\n"
	if !strings.Contains(r.Text, wantText) {
		t.Errorf("decline text lacks the conflict %q:\n%s", wantText, r.Text)
	}
	// The nearest free slots, before and after the time asked.
	wantSugg := "Free slots of the same length, nearest to the time you asked for:\n" +
		"- Tuesday 1 December 2026, 08:50–09:50\n" +
		"- Tuesday 1 December 2026, 11:15–12:15\n" +
		"- Tuesday 1 December 2026, 12:15–13:15\n"
	if !strings.Contains(r.Text, wantSugg) {
		t.Errorf("decline text lacks the suggestions %q:\n%s", wantSugg, r.Text)
	}
	for _, s := range []string{"10:00–11:00", "08:50–09:50", "11:15–12:15", "12:15–13:15"} {
		if !strings.Contains(r.HTML, s) {
			t.Errorf("decline HTML lacks %q", s)
		}
	}
	noSecrets(t, m.Raw, r)
	if b := h.booking("bob-1", ""); b.Status != gateway.StatusDeclined || !strings.HasPrefix(b.Reason, gateway.ReasonConflict+": ") {
		t.Errorf("bob's booking = %s %q", b.Status, b.Reason)
	}
}

func checkOutsiderDeclined(t *testing.T, h *harness, msg []byte, n int) {
	m, r := h.onlyMail(n)
	if !slices.Equal(m.To, []string{eve}) || partStat(t, r.Cal.Events[0]) != "DECLINED" {
		t.Errorf("outsider's reply: to %v, %s", m.To, partStat(t, r.Cal.Events[0]))
	}
	if !strings.Contains(r.Text, "Only members of the cooperative can book this room") {
		t.Errorf("outsider's text:\n%s", r.Text)
	}
	noSecrets(t, m.Raw, r)
	subject, _ := new(mime.WordDecoder).DecodeHeader(r.Header.Get("Subject"))
	if want := "Room not available: your invitation — Tuesday 1\u00a0December 2026, 15:00–16:00"; subject != want {
		t.Errorf("the outsider's subject = %q, want %q (none of their text)", subject, want)
	}
	if h.hasBooking("eve-1", "") {
		t.Errorf("an outsider's request was stored as a booking")
	}
}

// TestFrench: the same answers in French, the default language.
func TestFrench(t *testing.T) {
	h := newHarness(t, func(o *gateway.Options) { o.Lang = "fr" })
	h.handle(meeting("REQUEST", "a", alice, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
	h.handle(meeting("REQUEST", "b", bob, 0, tomorrow(10, 30), tomorrow(11, 30)).bytes())
	q := h.st.outbox()
	if len(q) != 2 {
		t.Fatalf("%d mails queued, want 2", len(q))
	}
	acc, dec := decodeReply(t, q[0].Raw), decodeReply(t, q[1].Raw)
	// French typography as sent: no-break spaces before ":" and inside
	// guillemets, "1er", and a range that never breaks (U+00A0 and U+2060).
	const nb, wj = "\u00a0", "\u2060"
	for _, s := range []string{hostKey, passcode, joinURL, "La salle Opteos est réservée pour votre réunion «" + nb + "Meeting a" + nb + "»" + nb + ":",
		"mardi 1er" + nb + "décembre 2026, 10:00" + nb + "–" + wj + nb + "11:00 (heure de Paris).", "Code secret" + nb + ":"} {
		if !strings.Contains(acc.ExactText, s) {
			t.Errorf("French accept lacks %q:\n%s", s, acc.ExactText)
		}
	}
	for _, s := range []string{"mardi 1er décembre 2026, 10:00 – 11:00", "mardi 1er décembre 2026, 08:50 – 09:50", "mardi 1er décembre 2026, 11:15 – 12:15"} {
		if !strings.Contains(dec.Text, s) {
			t.Errorf("French decline lacks %q:\n%s", s, dec.Text)
		}
	}
	noSecrets(t, q[1].Raw, dec)
}
