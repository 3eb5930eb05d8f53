package templates

import (
	"fmt"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// locale holds the words the template functions need in one language.
type locale struct {
	days   [7]string  // indexed by time.Weekday
	months [12]string // indexed by time.Month - 1
	// hourMin formats a duration with both hours and minutes.
	hourMin string
	// singular reports whether n takes the singular: French says "0 jour",
	// English "0 days".
	singular func(n int) bool
}

var locales = map[string]locale{
	"fr": {
		days: [7]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"},
		months: [12]string{"janvier", "février", "mars", "avril", "mai", "juin",
			"juillet", "août", "septembre", "octobre", "novembre", "décembre"},
		hourMin:  "%d h %02d",
		singular: func(n int) bool { return n == 0 || n == 1 || n == -1 },
	},
	"en": {
		days: [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
		months: [12]string{"January", "February", "March", "April", "May", "June",
			"July", "August", "September", "October", "November", "December"},
		hourMin:  "%d h %d min",
		singular: func(n int) bool { return n == 1 || n == -1 },
	},
}

// funcs returns the template functions of one locale. The same map serves
// text/template and html/template.
func (l locale) funcs() map[string]any {
	return map[string]any{
		"date":     l.date,
		"clock":    clock,
		"slot":     l.slot,
		"duration": l.duration,
		"plural":   l.plural,
	}
}

// date formats the day of t in t's own zone: "mardi 1 décembre 2026",
// "Tuesday 1 December 2026".
func (l locale) date(t time.Time) string {
	return fmt.Sprintf("%s %d %s %d", l.days[t.Weekday()], t.Day(), l.months[t.Month()-1], t.Year())
}

// clock formats the time of day of t on 24 hours: "10:00".
func clock(t time.Time) string {
	return t.Format("15:04")
}

// slot formats a time range: "mardi 1 décembre 2026, 10:00–11:00". A range
// that ends at midnight after its start day ends at "24:00"; a range over
// several days shows both dates. A zero end shows the start only, and an end
// before the start is shown as it is, so that the reader sees the mistake.
func (l locale) slot(s gateway.Slot) string {
	start, end := s.Start, s.End.In(s.Start.Location())
	first := l.date(start) + ", " + clock(start)
	switch {
	case s.End.IsZero():
		return first
	case sameDay(start, end):
		return first + "–" + clock(end)
	case end.After(start) && isMidnight(end) && sameDay(start, end.Add(-time.Nanosecond)):
		return first + "–24:00"
	default:
		return first + " – " + l.date(end) + ", " + clock(end)
	}
}

// duration formats d rounded to the minute: "8 h", "45 min", and
// "1 h 30" in French, "1 h 30 min" in English.
func (l locale) duration(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	minutes := int(d.Round(time.Minute) / time.Minute)
	h, m := minutes/60, minutes%60
	switch {
	case h == 0:
		return fmt.Sprintf("%s%d min", sign, m)
	case m == 0:
		return fmt.Sprintf("%s%d h", sign, h)
	default:
		return sign + fmt.Sprintf(l.hourMin, h, m)
	}
}

// plural writes n followed by the singular or plural word as the language
// wants: "1 jour", "0 jour", "2 jours"; "1 day", "0 days".
func (l locale) plural(n int, singular, plural string) string {
	if l.singular(n) {
		return fmt.Sprintf("%d %s", n, singular)
	}
	return fmt.Sprintf("%d %s", n, plural)
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

func isMidnight(t time.Time) bool {
	h, m, s := t.Clock()
	return h == 0 && m == 0 && s == 0 && t.Nanosecond() == 0
}
