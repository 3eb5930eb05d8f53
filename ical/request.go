package ical

import (
	"strconv"
	"strings"
	"time"
)

// Party is a calendar user of an organized event: an address and a
// display name.
type Party struct {
	Addr, Name string
	// PartStat and RSVP are written for an attendee (RFC 5545 §3.2.12,
	// §3.2.17); PartStat "" leaves it out.
	PartStat string
	RSVP     bool
}

// Organized is one event as its organizer publishes it.
type Organized struct {
	UID      string
	Sequence int
	// RecurrenceID names one date of a series, as a UTC instant in the
	// form 20060102T150405Z; "" for the whole event.
	RecurrenceID string
	Start, End   time.Time // written in UTC
	Summary      string
	Location     string
	Desc         string
	Organizer    Party
	Attendees    []Party
	// Status is the event's STATUS (CONFIRMED, CANCELLED) or "".
	Status string
}

// BuildOrganized returns a complete VCALENDAR with the given METHOD
// (REQUEST, RFC 5546 §3.2.2, or CANCEL, §3.2.5) and one VEVENT: UID,
// DTSTAMP now, SEQUENCE, ORGANIZER, the ATTENDEEs, DTSTART and DTEND in
// UTC (no VTIMEZONE is then needed), SUMMARY, LOCATION, DESCRIPTION and
// STATUS when set. Texts are escaped and lose their control characters;
// lines end in CRLF and are folded at 75 octets (RFC 5545 §3.1).
func BuildOrganized(method string, e Organized, now time.Time, prodID string) []byte {
	utc := func(t time.Time) string { return t.UTC().Format("20060102T150405Z") }
	lines := []*Property{{Name: "BEGIN", Value: "VEVENT"},
		{Name: "UID", Value: noControl(e.UID)},
		{Name: "DTSTAMP", Value: utc(now)},
		{Name: "SEQUENCE", Value: strconv.Itoa(e.Sequence)},
		party("ORGANIZER", e.Organizer)}
	for _, a := range e.Attendees {
		lines = append(lines, party("ATTENDEE", a))
	}
	if e.RecurrenceID != "" {
		lines = append(lines, &Property{Name: "RECURRENCE-ID", Value: noControl(e.RecurrenceID)})
	}
	lines = append(lines, &Property{Name: "DTSTART", Value: utc(e.Start)}, &Property{Name: "DTEND", Value: utc(e.End)})
	for _, t := range []struct{ name, v string }{{"SUMMARY", e.Summary}, {"LOCATION", e.Location},
		{"DESCRIPTION", e.Desc}, {"STATUS", e.Status}} {
		if t.v != "" {
			lines = append(lines, &Property{Name: t.name, Value: escapeText(noControlKeepNewlines(t.v))})
		}
	}
	lines = append(lines, &Property{Name: "END", Value: "VEVENT"})
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\n")
	b.WriteString(FoldLine("PRODID:" + noControl(prodID)))
	b.WriteString("VERSION:2.0\r\n")
	b.WriteString(FoldLine("METHOD:" + noControl(strings.ToUpper(method))))
	for _, p := range lines {
		b.WriteString(FoldLine(p.String()))
	}
	b.WriteString("END:VCALENDAR\r\n")
	return []byte(b.String())
}

// cnQuoting makes a CN parameter value safe to quote.
var cnQuoting = strings.NewReplacer(`"`, "'", "\r", " ", "\n", " ")

// party is an ORGANIZER or ATTENDEE line: mailto: the address, with CN
// quoted (RFC 5545 §3.2.2) and, for an attendee, PARTSTAT and RSVP.
func party(name string, p Party) *Property {
	out := &Property{Name: name, Value: "mailto:" + noControl(p.Addr)}
	if cn := cnQuoting.Replace(noControl(p.Name)); cn != "" {
		out.Params = append(out.Params, Param{Name: "CN", Values: []string{cn}})
	}
	if p.PartStat != "" {
		out.Params = append(out.Params, Param{Name: "PARTSTAT", Values: []string{p.PartStat}})
	}
	if p.RSVP {
		out.Params = append(out.Params, Param{Name: "RSVP", Values: []string{"TRUE"}})
	}
	return out
}
