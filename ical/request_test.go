package ical

import (
	"strings"
	"testing"
	"time"
)

// TestBuildOrganized: the room's REQUEST parses back to what was asked,
// with CN quoted, texts escaped, control characters dropped and every
// line folded within 75 octets.
func TestBuildOrganized(t *testing.T) {
	s := time.Date(2026, 12, 1, 13, 0, 0, 0, time.UTC)
	data := BuildOrganized("REQUEST", Organized{UID: "abc.chat@coop.example", Sequence: 2, Start: s, End: s.Add(time.Hour),
		Summary: "Atelier; compta, \"bilan\"\r\nX-INJECTED:1", Location: "https://zoom.us/j/81234567890?pwd=x",
		Organizer: Party{Addr: "zoom@coop.example", Name: `Salle "Opteos": grande`},
		Attendees: []Party{{Addr: "alice@coop.example", PartStat: "NEEDS-ACTION", RSVP: true}}, Status: "CONFIRMED"},
		s.Add(-time.Hour), "-//roomgate//EN")
	for _, l := range strings.Split(strings.TrimSuffix(string(data), "\r\n"), "\r\n") {
		if len(l) > 75 {
			t.Errorf("line of %d octets: %q", len(l), l)
		}
		if strings.HasPrefix(l, "X-INJECTED") {
			t.Errorf("a line break in a text made a property: %q", l)
		}
	}
	cal, err := Parse(data, ParseOptions{})
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, data)
	}
	ev := cal.Events[0]
	org, _ := ev.Organizer.Mailbox()
	if cal.Method != "REQUEST" || ev.UID != "abc.chat@coop.example" || ev.Sequence != 2 || !ev.Start.Equal(s) ||
		!ev.End.Equal(s.Add(time.Hour)) || org != "zoom@coop.example" || ev.Organizer.CommonName() != "Salle 'Opteos': grande" {
		t.Errorf("parsed back: method %s uid %s seq %d %v–%v organizer %s %q", cal.Method, ev.UID, ev.Sequence, ev.Start, ev.End, org, ev.Organizer.CommonName())
	}
	if ev.Summary != "Atelier; compta, \"bilan\"\nX-INJECTED:1" {
		t.Errorf("SUMMARY %q", ev.Summary)
	}
	if a := ev.Attendees[0]; a.Address() != "alice@coop.example" || a.Param("PARTSTAT") != "NEEDS-ACTION" || a.Param("RSVP") != "TRUE" {
		t.Errorf("ATTENDEE %s", a)
	}
}
