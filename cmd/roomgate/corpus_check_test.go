package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"strings"

	goical "github.com/emersion/go-ical"
	"github.com/emersion/go-message"

	"codeberg.org/opteos/roomgate/ical"
)

// This file checks a reply written by `roomgate process -outbox` against
// the rules of ../shared/notes/interop.md, reading it with this project's
// parser and with emersion/go-ical, written apart from it.

// sentMail is one mail of the outbox.
type sentMail struct {
	name     string
	raw      []byte
	header   message.Header
	to       string
	calendar []byte // the text/calendar part, decoded; nil when none
	method   string // its method= parameter
}

// problems collects what a check finds wrong.
type problems []string

func (p *problems) add(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }

// readSent parses one mail of the outbox.
func readSent(name string, raw []byte) (sentMail, error) {
	m := sentMail{name: name, raw: raw}
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil {
		return m, fmt.Errorf("%s: unreadable mail: %w", name, err)
	}
	m.header = e.Header
	if to, err := mail.ParseAddress(e.Header.Get("To")); err == nil {
		m.to = strings.ToLower(to.Address)
	}
	err = e.Walk(func(_ []int, p *message.Entity, err error) error {
		if err != nil {
			return err
		}
		mt, params, _ := p.Header.ContentType()
		if mt != "text/calendar" {
			return nil
		}
		if m.calendar, err = io.ReadAll(p.Body); err != nil {
			return err
		}
		m.method = params["method"]
		return nil
	})
	if err != nil {
		return m, fmt.Errorf("%s: %w", name, err)
	}
	return m, nil
}

// replyContext is what a reply is checked against: the invitation as
// roomgate received it.
type replyContext struct {
	req       *ical.Calendar
	messageID string // of the invitation, "" when it had none
	organizer string // the ORGANIZER's mailbox
}

// checkCorpusReply applies the rules of interop.md to one reply and returns
// the room's PARTSTAT per VEVENT, "RECURRENCE-ID PARTSTAT" for an
// occurrence, as both parsers read it.
func checkCorpusReply(p *problems, m sentMail, rc replyContext) []string {
	checkReplyHeader(p, m, rc)
	if !strings.EqualFold(m.method, "REPLY") {
		p.add("%s: text/calendar method=%q, want REPLY", m.name, m.method)
	}
	checkLines(p, m.name, m.calendar)
	cal, err := ical.Parse(m.calendar, ical.ParseOptions{})
	if err != nil {
		p.add("%s: the reply does not parse: %v", m.name, err)
		return nil
	}
	if cal.Method != "REPLY" || len(cal.Events) == 0 {
		p.add("%s: METHOD %q with %d VEVENTs, want a REPLY", m.name, cal.Method, len(cal.Events))
		return nil
	}
	if findProp(cal.Props, "VERSION") == nil || findProp(cal.Props, "PRODID") == nil {
		p.add("%s: VERSION or PRODID missing", m.name)
	}
	var got []string
	for _, ev := range cal.Events {
		got = append(got, checkReplyEvent(p, m.name, ev, rc))
	}
	if second := secondParser(p, m.name, m.calendar); strings.Join(second, "|") != strings.Join(got, "|") {
		p.add("%s: go-ical reads %q, roomgate's parser %q", m.name, second, got)
	}
	return got
}

func findProp(ps []*ical.Property, name string) *ical.Property {
	for _, p := range ps {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// checkReplyHeader: From the room, To the ORGANIZER, threaded, marked
// automatic, no header line over 998 octets (RFC 5322 §2.1.1).
func checkReplyHeader(p *problems, m sentMail, rc replyContext) {
	from, err := mail.ParseAddress(m.header.Get("From"))
	if err != nil || !strings.EqualFold(from.Address, corpusRoom) {
		p.add("%s: From %q, want the room %s", m.name, m.header.Get("From"), corpusRoom)
	}
	if m.to != rc.organizer {
		p.add("%s: To %q, want the ORGANIZER %s", m.name, m.header.Get("To"), rc.organizer)
	}
	if rc.messageID != "" && m.header.Get("In-Reply-To") != rc.messageID {
		p.add("%s: In-Reply-To %q, want %q", m.name, m.header.Get("In-Reply-To"), rc.messageID)
	}
	if got := m.header.Get("Auto-Submitted"); got != "auto-replied" {
		p.add("%s: Auto-Submitted %q, want auto-replied", m.name, got)
	}
	if mt, _, _ := mime.ParseMediaType(m.header.Get("Content-Type")); mt != "multipart/alternative" {
		p.add("%s: Content-Type %q, want multipart/alternative", m.name, mt)
	}
	head := m.raw[:headerEnd(m.raw)]
	for _, l := range strings.Split(string(head), "\r\n") {
		if len(l) > 998 {
			p.add("%s: header line of %d octets", m.name, len(l))
		}
	}
}

// checkLines: CRLF line ends, folded at 75 octets, no alarm.
func checkLines(p *problems, name string, data []byte) {
	if !bytes.HasSuffix(data, []byte("\r\n")) || bytes.Count(data, []byte("\n")) != bytes.Count(data, []byte("\r\n")) {
		p.add("%s: the calendar's lines do not all end in CRLF", name)
	}
	for _, l := range strings.Split(string(data), "\r\n") {
		if len(l) > 75 {
			p.add("%s: calendar line of %d octets: %q", name, len(l), l)
		}
	}
	if bytes.Contains(data, []byte("BEGIN:VALARM")) {
		p.add("%s: the reply holds a VALARM", name)
	}
}

// checkReplyEvent checks one answered component against the request's.
func checkReplyEvent(p *problems, name string, ev *ical.Event, rc replyContext) string {
	master, asked := requestComponent(rc.req, ev)
	if master == nil {
		p.add("%s: reply UID %q is no UID of the request (byte for byte)", name, ev.UID)
		return "?"
	}
	if len(ev.Attendees) != 1 {
		p.add("%s: %d ATTENDEEs, want exactly one, the room", name, len(ev.Attendees))
		return "?"
	}
	att := ev.Attendees[0]
	checkAttendeeCopy(p, name, att, asked)
	seq := ev.Prop("SEQUENCE")
	if seq == nil || strings.TrimSpace(seq.Value) != fmt.Sprint(asked.Sequence) {
		p.add("%s: SEQUENCE %v, want %d written", name, seq, asked.Sequence)
	}
	if o, r := ev.Organizer, asked.Organizer; o == nil || o.Value != r.Value || o.CommonName() != r.CommonName() || o.Param("SENT-BY") != r.Param("SENT-BY") {
		p.add("%s: ORGANIZER %v, want the request's %v", name, o, r)
	}
	if st := ev.Prop("DTSTAMP"); st == nil || !strings.HasSuffix(st.Value, "Z") {
		p.add("%s: DTSTAMP %v, want one in UTC", name, st)
	}
	ps := att.Param("PARTSTAT")
	if ev.RecurrenceID == nil {
		return ps
	}
	checkRecurrenceForm(p, name, ev.RecurrenceID.Prop, master, asked)
	return ev.RecurrenceID.Prop.Value + " " + ps
}

// requestComponent finds the request's master (or first component) of the
// reply's UID, and the component answered: the override with the same
// RECURRENCE-ID instant, else the master.
func requestComponent(req *ical.Calendar, ev *ical.Event) (master, asked *ical.Event) {
	for _, e := range req.Events {
		if e.UID != ev.UID {
			continue
		}
		if master == nil || e.RecurrenceID == nil {
			if master == nil || master.RecurrenceID != nil {
				master = e
			}
		}
		if ev.RecurrenceID != nil && e.RecurrenceID != nil && e.RecurrenceID.Time.Equal(ev.RecurrenceID.Time) {
			asked = e
		}
	}
	if asked == nil {
		asked = master
	}
	return master, asked
}

// checkAttendeeCopy: the room's own line, with PARTSTAT set and RSVP and
// the CalDAV server's SCHEDULE-* parameters dropped (RFC 6638 §7).
func checkAttendeeCopy(p *problems, name string, got *ical.Property, asked *ical.Event) {
	a, err := got.Mailbox()
	if err != nil || a != corpusRoom {
		p.add("%s: ATTENDEE %q, want the room", name, got.Value)
		return
	}
	var want *ical.Property
	for _, p := range asked.Attendees {
		if m, err := p.Mailbox(); err == nil && m == corpusRoom {
			want = p
		}
	}
	if want == nil || got.Value != want.Value {
		p.add("%s: ATTENDEE value %q, want the request's %v", name, got.Value, want)
		return
	}
	keep := func(p *ical.Property) string {
		var out []string
		for _, q := range p.Params {
			switch q.Name {
			case "PARTSTAT", "RSVP", "SCHEDULE-AGENT", "SCHEDULE-STATUS", "SCHEDULE-FORCE-SEND":
				continue
			}
			out = append(out, q.Name+"="+strings.Join(q.Values, ","))
		}
		return strings.Join(out, ";")
	}
	if got.Param("RSVP") != "" || got.Param("SCHEDULE-STATUS") != "" || got.Param("SCHEDULE-AGENT") != "" {
		p.add("%s: ATTENDEE keeps RSVP or SCHEDULE-*: %s", name, got)
	}
	if keep(got) != keep(want) {
		p.add("%s: ATTENDEE parameters %q, want the request's %q", name, keep(got), keep(want))
	}
}

// checkRecurrenceForm: a RECURRENCE-ID in the request's form: the
// override's own value and TZID, or for a date of the master, the form of
// its DTSTART (UTC, TZID or DATE).
func checkRecurrenceForm(p *problems, name string, rid *ical.Property, master, asked *ical.Event) {
	if asked.RecurrenceID != nil {
		if want := asked.RecurrenceID.Prop; rid.Value != want.Value || rid.Param("TZID") != want.Param("TZID") || rid.Param("VALUE") != want.Param("VALUE") {
			p.add("%s: RECURRENCE-ID %s, want the request's %s", name, rid, want)
		}
		return
	}
	ds := master.Prop("DTSTART")
	if ds == nil {
		return
	}
	if rid.Param("TZID") != ds.Param("TZID") || strings.HasSuffix(rid.Value, "Z") != strings.HasSuffix(ds.Value, "Z") ||
		!strings.EqualFold(rid.Param("VALUE"), ds.Param("VALUE")) {
		p.add("%s: RECURRENCE-ID %s is not in the form of DTSTART %s", name, rid, ds)
	}
}

// secondParser reads the reply with go-ical: the room's PARTSTAT per
// VEVENT, and a VTIMEZONE for every TZID used (RFC 5545 §3.2.19). A panic
// of go-ical is reported, not fatal.
func secondParser(p *problems, name string, data []byte) (got []string) {
	defer func() {
		if r := recover(); r != nil {
			p.add("%s: go-ical panicked: %v", name, r)
		}
	}()
	cal, err := goical.NewDecoder(bufio.NewReader(bytes.NewReader(data))).Decode()
	if err != nil {
		p.add("%s: go-ical cannot read the reply: %v", name, err)
		return nil
	}
	zones := map[string]bool{}
	for _, c := range cal.Children {
		if c.Name == goical.CompTimezone {
			zones[c.Props.Get(goical.PropTimezoneID).Value] = true
		}
	}
	for _, c := range cal.Children {
		if c.Name != goical.CompEvent {
			continue
		}
		for pn, props := range c.Props {
			for _, prop := range props {
				if id := prop.Params.Get(goical.ParamTimezoneID); id != "" && !zones[id] {
					p.add("%s: %s uses TZID %q without its VTIMEZONE", name, pn, id)
				}
			}
		}
		ps := ""
		if as := c.Props.Values(goical.PropAttendee); len(as) == 1 {
			ps = as[0].Params.Get(goical.ParamParticipationStatus)
		}
		if rid := c.Props.Get(goical.PropRecurrenceID); rid != nil {
			ps = rid.Value + " " + ps
		}
		got = append(got, ps)
	}
	return got
}
