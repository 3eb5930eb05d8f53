package main

import (
	"fmt"
	"strings"
	"time"
)

// sampleInvite describes an invitation as a member's calendar would mail
// it to the room. It is used by the demo (and by tests).
type sampleInvite struct {
	Method        string // REQUEST or CANCEL
	UID           string
	Sequence      int
	Summary       string
	Organizer     string
	OrganizerName string
	Room          string
	Start, End    time.Time
	Stamp         time.Time
	// From is the mail's From address; the organizer's when "".
	From string
	// AuthServ, when set, is the receiving server that wrote the top
	// Authentication-Results field, as a real mailbox's mail carries it:
	// Auth there ("dmarc=pass" for the From domain when "").
	AuthServ, Auth string
	// ProdID is the calendar's PRODID; roomgate's demo one when "".
	ProdID string
}

// mail renders the invitation as an iMIP message in Thunderbird's layout:
// multipart/mixed holding an alternative (text, calendar) and invite.ics.
func (s sampleInvite) mail() []byte {
	cal := s.calendar()
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format+"\r\n", a...) }
	from := s.From
	if from == "" {
		from = s.Organizer
	}
	if s.AuthServ != "" {
		auth := s.Auth
		if auth == "" {
			auth = fmt.Sprintf("dkim=pass header.d=%s; dmarc=pass header.from=%s", domainOf(from), domainOf(from))
		}
		w("Authentication-Results: %s; %s", s.AuthServ, auth)
	}
	w("From: %s <%s>", s.OrganizerName, from)
	w("To: %s", s.Room)
	w("Subject: %s: %s", map[string]string{"REQUEST": "Invitation", "CANCEL": "Cancelled"}[s.Method], s.Summary)
	w("Date: %s", s.Stamp.Format(time.RFC1123Z))
	w("Message-ID: <%s-%d-%s@%s>", strings.ToLower(s.Method), s.Sequence, s.UID, domainOf(s.Organizer))
	w("MIME-Version: 1.0")
	w("Content-Type: multipart/mixed; boundary=\"outer\"")
	w("")
	w("--outer")
	w("Content-Type: multipart/alternative; boundary=\"alt\"")
	w("")
	w("--alt")
	w("Content-Type: text/plain; charset=UTF-8")
	w("Content-Transfer-Encoding: 8bit")
	w("")
	w("%s — %s", s.Summary, s.Start.Format("2006-01-02 15:04 MST"))
	w("--alt")
	w("Content-Type: text/calendar; charset=UTF-8; method=%s", s.Method)
	w("Content-Transfer-Encoding: 8bit")
	w("")
	b.WriteString(cal)
	w("--alt--")
	w("--outer")
	w("Content-Type: application/ics; name=\"invite.ics\"")
	w("Content-Disposition: attachment; filename=\"invite.ics\"")
	w("Content-Transfer-Encoding: 8bit")
	w("")
	b.WriteString(cal)
	w("--outer--")
	return []byte(b.String())
}

func (s sampleInvite) calendar() string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format+"\r\n", a...) }
	utc := func(t time.Time) string { return t.UTC().Format("20060102T150405Z") }
	w("BEGIN:VCALENDAR")
	prodID := s.ProdID
	if prodID == "" {
		prodID = "-//roomgate//demo invitation//EN"
	}
	w("PRODID:%s", prodID)
	w("VERSION:2.0")
	w("METHOD:%s", s.Method)
	w("BEGIN:VEVENT")
	w("UID:%s", s.UID)
	w("SEQUENCE:%d", s.Sequence)
	w("DTSTAMP:%s", utc(s.Stamp))
	w("DTSTART:%s", utc(s.Start))
	w("DTEND:%s", utc(s.End))
	w("SUMMARY:%s", s.Summary)
	w("ORGANIZER;CN=%s:mailto:%s", s.OrganizerName, s.Organizer)
	w("ATTENDEE;CN=%s;PARTSTAT=ACCEPTED;ROLE=CHAIR:mailto:%s", s.OrganizerName, s.Organizer)
	w("ATTENDEE;CUTYPE=ROOM;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;ROLE=NON-PARTICIPANT:mailto:%s", s.Room)
	if s.Method == "CANCEL" {
		w("STATUS:CANCELLED")
	}
	w("END:VEVENT")
	w("END:VCALENDAR")
	return b.String()
}

func domainOf(addr string) string {
	if at := strings.LastIndexByte(addr, '@'); at >= 0 {
		return addr[at+1:]
	}
	return "localhost"
}
