package ical

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/teambition/rrule-go"
)

// observance is one STANDARD or DAYLIGHT block of a VTIMEZONE
// (RFC 5545 §3.6.5): from DTSTART on, at every onset given by its RRULE and
// RDATEs, the offset changes from TZOFFSETFROM to TZOFFSETTO. Onsets are
// wall-clock times in the offset in force before them.
type observance struct {
	from, to time.Duration
	start    time.Time
	rule     *rrule.ROption // nil without a usable yearly RRULE
	rdates   []time.Time
}

// onset is one change of offset.
type onset struct {
	wall     time.Time // local time, in the old offset
	from, to time.Duration
}

// ruleZone is a zone built from a VTIMEZONE's own rules, for TZIDs such as
// "Customized Time Zone" that name no known zone.
type ruleZone struct {
	obs []observance

	mu    sync.Mutex
	years map[int][]onset // onsets in [year-1, year+1), sorted
}

// newRuleZone reads the observances of a VTIMEZONE.
func newRuleZone(vtz *Component) (*ruleZone, error) {
	z := &ruleZone{years: map[int][]onset{}}
	for _, c := range vtz.Children {
		if c.Name != "STANDARD" && c.Name != "DAYLIGHT" {
			continue
		}
		o, err := readObservance(c)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.Name, err)
		}
		z.obs = append(z.obs, o)
	}
	if len(z.obs) == 0 {
		return nil, errors.New("VTIMEZONE has no STANDARD or DAYLIGHT rules")
	}
	return z, nil
}

func readObservance(c *Component) (observance, error) {
	var o observance
	var err error
	if o.from, err = parseOffset(c.Prop("TZOFFSETFROM")); err != nil {
		return o, err
	}
	if o.to, err = parseOffset(c.Prop("TZOFFSETTO")); err != nil {
		return o, err
	}
	p := c.Prop("DTSTART")
	if p == nil {
		return o, ErrMissingDTStart
	}
	v, err := parseTimeValue(p.Value, false)
	if err != nil {
		return o, fmt.Errorf("bad DTSTART value: %w", err)
	}
	o.start = v.wall
	for _, rd := range c.PropsNamed("RDATE") {
		for _, s := range strings.Split(rd.Value, ",") {
			if v, err := parseTimeValue(strings.Split(s, "/")[0], false); err == nil {
				o.rdates = append(o.rdates, v.wall)
			}
		}
	}
	if r := c.Prop("RRULE"); r != nil {
		o.rule = yearlyRule(r.Value, o.start, o.from)
	}
	return o, nil
}

// yearlyRule reads the RRULE of an observance. Only FREQ=YEARLY rules are
// used (that is what every VTIMEZONE in the wild holds); others give nil and
// the observance then applies from its DTSTART and RDATEs only.
func yearlyRule(value string, start time.Time, from time.Duration) *rrule.ROption {
	opt, err := rrule.StrToROptionInLocation(value, time.UTC)
	if err != nil || opt.Freq != rrule.YEARLY {
		return nil
	}
	opt.Dtstart = start
	if !opt.Until.IsZero() && strings.Contains(strings.ToUpper(value), "Z") {
		opt.Until = opt.Until.Add(from) // UNTIL is UTC, onsets are wall-clock
	}
	if _, err := rrule.NewRRule(*opt); err != nil {
		return nil
	}
	return opt
}

// ruleOnsets returns the onsets of a yearly rule in [lo, hi). A rule
// repeating every year without COUNT is restarted the year before lo, as
// the result is the same and rrule-go stops 290 years after DTSTART
// (Outlook writes DTSTART:16010101T...).
func ruleOnsets(opt rrule.ROption, lo, hi time.Time) []time.Time {
	s := opt.Dtstart
	if opt.Count == 0 && opt.Interval <= 1 && s.Year() < lo.Year()-1 {
		opt.Dtstart = time.Date(lo.Year()-1, s.Month(), s.Day(), s.Hour(), s.Minute(), s.Second(), 0, time.UTC)
	}
	r, err := rrule.NewRRule(opt)
	if err != nil {
		return nil
	}
	return r.Between(lo, hi, true)
}

// parseOffset parses a UTC-OFFSET value, "+0100" or "-053000"
// (RFC 5545 §3.3.14).
func parseOffset(p *Property) (time.Duration, error) {
	if p == nil {
		return 0, errors.New("missing TZOFFSETFROM or TZOFFSETTO")
	}
	v := strings.TrimSpace(p.Value)
	if (len(v) != 5 && len(v) != 7) || (v[0] != '+' && v[0] != '-') {
		return 0, fmt.Errorf("bad %s value %q", p.Name, p.Value)
	}
	var parts [3]int
	for i := 0; i*2+1 < len(v); i++ {
		a, b := v[1+2*i], v[2+2*i]
		if a < '0' || a > '9' || b < '0' || b > '9' {
			return 0, fmt.Errorf("bad %s value %q", p.Name, p.Value)
		}
		parts[i] = int(a-'0')*10 + int(b-'0')
	}
	if parts[0] > 23 || parts[1] > 59 || parts[2] > 59 {
		return 0, fmt.Errorf("bad %s value %q", p.Name, p.Value)
	}
	d := time.Duration(parts[0])*time.Hour + time.Duration(parts[1])*time.Minute + time.Duration(parts[2])*time.Second
	if v[0] == '-' {
		d = -d
	}
	return d, nil
}

// onsets returns the onsets from January 1 of year-1 to January 1 of
// year+1, sorted.
func (z *ruleZone) onsets(year int) []onset {
	z.mu.Lock()
	defer z.mu.Unlock()
	if on, ok := z.years[year]; ok {
		return on
	}
	lo := time.Date(year-1, 1, 1, 0, 0, 0, 0, time.UTC)
	hi := time.Date(year+1, 1, 1, 0, 0, 0, 0, time.UTC)
	var on []onset
	for _, o := range z.obs {
		add := func(w time.Time) {
			if !w.Before(lo) && w.Before(hi) {
				on = append(on, onset{wall: w, from: o.from, to: o.to})
			}
		}
		add(o.start)
		for _, w := range o.rdates {
			add(w)
		}
		if o.rule != nil {
			for _, w := range ruleOnsets(*o.rule, lo, hi) {
				if !w.Equal(o.start) {
					add(w)
				}
			}
		}
	}
	sort.Slice(on, func(i, j int) bool { return on[i].wall.Before(on[j].wall) })
	if len(z.years) > 256 {
		clear(z.years)
	}
	z.years[year] = on
	return on
}

// latest returns the last onset for which before(onset) holds, searching
// the year of t and the year before; ok is false if there is none.
func (z *ruleZone) latest(year int, before func(onset) bool) (onset, bool) {
	on := z.onsets(year)
	for i := len(on) - 1; i >= 0; i-- {
		if before(on[i]) {
			return on[i], true
		}
	}
	return onset{}, false
}

// fallback is the offset when no onset is near: the observance that started
// last before wall-clock w (one without rules or RDATEs that began long ago),
// or the first one's TZOFFSETFROM.
func (z *ruleZone) fallback(w time.Time) time.Duration {
	best := -1
	for i, o := range z.obs {
		if !o.start.After(w) && (best < 0 || o.start.After(z.obs[best].start)) {
			best = i
		}
	}
	if best >= 0 {
		return z.obs[best].to
	}
	return z.obs[0].from
}

// instant converts a wall-clock time. A time in a gap (spring forward) uses
// the offset before the gap; a time repeated by a fall-back change means its
// first occurrence (RFC 5545 §3.3.5).
func (z *ruleZone) instant(w time.Time) time.Time {
	o, ok := z.latest(w.Year(), func(o onset) bool { return !o.wall.After(w) })
	off := z.fallback(w)
	if ok {
		off = o.to
		if o.to > o.from && w.Before(o.wall.Add(o.to-o.from)) {
			off = o.from
		}
	}
	return w.Add(-off)
}

func (z *ruleZone) wallClock(t time.Time) time.Time {
	t = t.UTC()
	o, ok := z.latest(t.Year(), func(o onset) bool { return !o.wall.Add(-o.from).After(t) })
	off := z.fallback(t)
	if ok {
		off = o.to
	}
	return t.Add(off)
}

func (z *ruleZone) location(t time.Time) *time.Location {
	off := z.wallClock(t).Sub(t.UTC())
	return time.FixedZone("", int(off/time.Second))
}
