package ical

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ReplyItem is one component of an iTIP REPLY (RFC 5546 §3.2.3).
type ReplyItem struct {
	// Event is the component answered: a master, a single event, or an
	// occurrence (override) from the request.
	Event *Event
	// Attendee is the room's own ATTENDEE line from the request. It is
	// copied with only PARTSTAT changed and RSVP dropped.
	Attendee *Property
	// PartStat is "ACCEPTED", "DECLINED" or "TENTATIVE".
	PartStat string
	// RecurrenceID optionally answers one occurrence of a master that has
	// no override component in the request (e.g. one busy date of a
	// series). It is written as RECURRENCE-ID with its parameters and value
	// unchanged; build it with Event.RecurrenceIDFor so it has the master
	// DTSTART's value type and TZID (RFC 5545 §3.8.4.4).
	RecurrenceID *Property
	// Start optionally gives DTSTART for an occurrence named by
	// RecurrenceID that does not start at its RECURRENCE-ID (a date moved
	// by an override with RANGE=THISANDFUTURE). Build it like
	// RecurrenceID, with Event.RecurrenceIDFor; its name is replaced.
	Start *Property
	// Comment is an optional COMMENT, plain text (escaped when written),
	// also written as X-RESPONSE-COMMENT.
	Comment string
	// RequestStatus is an optional REQUEST-STATUS value, e.g. "2.0;Success"
	// or "4.0;Busy" (RFC 5545 §3.8.8.3).
	RequestStatus string
}

// BuildReply returns a complete VCALENDAR with METHOD:REPLY, VERSION:2.0,
// PRODID prodID, a VTIMEZONE for every TZID the reply uses (RFC 5545
// §3.2.19: the request's, found also when its case differs and then named
// as the reply uses it, or, when the request had none, one written for the
// zone the TZID was resolved to), and one VEVENT per item (RFC 5546 §3.2.3): UID byte for byte, DTSTAMP now
// in UTC, SEQUENCE (always, even 0), ORGANIZER copied exactly, exactly one
// ATTENDEE, RECURRENCE-ID only for an occurrence, DTSTART, DTEND or
// DURATION as in the request, SUMMARY, COMMENT and REQUEST-STATUS. No
// VALARM, no other attendees. Lines end in CRLF and are folded at 75 octets
// (RFC 5545 §3.1). Items without Event or Attendee are skipped.
func BuildReply(req *Calendar, items []ReplyItem, now time.Time, prodID string) []byte {
	var body, tz strings.Builder
	var used []string
	var from, to time.Time
	for _, it := range items {
		if it.Event == nil || it.Attendee == nil {
			continue
		}
		if from.IsZero() || it.Event.Start.Before(from) {
			from = it.Event.Start
		}
		to = maxTime(to, it.Event.End)
		for _, p := range replyEvent(it, now) {
			if id := p.Param("TZID"); id != "" && !slices.Contains(used, id) {
				used = append(used, id)
			}
			body.WriteString(FoldLine(p.String()))
		}
	}
	for _, id := range used {
		writeTimezone(&tz, req, id, from, to)
	}
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\n")
	b.WriteString(FoldLine("PRODID:" + noControl(prodID)))
	b.WriteString("VERSION:2.0\r\nMETHOD:REPLY\r\n")
	b.WriteString(tz.String())
	b.WriteString(body.String())
	b.WriteString("END:VCALENDAR\r\n")
	return []byte(b.String())
}

// writeTimezone writes the VTIMEZONE of tzid: the request's own, renamed
// to tzid when only its case differs, else one built from the zone tzid
// was resolved to. Nothing is written for a zone that is unknown.
func writeTimezone(b *strings.Builder, req *Calendar, tzid string, from, to time.Time) {
	if req == nil {
		return
	}
	var found *Component
	for _, c := range req.Timezones {
		p := c.Prop("TZID")
		switch {
		case p == nil:
		case p.Value == tzid:
			writeComponent(b, c, 0)
			return
		case found == nil && strings.EqualFold(strings.TrimSpace(p.Value), strings.TrimSpace(tzid)):
			found = c
		}
	}
	if found != nil {
		renamed := *found
		renamed.Props = make([]*Property, len(found.Props))
		for i, p := range found.Props {
			if p.Name == "TZID" {
				p = &Property{Name: "TZID", Value: escapeText(tzid)}
			}
			renamed.Props[i] = p
		}
		writeComponent(b, &renamed, 0)
		return
	}
	if z, ok := req.zones[tzid].(locZone); ok {
		b.WriteString(vtimezoneNamed(z.loc, tzid, from, to))
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// replyEvent lists the lines of one reply VEVENT.
func replyEvent(it ReplyItem, now time.Time) []*Property {
	e := it.Event
	out := []*Property{{Name: "BEGIN", Value: "VEVENT"}}
	if p := e.Prop("UID"); p != nil {
		out = append(out, p)
	}
	out = append(out,
		&Property{Name: "DTSTAMP", Value: now.UTC().Format("20060102T150405Z")},
		&Property{Name: "SEQUENCE", Value: strconv.Itoa(e.Sequence)})
	if e.Organizer != nil {
		out = append(out, e.Organizer)
	}
	out = append(out, replyAttendee(it.Attendee, it.PartStat))
	out = append(out, replyTimes(it)...)
	if p := e.Prop("SUMMARY"); p != nil {
		out = append(out, p)
	}
	if it.Comment != "" {
		// Google Calendar shows the attendee's note from
		// X-RESPONSE-COMMENT rather than COMMENT: write both.
		out = append(out, &Property{Name: "COMMENT", Value: escapeText(it.Comment)},
			&Property{Name: "X-RESPONSE-COMMENT", Value: escapeText(it.Comment)})
	}
	if it.RequestStatus != "" {
		out = append(out, &Property{Name: "REQUEST-STATUS", Value: noControl(it.RequestStatus)})
	}
	return append(out, &Property{Name: "END", Value: "VEVENT"})
}

// replyAttendee copies the room's ATTENDEE with PARTSTAT set and RSVP
// dropped (RFC 5546 §3.2.3), and without the parameters a CalDAV server
// adds for itself (SCHEDULE-AGENT, SCHEDULE-STATUS, SCHEDULE-FORCE-SEND:
// RFC 6638 §7), which mean nothing in an iMIP reply.
func replyAttendee(a *Property, partStat string) *Property {
	out := &Property{Name: a.Name, Value: a.Value}
	ps := Param{Name: "PARTSTAT", Values: []string{strings.ToUpper(noControl(partStat))}}
	set := false
	for _, q := range a.Params {
		switch q.Name {
		case "RSVP", "SCHEDULE-AGENT", "SCHEDULE-STATUS", "SCHEDULE-FORCE-SEND":
			continue
		case "PARTSTAT":
			if !set {
				out.Params = append(out.Params, ps)
				set = true
			}
			continue
		}
		out.Params = append(out.Params, q)
	}
	if !set {
		out.Params = append(out.Params, ps)
	}
	return out
}

// replyTimes returns RECURRENCE-ID, DTSTART and DTEND or DURATION. For an
// occurrence named by ReplyItem.RecurrenceID, DTSTART is the occurrence's
// start in the same form and the length is given as DURATION.
func replyTimes(it ReplyItem) []*Property {
	e := it.Event
	if it.RecurrenceID != nil {
		rid := *it.RecurrenceID
		if rid.Name != "RECURRENCE-ID" {
			rid.Name, rid.raw = "RECURRENCE-ID", ""
		}
		from := &rid
		if it.Start != nil {
			from = it.Start
		}
		start := &Property{Name: "DTSTART", Value: from.Value, Params: withoutRange(from.Params)}
		dur := &Property{Name: "DURATION", Value: formatDuration(e.duration)}
		return []*Property{&rid, start, dur}
	}
	var out []*Property
	if e.RecurrenceID != nil {
		// The reply answers this occurrence only: the dates after an
		// override with RANGE=THISANDFUTURE are answered one by one.
		rid := e.RecurrenceID.Prop
		if ps := withoutRange(rid.Params); len(ps) != len(rid.Params) {
			rid = &Property{Name: rid.Name, Params: ps, Value: rid.Value}
		}
		out = append(out, rid)
	}
	for _, name := range []string{"DTSTART", "DTEND", "DURATION"} {
		if p := e.Prop(name); p != nil {
			out = append(out, p)
		}
	}
	return out
}

func withoutRange(ps []Param) []Param {
	var out []Param
	for _, q := range ps {
		if q.Name != "RANGE" {
			out = append(out, q)
		}
	}
	return out
}

// formatDuration writes a DURATION value (RFC 5545 §3.3.6).
func formatDuration(d duration) string {
	var b strings.Builder
	if d.neg {
		b.WriteByte('-')
	}
	b.WriteByte('P')
	if d.days != 0 {
		b.WriteString(strconv.Itoa(d.days) + "D")
	}
	if d.secs != 0 || d.days == 0 {
		b.WriteByte('T')
		h, m, s := d.secs/3600, d.secs/60%60, d.secs%60
		if h != 0 {
			b.WriteString(strconv.FormatInt(h, 10) + "H")
		}
		if m != 0 {
			b.WriteString(strconv.FormatInt(m, 10) + "M")
		}
		if s != 0 || d.secs == 0 {
			b.WriteString(strconv.FormatInt(s, 10) + "S")
		}
	}
	return b.String()
}

// writeComponent copies a component line by line, nested at most
// maxDepth deep.
func writeComponent(b *strings.Builder, c *Component, depth int) {
	if depth >= maxDepth {
		return
	}
	b.WriteString(FoldLine("BEGIN:" + c.Name))
	for _, p := range c.Props {
		b.WriteString(FoldLine(p.String()))
	}
	for _, ch := range c.Children {
		writeComponent(b, ch, depth+1)
	}
	b.WriteString(FoldLine("END:" + c.Name))
}

// noControl drops control characters other than tab, which cannot appear in
// a content line (RFC 5545 §3.1). It works on bytes so that text that is
// not valid UTF-8 passes unchanged.
func noControl(s string) string {
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if !isControl(rune(s[i])) {
			b = append(b, s[i])
		}
	}
	return string(b)
}

func isControl(r rune) bool { return r != '\t' && (r < 0x20 || r == 0x7f) }

// FoldLine returns one content line folded per RFC 5545 §3.1 and ending in
// CRLF: no line is longer than 75 octets, continuation lines start with a
// space, and a UTF-8 character is never split. Control characters other
// than tab are removed.
func FoldLine(line string) string {
	line = noControl(line)
	var b strings.Builder
	limit := 75
	for len(line) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		if cut == 0 { // not UTF-8: cut anywhere rather than loop
			cut = limit
		}
		b.WriteString(line[:cut])
		b.WriteString("\r\n ")
		line = line[cut:]
		limit = 74
	}
	b.WriteString(line)
	b.WriteString("\r\n")
	return b.String()
}
