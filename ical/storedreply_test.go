package ical

import (
	"strings"
	"testing"
	"time"
)

func TestBuildStoredReply(t *testing.T) {
	now := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	r := StoredReply{
		UID: "040000008200E00074C5B7101A82E0080000000060F0A3E7C8D2DA01000000000000000010000000E4C1B2A3", RecurrenceID: time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC),
		Sequence: 2, Organizer: "alice@coop.example", OrganizerName: "Alice, Martin", Attendee: "zoom@coop.example",
		AttendeeName: "Salle Opteos", PartStat: "declined", Start: time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC),
		End: time.Date(2026, 12, 8, 10, 0, 0, 0, time.UTC), Summary: "Point; budget, 2027", Comment: "Cancelled by the operator:\nroom needed",
		RequestStatus: "2.0;Success",
	}
	raw := BuildStoredReply(r, now, "-//roomgate//test//EN")
	for i, l := range strings.Split(strings.TrimSuffix(string(raw), "\r\n"), "\r\n") {
		if len(l) > 75 || strings.ContainsAny(l, "\r\n") {
			t.Errorf("line %d badly folded: %q", i, l)
		}
	}
	cal, err := Parse(raw, ParseOptions{})
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, raw)
	}
	if cal.Method != "REPLY" || len(cal.Events) != 1 {
		t.Fatalf("method %q, %d events", cal.Method, len(cal.Events))
	}
	ev := cal.Events[0]
	checks := []struct{ name, got, want string }{
		{"UID", ev.UID, r.UID},
		{"organizer", ev.Organizer.Address(), "alice@coop.example"},
		{"organizer CN", ev.Organizer.CommonName(), "Alice, Martin"},
		{"attendee", ev.Attendees[0].Address(), "zoom@coop.example"},
		{"partstat", ev.Attendees[0].Param("PARTSTAT"), "DECLINED"},
		{"summary", ev.Summary, "Point; budget, 2027"},
		{"comment", ev.Prop("COMMENT").Text(), "Cancelled by the operator:\nroom needed"},
		{"request status", ev.Prop("REQUEST-STATUS").Value, "2.0;Success"},
		{"dtstamp", ev.DTStamp.Format(time.RFC3339), "2026-11-30T08:00:00Z"},
		{"start", ev.Start.Format(time.RFC3339), "2026-12-08T09:00:00Z"},
		{"end", ev.End.Format(time.RFC3339), "2026-12-08T10:00:00Z"},
		{"recurrence-id", ev.RecurrenceID.Time.Format(time.RFC3339), "2026-12-08T09:00:00Z"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if len(ev.Attendees) != 1 || ev.Sequence != 2 {
		t.Errorf("%d attendees, sequence %d; want 1, 2", len(ev.Attendees), ev.Sequence)
	}
	r.RecurrenceID = time.Time{}
	if raw := BuildStoredReply(r, now, "x"); strings.Contains(string(raw), "RECURRENCE-ID") {
		t.Errorf("whole-event reply has a RECURRENCE-ID:\n%s", raw)
	}
}

func TestEscapeText(t *testing.T) {
	if got, want := EscapeText("a;b,c\\d\ne\x00"), `a\;b\,c\\d\ne`; got != want {
		t.Errorf("EscapeText = %q, want %q", got, want)
	}
	if got, want := AddressProperty("organizer", "bob@coop.example", "Bob: the boss"), `ORGANIZER;CN="Bob: the boss":mailto:bob@coop.example`; got != want {
		t.Errorf("AddressProperty = %q, want %q", got, want)
	}
}
