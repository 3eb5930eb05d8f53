package ical

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ParseOptions configures Parse.
type ParseOptions struct {
	// Location for floating times and all-day dates (the room's zone).
	// nil means UTC.
	Location *time.Location
}

// Calendar is one parsed VCALENDAR (RFC 5545 §3.4).
type Calendar struct {
	Method    string       // METHOD from the body, upper-cased; "" if absent
	ProdID    string       // PRODID, raw
	Events    []*Event     // VEVENTs in file order
	Timezones []*Component // VTIMEZONE components exactly as received, for copying into a REPLY
	Props     []*Property  // calendar properties in order

	// Unreadable holds the first lines that were skipped because they are
	// no content line (RFC 5545 §3.1), as received.
	Unreadable []string

	zones map[string]zone // the zone each TZID was resolved to
}

// Event is one VEVENT (RFC 5545 §3.6.1) with its times resolved.
type Event struct {
	UID          string        // byte for byte (after unfolding), never trimmed or case-changed
	Sequence     int           // 0 when absent or invalid
	DTStamp      time.Time     // zero if absent or invalid
	Start, End   time.Time     // resolved instants, in UTC
	AllDay       bool          // DTSTART;VALUE=DATE
	Summary      string        // unescaped TEXT
	Status       string        // upper-cased STATUS or ""
	Organizer    *Property     // nil if absent
	Attendees    []*Property   // every ATTENDEE in order
	RecurrenceID *RecurrenceID // nil for a single event or a series master
	RRule        string        // raw RRULE value, "" if none
	RDates       []time.Time   // all RDATE values in UTC (PERIOD values give their start)
	ExDates      []time.Time   // all EXDATE values in UTC
	Props        []*Property   // every property of the VEVENT in order (for copying)
	StartTZID    string        // TZID of DTSTART ("" for UTC, floating or date)
	// NoStart is set for a component without DTSTART where RFC 5546
	// allows it: a CANCEL (§3.2.5), a REFRESH (§3.2.6, which has none) or
	// a DECLINECOUNTER (§3.2.8); Start and End are then zero.
	NoStart bool

	startZone zone      // zone DTSTART is expressed in
	startWall time.Time // DTSTART's local fields
	startUTC  bool      // DTSTART had 'Z'
	duration  duration  // End - Start as written (nominal days + seconds)
}

// RecurrenceID identifies one occurrence of a series (RFC 5545 §3.8.4.4).
type RecurrenceID struct {
	Time          time.Time // the instant, in UTC
	ThisAndFuture bool      // RANGE=THISANDFUTURE
	Prop          *Property // the original property, to copy into a reply with the same value type and TZID
}

// Parse decodes the first VCALENDAR in data. It returns an error wrapping
// an *EventError for any VEVENT that cannot be used (missing UID or DTSTART,
// bad or unknown times, end before start). It never panics.
func Parse(data []byte, opt ParseOptions) (cal *Calendar, err error) {
	defer recoverError("parse", &err)
	root, skipped, err := parseComponent(data)
	if err != nil {
		return nil, err
	}
	if root.Name != "VCALENDAR" {
		return nil, fmt.Errorf("ical: top-level component is %s, not VCALENDAR", root.Name)
	}
	cal = &Calendar{Props: root.Props, Unreadable: skipped}
	if p := root.Prop("METHOD"); p != nil {
		cal.Method = strings.ToUpper(strings.TrimSpace(p.Value))
	}
	if p := root.Prop("PRODID"); p != nil {
		cal.ProdID = p.Value
	}
	for _, c := range root.Children {
		if c.Name == "VTIMEZONE" {
			cal.Timezones = append(cal.Timezones, c)
		}
	}
	loc := opt.Location
	if loc == nil {
		loc = time.UTC
	}
	res := newResolver(cal.Timezones, loc)
	for _, c := range root.Children {
		if c.Name != "VEVENT" {
			continue
		}
		ev, err := parseEvent(c, res, mayLackStart(cal.Method))
		if err != nil {
			uid := ""
			if p := c.Prop("UID"); p != nil {
				uid = p.Value
			}
			return nil, &EventError{Index: len(cal.Events), UID: uid, Err: err}
		}
		cal.Events = append(cal.Events, ev)
	}
	cal.zones = res.cache
	return cal, nil
}

// mayLackStart reports whether the components of an iTIP method may come
// without DTSTART (see Event.NoStart).
func mayLackStart(method string) bool {
	return method == "CANCEL" || method == "REFRESH" || method == "DECLINECOUNTER"
}

// parseEvent reads one VEVENT; with noStartOK it may lack DTSTART.
func parseEvent(c *Component, res *resolver, noStartOK bool) (*Event, error) {
	e := &Event{Props: c.Props, Attendees: c.PropsNamed("ATTENDEE"), Organizer: c.Prop("ORGANIZER")}
	p := c.Prop("UID")
	if p == nil || p.Value == "" {
		return nil, ErrMissingUID
	}
	if strings.ContainsFunc(p.Value, isControl) {
		return nil, errors.New("control character in UID") // could not be copied into a reply
	}
	if !utf8.ValidString(p.Value) || len(p.Value) > maxUID {
		return nil, fmt.Errorf("UID not UTF-8 or longer than %d octets", maxUID)
	}
	e.UID = p.Value
	if p := c.Prop("SEQUENCE"); p != nil {
		n, err := parseSequence(p.Value)
		if err != nil {
			return nil, err
		}
		e.Sequence = n
	}
	if p := c.Prop("DTSTAMP"); p != nil {
		if v, err := parseTimeValue(p.Value, false); err == nil && !v.date {
			e.DTStamp = v.wall // RFC 5545 §3.8.7.2: UTC
		}
	}
	e.Summary = c.Prop("SUMMARY").Text()
	if p := c.Prop("STATUS"); p != nil {
		e.Status = strings.ToUpper(strings.TrimSpace(p.Value))
	}
	if p := c.Prop("RRULE"); p != nil {
		e.RRule = p.Value
	}
	if noStartOK && c.Prop("DTSTART") == nil {
		e.NoStart = true
	} else if err := e.readTimes(c, res); err != nil {
		return nil, err
	}
	return e, e.readRecurrence(c, res)
}

// maxUID bounds a UID (Outlook's, the longest seen, are about 200 octets).
const maxUID = 1000

// parseSequence reads SEQUENCE (RFC 5545 §3.8.7.4): a non-negative integer
// that a 32-bit column holds (Zoom writes a Unix timestamp there, which
// fits until 2038). Anything else is an error: a version that cannot be
// stored cannot be compared either.
func parseSequence(v string) (int, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("SEQUENCE %q is not an integer from 0 to 2147483647", clipValue(v))
	}
	return int(n), nil
}

// Instants outside these years are refused: no meeting is planned there,
// and every database can store what is inside.
const minYear, maxYear = 1900, 9999

// checkInstant refuses an instant outside minYear–maxYear.
func checkInstant(what string, t time.Time) error {
	if y := t.UTC().Year(); y < minYear || y > maxYear {
		return fmt.Errorf("%s in year %d, outside %d–%d", what, y, minYear, maxYear)
	}
	return nil
}

// clipValue cuts a value quoted in an error.
func clipValue(v string) string {
	if len(v) > 40 {
		return strings.ToValidUTF8(v[:40], "") + "…"
	}
	return v
}

// readTimes sets Start, End and AllDay from DTSTART and DTEND or DURATION
// (RFC 5545 §3.6.1: without either, a date lasts one day and a date-time
// none).
func (e *Event) readTimes(c *Component, res *resolver) error {
	p := c.Prop("DTSTART")
	if p == nil {
		return ErrMissingDTStart
	}
	v, z, err := res.value(p, p.Value)
	if err != nil {
		return fmt.Errorf("bad DTSTART value %q: %w", p.Value, err)
	}
	e.AllDay, e.startWall, e.startZone, e.startUTC = v.date, v.wall, z, v.utc
	e.Start = z.instant(v.wall)
	if err := checkInstant("DTSTART", e.Start); err != nil {
		return err
	}
	if !v.date && !v.utc {
		e.StartTZID = p.Param("TZID")
	}
	end, err := e.readEnd(c, res)
	if err != nil {
		return err
	}
	if err := checkInstant("the end", end); err != nil {
		return err
	}
	if end.Before(e.Start) {
		return ErrEndBeforeStart
	}
	e.End = end
	if e.duration.days == 0 && e.duration.secs == 0 {
		e.duration.secs = int64(end.Sub(e.Start) / time.Second)
	}
	return nil
}

func (e *Event) readEnd(c *Component, res *resolver) (time.Time, error) {
	if p := c.Prop("DTEND"); p != nil {
		v, z, err := res.value(p, p.Value)
		if err != nil {
			return time.Time{}, fmt.Errorf("bad DTEND value %q: %w", p.Value, err)
		}
		if v.date && e.AllDay {
			e.duration.days = int(v.wall.Sub(e.startWall).Hours() / 24)
		}
		return z.instant(v.wall), nil
	}
	if p := c.Prop("DURATION"); p != nil {
		d, err := parseDuration(p.Value)
		if err != nil {
			return time.Time{}, err
		}
		e.duration = d
		return d.after(e.startWall, e.startZone), nil
	}
	if e.AllDay {
		e.duration.days = 1
		return e.startZone.instant(e.startWall.AddDate(0, 0, 1)), nil
	}
	return e.Start, nil
}

// readRecurrence reads RECURRENCE-ID, RDATE and EXDATE.
func (e *Event) readRecurrence(c *Component, res *resolver) error {
	if p := c.Prop("RECURRENCE-ID"); p != nil {
		t, err := res.instant(p, p.Value)
		if err == nil {
			err = checkInstant("RECURRENCE-ID", t)
		}
		if err != nil {
			return fmt.Errorf("bad RECURRENCE-ID value %q: %w", clipValue(p.Value), err)
		}
		e.RecurrenceID = &RecurrenceID{Time: t, Prop: p,
			ThisAndFuture: strings.EqualFold(p.Param("RANGE"), "THISANDFUTURE")}
	}
	var err error
	if e.RDates, err = res.list(c.PropsNamed("RDATE")); err != nil {
		return fmt.Errorf("bad RDATE value: %w", err)
	}
	if e.ExDates, err = res.list(c.PropsNamed("EXDATE")); err != nil {
		return fmt.Errorf("bad EXDATE value: %w", err)
	}
	return nil
}

// value parses one DATE or DATE-TIME value of p and finds its zone: UTC for
// 'Z', the TZID's zone, else the floating zone (RFC 5545 §3.3.5). DATE
// values ignore TZID.
func (r *resolver) value(p *Property, s string) (timeValue, zone, error) {
	v, err := parseTimeValue(s, isDateProp(p))
	if err != nil {
		return v, nil, err
	}
	switch tzid := p.Param("TZID"); {
	case v.utc:
		return v, locZone{time.UTC}, nil
	case v.date || tzid == "":
		return v, r.floating, nil
	default:
		z, err := r.zone(tzid)
		return v, z, err
	}
}

func (r *resolver) instant(p *Property, s string) (time.Time, error) {
	v, z, err := r.value(p, s)
	if err != nil {
		return time.Time{}, err
	}
	return z.instant(v.wall), nil
}

// list reads every value of RDATE or EXDATE lines: comma-separated lists,
// VALUE=DATE, and PERIOD values whose start is taken (RFC 5545 §3.8.5).
func (r *resolver) list(props []*Property) ([]time.Time, error) {
	var out []time.Time
	for _, p := range props {
		for _, s := range strings.Split(p.Value, ",") {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			if i := strings.IndexByte(s, '/'); i >= 0 {
				s = s[:i]
			}
			if len(out) >= maxListValues {
				return nil, errors.New("too many values")
			}
			t, err := r.instant(p, s)
			if err == nil {
				err = checkInstant("a date", t)
			}
			if err != nil {
				return nil, fmt.Errorf("%q: %w", clipValue(s), err)
			}
			out = append(out, t)
		}
	}
	return out, nil
}

// maxListValues bounds the RDATE and EXDATE values of one event.
const maxListValues = 10_000

// Attendee returns the first ATTENDEE of e for which match(address) is
// true, or nil. The address is the value read as one mailbox by
// Property.Mailbox; an ATTENDEE whose value is not one is skipped.
func (e *Event) Attendee(match func(addr string) bool) *Property {
	for _, a := range e.Attendees {
		if m, err := a.Mailbox(); err == nil && match(m) {
			return a
		}
	}
	return nil
}

// IsRecurring reports whether e is a series master: it has an RRULE or an
// RDATE and no RECURRENCE-ID.
func (e *Event) IsRecurring() bool {
	return e.RecurrenceID == nil && (e.RRule != "" || len(e.RDates) > 0)
}

// Prop returns the first property of e called name (upper case), or nil.
func (e *Event) Prop(name string) *Property {
	for _, p := range e.Props {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// StartLocation returns a location that shows Start as the organizer wrote
// it: the DTSTART zone, or for zones built from VTIMEZONE rules a fixed
// offset valid at Start.
func (e *Event) StartLocation() *time.Location {
	if e.startZone == nil {
		return time.UTC
	}
	return e.startZone.location(e.Start)
}
