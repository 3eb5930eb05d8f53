package web

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/ical"
)

// feedPast is how far back the agenda feed reaches.
const feedPast = 7 * 24 * time.Hour

// prodID names roomgate in the feeds (RFC 5545 §3.7.3).
const prodID = "-//roomgate//agenda//EN"

// Times in the feeds (RFC 5545 §3.3.5).
const (
	utcLayout   = "20060102T150405Z"
	localLayout = "20060102T150405"
)

// agendaFeed serves the accepted bookings from a week ago to the end of
// the booking window as an iCalendar subscription (METHOD:PUBLISH, RFC 5546
// §3.2.1), with the configured zone's VTIMEZONE.
func (s *Server) agendaFeed(w http.ResponseWriter, r *http.Request, _ access) {
	now := s.opt.Now()
	from, to := now.Add(-feedPast), now.Add(s.opt.BookingWindow)
	bs, err := s.opt.Store.ListBookings(r.Context(), from, to)
	if err != nil {
		s.fail(w, "list bookings", err)
		return
	}
	writeCalendar(w, r, s.agendaICS(accepted(bs), from, to, now))
}

// agendaICS builds the agenda feed.
func (s *Server) agendaICS(bs []gateway.Booking, from, to, now time.Time) string {
	var b strings.Builder
	s.calendarHead(&b)
	b.WriteString(ical.FoldLine("X-WR-CALNAME:" + ical.EscapeText(s.calendarName())))
	b.WriteString(ical.FoldLine("X-WR-TIMEZONE:" + s.opt.Location.String()))
	b.WriteString("REFRESH-INTERVAL;VALUE=DURATION:PT15M\r\nX-PUBLISHED-TTL:PT15M\r\n")
	b.WriteString(ical.VTimezone(s.opt.Location, from, to))
	for _, bk := range bs {
		s.writeEvent(&b, bk, now)
	}
	b.WriteString("END:VCALENDAR\r\n")
	return b.String()
}

// calendarHead opens a published VCALENDAR.
func (s *Server) calendarHead(b *strings.Builder) {
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
	b.WriteString(ical.FoldLine("PRODID:" + prodID))
	b.WriteString("CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n")
}

// writeEvent writes one booking as a VEVENT. Its UID is derived from the
// booking's UID and RECURRENCE-ID, so it is the same in every response and
// never the organizer's own UID (which would merge with their event).
func (s *Server) writeEvent(b *strings.Builder, bk gateway.Booking, now time.Time) {
	line := func(l string) { b.WriteString(ical.FoldLine(l)) }
	stamp := bk.UpdatedAt
	if stamp.IsZero() {
		stamp = now
	}
	tzid := s.opt.Location.String()
	b.WriteString("BEGIN:VEVENT\r\n")
	line("UID:" + FeedUID(bk))
	line("DTSTAMP:" + stamp.UTC().Format(utcLayout))
	line("DTSTART;TZID=" + tzid + ":" + bk.Start.In(s.opt.Location).Format(localLayout))
	line("DTEND;TZID=" + tzid + ":" + bk.End.In(s.opt.Location).Format(localLayout))
	line("SEQUENCE:" + strconv.Itoa(bk.Sequence))
	summary := s.word("booked")
	if s.opt.Show == ShowTitles {
		if bk.Summary != "" {
			summary = bk.Summary
		}
		line(ical.AddressProperty("ORGANIZER", bk.Organizer, bk.OrganizerName))
	}
	line("SUMMARY:" + ical.EscapeText(summary))
	line("LOCATION:" + ical.EscapeText(s.roomName(bk.Room)))
	b.WriteString("STATUS:CONFIRMED\r\nTRANSP:OPAQUE\r\nCLASS:PUBLIC\r\nEND:VEVENT\r\n")
}

// FeedUID is the UID of a booking in the agenda feed: a hash of its UID
// and RECURRENCE-ID, stable and distinct from the organizer's event.
func FeedUID(b gateway.Booking) string {
	sum := sha256.Sum256([]byte(b.UID + "\x00" + b.RecurrenceID))
	return "roomgate-" + hex.EncodeToString(sum[:16]) + "@roomgate.invalid"
}

// freeBusyFeed serves when the account is full over the booking window, as
// one VFREEBUSY (RFC 5545 §3.6.4) published (RFC 5546 §3.3.1).
func (s *Server) freeBusyFeed(w http.ResponseWriter, r *http.Request, _ access) {
	s.serveFreeBusy(w, r, s.firstRoom())
}

// roomFreeBusy serves /freebusy/<room address>.vfb, the form of URL
// Outlook's "Internet Free/Busy" reads for each attendee
// (…/%NAME%@%SERVER%.vfb): the same VFREEBUSY, organized by that room.
// An address that names no room (a colleague's, when Outlook asks for
// every attendee) is 404.
func (s *Server) roomFreeBusy(w http.ResponseWriter, r *http.Request, _ access) {
	addr, ok := strings.CutSuffix(r.PathValue("file"), ".vfb")
	room := s.roomByAddress(addr)
	if !ok || room == "" {
		http.NotFound(w, r)
		return
	}
	s.serveFreeBusy(w, r, room)
}

// roomByAddress returns the configured address of the room addr names
// (case and +tag aside), or "".
func (s *Server) roomByAddress(addr string) string {
	want := plainAddress(addr)
	for a := range s.opt.Rooms {
		if plainAddress(a) == want {
			return a
		}
	}
	return ""
}

// plainAddress lower-cases an address and drops a +tag of its local part.
func plainAddress(addr string) string {
	addr = strings.ToLower(strings.TrimSpace(addr))
	local, domain, ok := strings.Cut(addr, "@")
	if !ok {
		return addr
	}
	local, _, _ = strings.Cut(local, "+")
	return local + "@" + domain
}

func (s *Server) serveFreeBusy(w http.ResponseWriter, r *http.Request, room string) {
	now := s.opt.Now().UTC().Truncate(time.Minute)
	to := now.Add(s.opt.BookingWindow)
	bs, err := s.opt.Store.ListBookings(r.Context(), now.Add(-s.opt.Buffer), to.Add(s.opt.Buffer))
	if err != nil {
		s.fail(w, "list bookings", err)
		return
	}
	writeCalendar(w, r, s.freeBusyICS(occupying(bs, now), now, to, room))
}

// freeBusyICS builds the VFREEBUSY of a room: a BUSY period wherever the
// account hosts as many meetings as it can, the margin kept around each
// booking included (a meeting there would be declined), clipped to
// [from, to).
func (s *Server) freeBusyICS(bs []gateway.Booking, from, to time.Time, room string) string {
	spans := buffered(bs, s.opt.Buffer)
	var b strings.Builder
	s.calendarHead(&b)
	b.WriteString("BEGIN:VFREEBUSY\r\n")
	sum := sha256.Sum256([]byte("freebusy\x00" + room))
	b.WriteString("UID:roomgate-freebusy-" + hex.EncodeToString(sum[:8]) + "@roomgate.invalid\r\n")
	b.WriteString("DTSTAMP:" + from.Format(utcLayout) + "\r\n")
	b.WriteString("DTSTART:" + from.Format(utcLayout) + "\r\n")
	b.WriteString("DTEND:" + to.UTC().Format(utcLayout) + "\r\n")
	if room != "" {
		b.WriteString(ical.FoldLine(ical.AddressProperty("ORGANIZER", room, s.roomName(room))))
	}
	for _, f := range fullSpans(spans, s.opt.Concurrent) {
		start, end := maxTime(f.start, from), minTime(f.end, to)
		if end.After(start) {
			b.WriteString("FREEBUSY;FBTYPE=BUSY:" + start.UTC().Format(utcLayout) + "/" + end.UTC().Format(utcLayout) + "\r\n")
		}
	}
	b.WriteString("END:VFREEBUSY\r\nEND:VCALENDAR\r\n")
	return b.String()
}

// firstRoom returns the address of the first room by address, or "".
func (s *Server) firstRoom() string {
	addrs := make([]string, 0, len(s.opt.Rooms))
	for a := range s.opt.Rooms {
		addrs = append(addrs, a)
	}
	sort.Strings(addrs)
	if len(addrs) == 0 {
		return ""
	}
	return addrs[0]
}

// calendarName names the agenda feed in calendar apps.
func (s *Server) calendarName() string {
	if room := s.firstRoom(); room != "" && len(s.opt.Rooms) == 1 {
		return s.roomName(room)
	}
	return "roomgate"
}

// writeCalendar sends an iCalendar body.
func writeCalendar(w http.ResponseWriter, r *http.Request, body string) {
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Cache-Control", "private, max-age=300")
	if r.Method != http.MethodHead {
		w.Write([]byte(body))
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
