package ical

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/teambition/rrule-go"
)

// expander collects the occurrences of one series in a window.
type expander struct {
	e        *Event
	z        zone
	from, to time.Time
	max      int
	seen     map[int64]bool // EXDATEs and instants already taken
	out      []Occurrence
}

func (x *expander) run() ([]Occurrence, error) {
	if err := x.add(x.e.Start); err != nil {
		return nil, err
	}
	for _, t := range x.e.RDates {
		if err := x.add(t); err != nil {
			return nil, err
		}
	}
	if x.e.RRule != "" {
		if err := x.expandRule(); err != nil {
			return nil, err
		}
	}
	sort.Slice(x.out, func(i, j int) bool { return x.out[i].Start.Before(x.out[j].Start) })
	return x.out, nil
}

// add records the occurrence starting at instant t if it is in the window
// and neither excluded nor already taken.
func (x *expander) add(t time.Time) error {
	t = t.UTC()
	if x.seen[t.Unix()] || !t.Before(x.to) {
		return nil
	}
	end := x.e.duration.after(x.z.wallClock(t), x.z)
	if !end.After(x.from) && t.Before(x.from) {
		return nil
	}
	if len(x.out) == x.max {
		return fmt.Errorf("%w: more than %d between %s and %s", ErrTooManyOccurrences, x.max,
			x.from.Format(time.RFC3339), x.to.Format(time.RFC3339))
	}
	x.seen[t.Unix()] = true
	x.out = append(x.out, Occurrence{RecurrenceID: t, Start: t, End: end})
	return nil
}

// expandRule walks the RRULE's instances in wall-clock time (RFC 5545
// §3.3.10), converting each to an instant in the DTSTART zone, until past
// the window.
func (x *expander) expandRule() error {
	opt, err := x.ruleOptions()
	if err != nil {
		return err
	}
	r, err := rrule.NewRRule(*opt)
	if err != nil {
		return fmt.Errorf("ical: bad RRULE %q: %w", x.e.RRule, err)
	}
	next := r.Iterator()
	stop := x.to.Add(3 * time.Hour) // past any DST shift of wall against instant
	for n := 0; ; n++ {
		if n == maxCandidates {
			return fmt.Errorf("%w: RRULE %q too costly to expand", ErrTooManyOccurrences, x.e.RRule)
		}
		w, ok := next()
		if !ok {
			return nil
		}
		t := x.z.instant(w)
		if !t.Before(stop) {
			return nil
		}
		if err := x.add(t); err != nil {
			return err
		}
	}
}

// ruleOptions parses the RRULE for expansion in wall-clock time: DTSTART is
// the local start, a UTC UNTIL is turned into local time, and UNTIL is cut
// just past the window so the walk stops there even for rules that never
// match.
func (x *expander) ruleOptions() (*rrule.ROption, error) {
	s, utcUntil := cleanRRule(x.e.RRule)
	opt, err := rrule.StrToROptionInLocation(s, time.UTC)
	if err != nil {
		return nil, fmt.Errorf("ical: bad RRULE %q: %w", x.e.RRule, err)
	}
	if n := timeSetSize(opt); n > maxTimeSet {
		return nil, fmt.Errorf("%w: RRULE %q has %d times a day", ErrTooManyOccurrences, x.e.RRule, n)
	}
	opt.Dtstart = x.e.startWall
	if utcUntil && !x.e.startUTC {
		opt.Until = x.z.wallClock(opt.Until)
	}
	limit := x.z.wallClock(x.to).Add(27 * time.Hour)
	if opt.Until.IsZero() || opt.Until.After(limit) {
		opt.Until = limit
	}
	return opt, nil
}

// ruleParts are the rule parts rrule-go knows (RFC 5545 §3.3.10); others
// (x-names) are dropped.
var ruleParts = map[string]bool{
	"FREQ": true, "UNTIL": true, "COUNT": true, "INTERVAL": true, "BYSECOND": true,
	"BYMINUTE": true, "BYHOUR": true, "BYDAY": true, "BYMONTHDAY": true, "BYYEARDAY": true,
	"BYWEEKNO": true, "BYMONTH": true, "BYSETPOS": true, "WKST": true,
}

// cleanRRule upper-cases an RRULE value, drops empty and unknown parts and
// reports whether UNTIL is in UTC.
func cleanRRule(v string) (string, bool) {
	var parts []string
	utc := false
	for _, p := range strings.Split(strings.ToUpper(strings.TrimSpace(v)), ";") {
		k, val, _ := strings.Cut(p, "=")
		if !ruleParts[k] || val == "" {
			continue
		}
		if k == "UNTIL" {
			utc = strings.HasSuffix(val, "Z")
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ";"), utc
}

// timeSetSize is the number of times of day a rule with a daily or slower
// frequency yields per day.
func timeSetSize(opt *rrule.ROption) int {
	if opt.Freq >= rrule.HOURLY {
		return 1
	}
	n := 1
	for _, l := range [][]int{opt.Byhour, opt.Byminute, opt.Bysecond} {
		if len(l) > 0 {
			n *= len(l)
		}
	}
	return n
}
