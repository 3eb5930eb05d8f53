package ical

import (
	"strconv"
	"strings"
	"time"
)

// CounterItem is the component of an iTIP COUNTER (RFC 5546 §3.2.7): an
// attendee's proposal of another time for a meeting.
type CounterItem struct {
	// Event is the component of the request the proposal is about: a
	// single event, or one occurrence (its RECURRENCE-ID is kept).
	Event *Event
	// Attendee is the proposing attendee's own ATTENDEE line, copied with
	// PARTSTAT set to TENTATIVE (it would come then) and RSVP dropped.
	Attendee *Property
	// Start and End are the proposed time, written in UTC.
	Start, End time.Time
	// Comment says why, plain text.
	Comment string
}

// BuildCounter returns a VCALENDAR with METHOD:COUNTER proposing another
// time for one component: same UID and SEQUENCE, the ORGANIZER copied
// exactly, the proposing attendee as the only ATTENDEE, DTSTART and DTEND
// of the proposal in UTC (so no VTIMEZONE is needed), SUMMARY, COMMENT and
// the RECURRENCE-ID of an occurrence in its own form. Outlook shows it as a
// new time proposed and Thunderbird offers to reschedule.
func BuildCounter(it CounterItem, now time.Time, prodID string) []byte {
	e := it.Event
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\n")
	b.WriteString(FoldLine("PRODID:" + noControl(prodID)))
	b.WriteString("VERSION:2.0\r\nMETHOD:COUNTER\r\nBEGIN:VEVENT\r\n")
	w := func(p *Property) { b.WriteString(FoldLine(p.String())) }
	if p := e.Prop("UID"); p != nil {
		w(p)
	}
	utc := func(t time.Time) string { return t.UTC().Format("20060102T150405Z") }
	w(&Property{Name: "DTSTAMP", Value: utc(now)})
	w(&Property{Name: "SEQUENCE", Value: strconv.Itoa(e.Sequence)})
	if e.Organizer != nil {
		w(e.Organizer)
	}
	w(replyAttendee(it.Attendee, "TENTATIVE"))
	if e.RecurrenceID != nil {
		rid := e.RecurrenceID.Prop
		if ps := withoutRange(rid.Params); len(ps) != len(rid.Params) {
			rid = &Property{Name: rid.Name, Params: ps, Value: rid.Value}
		}
		w(rid)
	}
	w(&Property{Name: "DTSTART", Value: utc(it.Start)})
	w(&Property{Name: "DTEND", Value: utc(it.End)})
	if p := e.Prop("SUMMARY"); p != nil {
		w(p)
	}
	if it.Comment != "" {
		w(&Property{Name: "COMMENT", Value: escapeText(it.Comment)})
	}
	b.WriteString("END:VEVENT\r\nEND:VCALENDAR\r\n")
	return []byte(b.String())
}

// DisallowsCounter reports whether the request forbids counter-proposals
// (X-MICROSOFT-DISALLOW-COUNTER:TRUE, which Outlook writes and Thunderbird
// honours).
func (c *Calendar) DisallowsCounter() bool {
	for _, p := range c.Props {
		if p.Name == "X-MICROSOFT-DISALLOW-COUNTER" && strings.EqualFold(strings.TrimSpace(p.Value), "TRUE") {
			return true
		}
	}
	for _, e := range c.Events {
		if p := e.Prop("X-MICROSOFT-DISALLOW-COUNTER"); p != nil && strings.EqualFold(strings.TrimSpace(p.Value), "TRUE") {
			return true
		}
	}
	return false
}
