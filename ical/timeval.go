package ical

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// timeValue is a DATE or DATE-TIME value (RFC 5545 §3.3.4, §3.3.5) before
// its zone is applied: wall holds the local fields in a UTC time.Time.
type timeValue struct {
	wall time.Time
	date bool // VALUE=DATE
	utc  bool // form #2, trailing 'Z'
}

// parseTimeValue parses a DATE ("20261201") or DATE-TIME
// ("20261201T100000" or "...Z") value. date forces the DATE form.
func parseTimeValue(v string, date bool) (timeValue, error) {
	v = strings.TrimSpace(v)
	if date || len(v) == 8 {
		t, err := parseDigits(v, "20060102")
		return timeValue{wall: t, date: true}, err
	}
	utc := strings.HasSuffix(v, "Z") || strings.HasSuffix(v, "z")
	if utc {
		v = v[:len(v)-1]
	}
	t, err := parseDigits(v, "20060102T150405")
	return timeValue{wall: t, utc: utc}, err
}

// parseDigits parses v by layout in UTC, accepting only exactly the layout's
// length (time.Parse would accept extra digits in some positions).
func parseDigits(v, layout string) (time.Time, error) {
	if len(v) != len(layout) {
		return time.Time{}, fmt.Errorf("%q is not in the form %s", v, layout)
	}
	if len(layout) > 8 && v[8] != 'T' && v[8] != 't' {
		return time.Time{}, fmt.Errorf("%q is not in the form %s", v, layout)
	}
	t, err := time.Parse(layout, strings.ToUpper(v))
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a valid date or time", v)
	}
	return t, nil
}

// isDateProp reports whether a date-valued property holds DATE values: a
// VALUE=DATE parameter (RFC 5545 §3.2.20), or a bare 8-digit value.
func isDateProp(p *Property) bool {
	if strings.EqualFold(p.Param("VALUE"), "DATE") {
		return true
	}
	v := strings.TrimSpace(p.Value)
	return len(v) == 8 && !strings.EqualFold(p.Param("VALUE"), "PERIOD")
}

// duration is a DURATION value (RFC 5545 §3.3.6): days are nominal (they
// follow the wall clock across DST changes), seconds are exact.
type duration struct {
	days int
	secs int64
	neg  bool
}

var errBadDuration = errors.New("bad DURATION value")

// parseDuration parses "[+|-]P[nW][nD][T[nH][nM][nS]]".
func parseDuration(s string) (duration, error) {
	var d duration
	s = strings.ToUpper(strings.TrimSpace(s))
	if s != "" && (s[0] == '+' || s[0] == '-') {
		d.neg = s[0] == '-'
		s = s[1:]
	}
	if len(s) < 3 || s[0] != 'P' {
		return d, fmt.Errorf("%w %q", errBadDuration, s)
	}
	inTime := false
	num, digits := int64(0), 0
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if digits++; digits > 9 {
				return d, fmt.Errorf("%w %q: number too large", errBadDuration, s)
			}
			num = num*10 + int64(c-'0')
			continue
		case c == 'T' && !inTime && digits == 0:
			inTime = true
			continue
		}
		if digits == 0 || !d.add(c, num, inTime) {
			return d, fmt.Errorf("%w %q", errBadDuration, s)
		}
		num, digits = 0, 0
	}
	if digits != 0 {
		return d, fmt.Errorf("%w %q", errBadDuration, s)
	}
	if d.days > maxDurationDays || d.secs > maxDurationDays*86400 || d.days*86400+int(d.secs) > maxDurationDays*86400 {
		return d, fmt.Errorf("%w %q: longer than %d days", errBadDuration, s, maxDurationDays)
	}
	return d, nil
}

// maxDurationDays bounds a DURATION: an event of more than ten years is
// no meeting, and larger values would overflow time arithmetic.
const maxDurationDays = 3660

// add adds n units of unit c to d.
func (d *duration) add(c byte, n int64, inTime bool) bool {
	switch {
	case c == 'W' && !inTime:
		d.days += int(n) * 7
	case c == 'D' && !inTime:
		d.days += int(n)
	case c == 'H' && inTime:
		d.secs += n * 3600
	case c == 'M' && inTime:
		d.secs += n * 60
	case c == 'S' && inTime:
		d.secs += n
	default:
		return false
	}
	return true
}

// after returns the end of a duration that starts at wall-clock w in zone z:
// days move the wall clock, seconds move the instant (RFC 5545 §3.3.6).
func (d duration) after(w time.Time, z zone) time.Time {
	sign := 1
	if d.neg {
		sign = -1
	}
	t := z.instant(w.AddDate(0, 0, sign*d.days))
	return t.Add(time.Duration(sign) * time.Duration(d.secs) * time.Second)
}
