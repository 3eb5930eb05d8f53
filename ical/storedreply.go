package ical

import (
	"strconv"
	"strings"
	"time"
)

// StoredReply describes an iTIP REPLY (RFC 5546 §3.2.3) built from what a
// booking system kept of a request rather than from the request itself,
// e.g. to decline afterwards a meeting accepted earlier. Times are written
// in UTC, so the reply needs no VTIMEZONE.
type StoredReply struct {
	UID string // byte for byte as the organizer sent it
	// RecurrenceID is the original start of the occurrence answered; zero
	// for the whole event.
	RecurrenceID  time.Time
	Sequence      int
	Organizer     string // address, without mailto:
	OrganizerName string
	Attendee      string // the answering attendee's address
	AttendeeName  string
	PartStat      string // ACCEPTED, DECLINED or TENTATIVE
	Start, End    time.Time
	Summary       string // plain text
	Comment       string // plain text, may be ""
	// RequestStatus is an optional REQUEST-STATUS value, e.g. "2.0;Success".
	RequestStatus string
}

// BuildStoredReply returns a VCALENDAR with METHOD:REPLY and one VEVENT for
// r: UID, DTSTAMP now, SEQUENCE, ORGANIZER, exactly one ATTENDEE with its
// PARTSTAT, RECURRENCE-ID when answering one occurrence, DTSTART, DTEND,
// SUMMARY, COMMENT and REQUEST-STATUS. Lines end in CRLF and are folded.
func BuildStoredReply(r StoredReply, now time.Time, prodID string) []byte {
	var b strings.Builder
	line := func(p *Property) { b.WriteString(FoldLine(p.String())) }
	b.WriteString("BEGIN:VCALENDAR\r\n")
	b.WriteString(FoldLine("PRODID:" + noControl(prodID)))
	b.WriteString("VERSION:2.0\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\n")
	line(&Property{Name: "UID", Value: r.UID})
	line(&Property{Name: "DTSTAMP", Value: now.UTC().Format(utcLayout)})
	line(&Property{Name: "SEQUENCE", Value: strconv.Itoa(r.Sequence)})
	line(addressProp("ORGANIZER", r.Organizer, r.OrganizerName))
	att := addressProp("ATTENDEE", r.Attendee, r.AttendeeName)
	att.Params = append(att.Params, Param{Name: "PARTSTAT", Values: []string{strings.ToUpper(noControl(r.PartStat))}})
	line(att)
	if !r.RecurrenceID.IsZero() {
		line(&Property{Name: "RECURRENCE-ID", Value: r.RecurrenceID.UTC().Format(utcLayout)})
	}
	line(&Property{Name: "DTSTART", Value: r.Start.UTC().Format(utcLayout)})
	line(&Property{Name: "DTEND", Value: r.End.UTC().Format(utcLayout)})
	if r.Summary != "" {
		line(&Property{Name: "SUMMARY", Value: escapeText(r.Summary)})
	}
	if r.Comment != "" {
		line(&Property{Name: "COMMENT", Value: escapeText(r.Comment)})
	}
	if r.RequestStatus != "" {
		line(&Property{Name: "REQUEST-STATUS", Value: noControl(r.RequestStatus)})
	}
	b.WriteString("END:VEVENT\r\nEND:VCALENDAR\r\n")
	return []byte(b.String())
}

// addressProp builds an ORGANIZER or ATTENDEE line: mailto:addr with a CN
// parameter when name is not empty.
func addressProp(name, addr, cn string) *Property {
	p := &Property{Name: name, Value: "mailto:" + noControl(strings.TrimSpace(addr))}
	if cn = strings.TrimSpace(noControl(cn)); cn != "" {
		p.Params = append(p.Params, Param{Name: "CN", Values: []string{cn}})
	}
	return p
}

// AddressProperty returns an ORGANIZER or ATTENDEE content line (unfolded,
// without line end) for a calendar user address, with a CN parameter when
// cn is not "" (RFC 5545 §3.8.4.1, §3.8.4.3).
func AddressProperty(name, addr, cn string) string {
	return addressProp(strings.ToUpper(name), addr, cn).String()
}

// EscapeText escapes a plain text for a TEXT property value (RFC 5545
// §3.3.11): backslash, semicolon, comma and line breaks.
func EscapeText(s string) string { return escapeText(noControlKeepNewlines(s)) }

// noControlKeepNewlines drops control characters except line breaks and tab,
// which escapeText turns into \n.
func noControlKeepNewlines(s string) string {
	return strings.Map(func(r rune) rune {
		if r != '\n' && r != '\r' && isControl(r) {
			return -1
		}
		return r
	}, s)
}
