package ical

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// transition is one change of UTC offset of a Go location.
type transition struct {
	at       time.Time // the instant of the change
	from, to int       // offsets in seconds east of UTC, before and after
	name     string    // abbreviation after the change
	dst      bool      // daylight saving time after the change
}

// wall is the onset as a local time in the offset in force before it, as
// DTSTART and RDATE of a VTIMEZONE observance give it (RFC 5545 §3.6.5).
func (t transition) wall() time.Time {
	return t.at.In(time.FixedZone("", t.from))
}

// VTimezone returns a VTIMEZONE component (RFC 5545 §3.6.5) describing loc
// at least between from and to, as folded content lines ending in CRLF. Its
// TZID is loc.String(). Regular yearly changes are written as one RRULE per
// observance (what every client understands); irregular ones as RDATEs. A
// zone without changes gets a single STANDARD observance.
func VTimezone(loc *time.Location, from, to time.Time) string {
	return vtimezoneNamed(loc, loc.String(), from, to)
}

// vtimezoneNamed is VTimezone with the TZID given: a reply names the zone
// as the request did ("W. Europe Standard Time", say).
func vtimezoneNamed(loc *time.Location, tzid string, from, to time.Time) string {
	lo, hi := from.AddDate(-1, 0, 0), to.AddDate(1, 0, 0)
	ts := transitions(loc, lo, hi)
	var first transition // the zone at lo, for a zone without changes
	if len(ts) == 0 {
		first.name, first.from = lo.In(loc).Zone()
	}
	key := vtimezoneKey(tzid, ts, first, hi)
	if s, ok := vtimezones.get(key); ok {
		return s
	}
	s := writeVTimezone(tzid, ts, first, hi)
	vtimezones.put(key, s)
	return s
}

// writeVTimezone writes the VTIMEZONE of vtimezoneNamed: the observances of
// ts, or the one of first when ts is empty.
func writeVTimezone(tzid string, ts []transition, first transition, hi time.Time) string {
	var b strings.Builder
	b.WriteString("BEGIN:VTIMEZONE\r\n")
	b.WriteString(FoldLine("TZID:" + escapeText(tzid)))
	if len(ts) == 0 {
		writeObservance(&b, []transition{{at: time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), from: first.from, to: first.from, name: first.name}}, false, hi)
	}
	for _, group := range groupTransitions(ts) {
		writeObservance(&b, group, true, hi)
	}
	b.WriteString("END:VTIMEZONE\r\n")
	return b.String()
}

// vtimezoneKey is everything writeVTimezone's text depends on: the TZID,
// each transition and whether it lies more than a year before hi (an
// observance that ends with it gets an UNTIL, see writeObservance), and
// the zone of first when there is none. Replies to meetings between the
// same changes of offset share it.
func vtimezoneKey(tzid string, ts []transition, first transition, hi time.Time) string {
	b := make([]byte, 0, len(tzid)+1+len(ts)*40)
	b = append(b, tzid...)
	b = append(b, 0)
	if len(ts) == 0 {
		b = strconv.AppendInt(b, int64(first.from), 10)
		return string(append(append(b, ' '), first.name...))
	}
	until := hi.AddDate(-1, 0, 0)
	for _, t := range ts {
		b = strconv.AppendInt(b, t.at.UnixNano(), 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(t.from), 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(t.to), 10)
		b = append(b, ' ')
		b = strconv.AppendBool(b, t.dst)
		b = append(b, ' ')
		b = strconv.AppendBool(b, t.at.Before(until))
		b = append(b, ' ')
		b = append(b, t.name...)
		b = append(b, 0)
	}
	return string(b)
}

// vtimezones keeps the VTIMEZONEs written, by vtimezoneKey: a reply names
// its zone in every mail, and meetings months apart share their changes of
// offset. At most vtimezonesMax are kept; beyond, the cache starts again.
var vtimezones = &textCache{m: map[string]string{}}

const vtimezonesMax = 512

// textCache is a map of texts safe for concurrent use, emptied when full.
type textCache struct {
	mu sync.Mutex
	m  map[string]string
}

func (c *textCache) get(key string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.m[key]
	return s, ok
}

func (c *textCache) put(key, s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= vtimezonesMax {
		clear(c.m)
	}
	c.m[key] = s
}

// transitions lists the offset changes of loc in [lo, hi), read from the
// location's own table (time.Time.ZoneBounds): a change of abbreviation or
// of daylight saving alone, with the same offset, is not one.
func transitions(loc *time.Location, lo, hi time.Time) []transition {
	var out []transition
	_, prev := lo.In(loc).Zone()
	for t := lo; t.Before(hi); {
		_, end := t.In(loc).ZoneBounds()
		if end.IsZero() || !end.Before(hi) || !end.After(t) {
			break
		}
		if name, off := end.In(loc).Zone(); off != prev {
			out = append(out, transition{at: end, from: prev, to: off, name: name, dst: end.In(loc).IsDST()})
			prev = off
		}
		t = end
	}
	return out
}

// groupTransitions splits transitions into observances: those with the same
// offsets, name and kind, in order of first appearance.
func groupTransitions(ts []transition) [][]transition {
	type key struct {
		from, to int
		name     string
		dst      bool
	}
	var order []key
	groups := map[key][]transition{}
	for _, t := range ts {
		k := key{t.from, t.to, t.name, t.dst}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], t)
	}
	out := make([][]transition, len(order))
	for i, k := range order {
		out[i] = groups[k]
	}
	return out
}

// writeObservance writes one STANDARD or DAYLIGHT block for transitions
// that share their offsets. hi is the end of the range examined: a rule
// whose last onset lies more than a year before it has stopped, and gets
// an UNTIL.
func writeObservance(b *strings.Builder, g []transition, changes bool, hi time.Time) {
	kind := "STANDARD"
	if g[0].dst {
		kind = "DAYLIGHT"
	}
	b.WriteString("BEGIN:" + kind + "\r\n")
	b.WriteString("DTSTART:" + g[0].wall().Format(localLayout) + "\r\n")
	if rule, ok := onsetRule(g); ok && changes {
		last := g[len(g)-1].at
		if last.Before(hi.AddDate(-1, 0, 0)) {
			rule += ";UNTIL=" + last.UTC().Format(utcLayout)
		}
		b.WriteString("RRULE:" + rule + "\r\n")
	} else {
		for _, t := range g[1:] {
			b.WriteString("RDATE:" + t.wall().Format(localLayout) + "\r\n")
		}
	}
	b.WriteString("TZOFFSETFROM:" + formatOffset(g[0].from) + "\r\n")
	b.WriteString("TZOFFSETTO:" + formatOffset(g[0].to) + "\r\n")
	if g[0].name != "" && !strings.ContainsAny(g[0].name, "+-") {
		b.WriteString(FoldLine("TZNAME:" + escapeText(g[0].name)))
	}
	b.WriteString("END:" + kind + "\r\n")
}

// Value layouts of DATE-TIME (RFC 5545 §3.3.5).
const (
	localLayout = "20060102T150405"
	utcLayout   = "20060102T150405Z"
)

var weekdayCodes = [7]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}

// onsetRule returns the RRULE value that yields exactly the onsets of g,
// once a year on the same weekday of the same month at the same local time
// (e.g. "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"), if there is one.
func onsetRule(g []transition) (string, bool) {
	if len(g) < 2 {
		return "", false
	}
	first := g[0].wall()
	allLast, nth := true, (first.Day()-1)/7+1
	for i, t := range g {
		w := t.wall()
		if w.Year() != first.Year()+i || w.Month() != first.Month() || w.Weekday() != first.Weekday() ||
			w.Format("150405") != first.Format("150405") {
			return "", false
		}
		if w.AddDate(0, 0, 7).Month() == w.Month() {
			allLast = false
		}
		if (w.Day()-1)/7+1 != nth {
			nth = 0
		}
	}
	ord := nth
	if allLast {
		ord = -1
	} else if nth == 0 {
		return "", false
	}
	return fmt.Sprintf("FREQ=YEARLY;BYMONTH=%d;BYDAY=%d%s", int(first.Month()), ord, weekdayCodes[first.Weekday()]), true
}

// formatOffset writes a UTC-OFFSET value (RFC 5545 §3.3.14): +HHMM, or
// +HHMMSS when there are seconds.
func formatOffset(secs int) string {
	sign := "+"
	if secs < 0 {
		sign, secs = "-", -secs
	}
	s := fmt.Sprintf("%s%02d%02d", sign, secs/3600, secs/60%60)
	if secs%60 != 0 {
		s += fmt.Sprintf("%02d", secs%60)
	}
	return s
}
