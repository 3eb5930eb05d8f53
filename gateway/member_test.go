package gateway_test

import (
	"mime"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// subjectOf decodes a reply's Subject, typography read as plain spaces.
func subjectOf(t *testing.T, r replyMail) string {
	t.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(r.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("subject: %v", err)
	}
	return plain(s)
}

// withLocation adds a LOCATION to the invitation's event.
func withLocation(iv invite, loc string) invite {
	iv.Events = append([]vevent(nil), iv.Events...)
	iv.Events[0].Lines = append(append([]string(nil), iv.Events[0].Lines...), "LOCATION:"+loc)
	return iv
}

// TestQuietUpdates: an edit that leaves the slot and the answer as they
// were (the member added the join link, a description, guests) gets the
// REPLY its calendar needs with a one-line mail; only a changed slot or a
// changed answer brings the full mail again.
func TestQuietUpdates(t *testing.T) {
	const (
		quiet = "Change received: Meeting a — Tuesday 1 December 2026, 10:00–11:00"
		full  = "Room booked: Meeting a — Tuesday 1 December 2026, 10:00–11:00"
	)
	v0 := meeting("REQUEST", "a", alice, 0, tomorrow(10, 0), tomorrow(11, 0))
	tests := []struct {
		name     string
		before   [][]byte
		edit     []byte
		subject  string
		partStat string
	}{
		{"the link added, same SEQUENCE (minor update)", nil,
			stamped(withLocation(v0, joinURL), time.Minute).bytes(), quiet, "ACCEPTED"},
		{"the link added, SEQUENCE raised as Outlook does", nil,
			stamped(withLocation(meeting("REQUEST", "a", alice, 1, tomorrow(10, 0), tomorrow(11, 0)), joinURL), time.Minute).bytes(),
			quiet, "ACCEPTED"},
		{"moved: the full mail again", nil,
			stamped(meeting("REQUEST", "a", alice, 1, tomorrow(14, 0), tomorrow(15, 0)), time.Minute).bytes(),
			"Room booked: Meeting a — Tuesday 1 December 2026, 14:00–15:00", "ACCEPTED"},
		{"rebooked after a cancel: the full mail again",
			[][]byte{stamped(meeting("CANCEL", "a", alice, 1, tomorrow(10, 0), tomorrow(11, 0)), time.Minute).bytes()},
			stamped(meeting("REQUEST", "a", alice, 2, tomorrow(10, 0), tomorrow(11, 0)), 2*time.Minute).bytes(), full, "ACCEPTED"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.handle(v0.bytes())
			for _, m := range tc.before {
				h.handle(m)
			}
			n := len(h.st.outbox())
			h.handle(tc.edit)
			m, r := h.onlyMail(n)
			if got := subjectOf(t, r); got != tc.subject {
				t.Errorf("subject = %q, want %q", got, tc.subject)
			}
			if got := partStat(t, r.Cal.Events[0]); got != tc.partStat {
				t.Errorf("PARTSTAT = %s, want %s", got, tc.partStat)
			}
			if tc.subject == quiet {
				want := "Your change to “Meeting a” has been received: Salle Opteos stays booked (Tuesday 1 December 2026, 10:00–11:00) and the access details of the first mail still hold."
				if !strings.Contains(r.Text, want) {
					t.Errorf("short mail lacks %q:\n%s", want, r.Text)
				}
				noSecrets(t, m.Raw, r) // the access details stay in the first mail
			}
		})
	}
}

// TestQuietUpdateDeclined: a declined meeting re-sent for the same slot
// gets a short mail; once the slot is free, the full accept.
func TestQuietUpdateDeclined(t *testing.T) {
	h := newHarness(t)
	h.handle(meeting("REQUEST", "a", alice, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
	bob0 := meeting("REQUEST", "b", bob, 0, tomorrow(10, 0), tomorrow(11, 0))
	h.handle(bob0.bytes())
	n := len(h.st.outbox())
	h.handle(stamped(meeting("REQUEST", "b", bob, 1, tomorrow(10, 0), tomorrow(11, 0)), time.Minute).bytes())
	_, r := h.onlyMail(n)
	if got, want := subjectOf(t, r), "Change received: Meeting b — Tuesday 1 December 2026, 10:00–11:00"; got != want {
		t.Errorf("subject = %q, want %q", got, want)
	}
	if !strings.Contains(r.Text, "is still not available at that time") || partStat(t, r.Cal.Events[0]) != "DECLINED" {
		t.Errorf("short decline:\n%s", r.Text)
	}
	h.handle(stamped(meeting("CANCEL", "a", alice, 1, tomorrow(10, 0), tomorrow(11, 0)), time.Minute).bytes())
	n = len(h.st.outbox())
	h.handle(stamped(meeting("REQUEST", "b", bob, 2, tomorrow(10, 0), tomorrow(11, 0)), 2*time.Minute).bytes())
	_, r = h.onlyMail(n)
	if got, want := subjectOf(t, r), "Room booked: Meeting b — Tuesday 1 December 2026, 10:00–11:00"; got != want {
		t.Errorf("now free: subject = %q, want %q", got, want)
	}
}

// TestQuietSeriesUpdate: a series re-sent with the same dates gets the
// short mail; moving one date brings the full one.
func TestQuietSeriesUpdate(t *testing.T) {
	h := newHarness(t)
	h.handle(weekly("w", alice, 0, firstThursday, 10).bytes())
	n := len(h.st.outbox())
	edit := weekly("w", alice, 1, firstThursday, 10, "LOCATION:"+joinURL)
	edit.Events[0].Stamp = t0.Add(time.Minute)
	h.handle(edit.bytes())
	_, r := h.onlyMail(n)
	if got, want := subjectOf(t, r), "Change received: Weekly w — every Thursday from 3 December 2026 to 4 February 2027, 10:00–11:00"; got != want {
		t.Errorf("subject = %q, want %q", got, want)
	}
	n = len(h.st.outbox())
	moved := weekly("w", alice, 2, firstThursday, 10)
	moved.Events[0].Stamp = t0.Add(2 * time.Minute)
	moved.Events = append(moved.Events, vevent{UID: "w", Seq: 2, Stamp: t0.Add(2 * time.Minute), Start: at(2026, 12, 10, 14, 0),
		End: at(2026, 12, 10, 15, 0), Paris: true, Organizer: alice, Attendees: []string{roomAddr}, Summary: "Weekly w",
		Lines: []string{"RECURRENCE-ID;TZID=Europe/Paris:20261210T100000"}})
	h.handle(moved.bytes())
	_, r = h.onlyMail(n)
	// One date now at 14:00: the dates no longer share their hours.
	if got, want := subjectOf(t, r), "Room booked: Weekly w — every Thursday from 3 December 2026 to 4 February 2027"; got != want {
		t.Errorf("a moved date: subject = %q, want the full mail %q", got, want)
	}
}

// TestLinkInInvitation: the accept says the invitation already holds the
// link when LOCATION or DESCRIPTION has it (even without its pwd= part).
func TestLinkInInvitation(t *testing.T) {
	has := "Your invitation already holds the room's link: your participants have it."
	add := "Add this link to your invitation for your participants:"
	tests := []struct {
		name string
		inv  invite
		want string
	}{
		{"no link", meeting("REQUEST", "a", alice, 0, tomorrow(10, 0), tomorrow(11, 0)), add},
		{"LOCATION", withLocation(meeting("REQUEST", "a", alice, 0, tomorrow(10, 0), tomorrow(11, 0)), joinURL), has},
		{"DESCRIPTION, another Zoom host, no pwd", func() invite {
			iv := meeting("REQUEST", "a", alice, 0, tomorrow(10, 0), tomorrow(11, 0))
			iv.Events[0].Lines = []string{`DESCRIPTION:Ordre du jour\n\nhttps://us02web.zoom.us/j/81234567890`}
			return iv
		}(), has},
		{"another meeting's link", withLocation(meeting("REQUEST", "a", alice, 0, tomorrow(10, 0), tomorrow(11, 0)), "https://zoom.us/j/99999999999"), add},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.handle(tc.inv.bytes())
			_, r := h.onlyMail(0)
			if !strings.Contains(r.Text, tc.want) || !strings.Contains(r.HTML, tc.want) {
				t.Errorf("accept lacks %q:\n%s", tc.want, r.Text)
			}
		})
	}
}

// TestReplyComment: the COMMENT of a decline, its X-RESPONSE-COMMENT (read
// by Google) and the REQUEST-STATUS text are in the organizer's language,
// not the English of the audit log.
func TestReplyComment(t *testing.T) {
	tests := []struct {
		lang, status, comment string
	}{
		{"fr", "4.1;Créneau déjà pris",
			"La salle est déjà prise à ce moment-là. Créneaux libres : mardi 1er décembre 2026, 08:50 – 09:50 ; mardi 1er décembre 2026, 11:15 – 12:15 ; mardi 1er décembre 2026, 12:15 – 13:15."},
		{"en", "4.1;Time already taken",
			"The room is already taken at that time. Free slots: Tuesday 1 December 2026, 08:50–09:50; Tuesday 1 December 2026, 11:15–12:15; Tuesday 1 December 2026, 12:15–13:15."},
	}
	for _, tc := range tests {
		t.Run(tc.lang, func(t *testing.T) {
			h := newHarness(t, func(o *gateway.Options) { o.Lang = tc.lang })
			h.handle(meeting("REQUEST", "a", alice, 0, tomorrow(10, 0), tomorrow(11, 0)).bytes())
			n := len(h.st.outbox())
			h.handle(meeting("REQUEST", "b", bob, 0, tomorrow(10, 30), tomorrow(11, 30)).bytes())
			_, r := h.onlyMail(n)
			ev := r.Cal.Events[0]
			if got := plain(ev.Prop("REQUEST-STATUS").Value); got != tc.status {
				t.Errorf("REQUEST-STATUS = %q, want %q", got, tc.status)
			}
			for _, name := range []string{"COMMENT", "X-RESPONSE-COMMENT"} {
				p := ev.Prop(name)
				if p == nil || plain(p.Text()) != tc.comment {
					t.Errorf("%s = %v, want %q", name, p, tc.comment)
				}
			}
			if b := h.booking("b", ""); !strings.Contains(b.Reason, "the account is already hosting a meeting then") {
				t.Errorf("the audit reason should stay English: %q", b.Reason)
			}
		})
	}
	h := newHarness(t, func(o *gateway.Options) { o.Lang = "fr" })
	n := len(h.st.outbox())
	h.handle(meeting("REQUEST", "long", alice, 0, tomorrow(9, 0), tomorrow(19, 0)).bytes())
	_, r := h.onlyMail(n)
	if p := r.Cal.Events[0].Prop("COMMENT"); p == nil || plain(p.Text()) != "Une réservation dure au plus 8 h, et cette réunion dure 10 h." {
		t.Errorf("too long: COMMENT = %v", p)
	}
}

// TestSeriesDeclinedWholeNamed: a series the room refuses whole (here,
// series are not allowed) is named in words, not by its first date.
func TestSeriesDeclinedWholeNamed(t *testing.T) {
	h := newHarness(t, func(o *gateway.Options) { o.Policy.AllowSeries = false })
	h.handle(weekly("w", alice, 0, firstThursday, 10).bytes())
	_, r := h.onlyMail(0)
	if got, want := subjectOf(t, r), "Room not available: Weekly w — every Thursday from 3 December 2026 to 4 February 2027, 10:00–11:00"; got != want {
		t.Errorf("subject = %q, want %q", got, want)
	}
}
