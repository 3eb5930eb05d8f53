package ical

import (
	"time"
)

// RecurrenceIDFor returns a RECURRENCE-ID property naming the occurrence of
// e that starts at instant t, written in the value type and zone of e's
// DTSTART as RFC 5545 §3.8.4.4 requires: a DATE for all-day series, UTC
// with 'Z', the same TZID, or floating. Use it for ReplyItem.RecurrenceID.
func (e *Event) RecurrenceIDFor(t time.Time) *Property {
	p := &Property{Name: "RECURRENCE-ID"}
	z := e.startZone
	if z == nil {
		z = locZone{time.UTC}
	}
	w := z.wallClock(t)
	switch {
	case e.AllDay:
		p.Params = []Param{{Name: "VALUE", Values: []string{"DATE"}}}
		p.Value = w.Format("20060102")
	case e.startUTC:
		p.Value = t.UTC().Format("20060102T150405Z")
	default:
		if s := e.Prop("DTSTART"); s != nil {
			for _, q := range s.Params {
				if q.Name == "TZID" {
					p.Params = append(p.Params, q)
				}
			}
		}
		p.Value = w.Format("20060102T150405")
	}
	return p
}

// Occurrence is one instance of an event.
type Occurrence struct {
	// RecurrenceID is the occurrence's original start as an instant in UTC,
	// the key of an override (RFC 5545 §3.8.4.4); zero for a single event.
	RecurrenceID time.Time
	Start, End   time.Time // in UTC
}

// Limits of Occurrences.
const (
	defaultMaxOccurrences = 1000
	maxCandidates         = 100_000 // rule instances looked at, before or in the window
	maxTimeSet            = 1440    // BYHOUR x BYMINUTE x BYSECOND combinations per day
)

// Occurrences expands a series master between from and to: the
// occurrences that overlap [from, to) (a zero-length one counts if it
// starts in it), sorted by start, at most max (max <= 0 means 1000). The
// recurrence set is DTSTART, the RRULE's instances and every RDATE, less
// every EXDATE, compared as instants (RFC 5545 §3.8.5). Local times expand
// in the DTSTART zone, so 10:00 in Paris stays 10:00 across a DST change;
// all-day series expand by date. Each occurrence lasts as long as the
// event, in nominal days when DURATION or DATE values say so.
//
// More than max occurrences, or a rule too costly to expand, give an error
// wrapping ErrTooManyOccurrences. For an event that is not a series master
// it returns its one occurrence, whatever the window. It never panics.
func (e *Event) Occurrences(from, to time.Time, max int) (occ []Occurrence, err error) {
	defer recoverError("expand recurrence", &err)
	if !e.IsRecurring() {
		o := Occurrence{Start: e.Start, End: e.End}
		if e.RecurrenceID != nil {
			o.RecurrenceID = e.RecurrenceID.Time
		}
		return []Occurrence{o}, nil
	}
	if max <= 0 {
		max = defaultMaxOccurrences
	}
	x := &expander{e: e, z: e.startZone, from: from.UTC(), to: to.UTC(), max: max, seen: map[int64]bool{}}
	if x.z == nil {
		x.z = locZone{time.UTC}
	}
	for _, t := range e.ExDates {
		x.seen[t.Unix()] = true
	}
	return x.run()
}
