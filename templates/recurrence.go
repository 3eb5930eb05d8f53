package templates

import (
	"fmt"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// seriesWords names recurring meetings in one language.
type seriesWords struct {
	every     func(days string) string // "chaque mardi"
	otherWeek func(days string, n int) string
	daily     string
	dates     string // "%d dates"
	and       string
	from      string                                // "à partir du %s"
	fromTo    func(l locale, a, b time.Time) string // "du 1er au 29 décembre 2026"
}

var frenchSeries = seriesWords{
	every: func(days string) string { return "chaque " + days },
	otherWeek: func(days string, n int) string {
		if n == 1 {
			return "un " + days + " sur deux"
		}
		return "le " + strings.ReplaceAll(days, " et ", " et le ") + ", une semaine sur deux"
	},
	daily: "chaque jour",
	dates: "%d" + nbsp + "dates",
	and:   " et ",
	from:  "à partir du %s",
	fromTo: func(l locale, a, b time.Time) string {
		switch {
		case a.Year() == b.Year() && a.Month() == b.Month():
			return "du " + dayOnly(a.Day()) + " au " + l.dayMonth(b.Day(), l.months[b.Month()-1]) + " " + fmt.Sprint(b.Year())
		case a.Year() == b.Year():
			return "du " + l.dayMonth(a.Day(), l.months[a.Month()-1]) + " au " + l.dayMonthYear(b)
		}
		return "du " + l.dayMonthYear(a) + " au " + l.dayMonthYear(b)
	},
}

var englishSeries = seriesWords{
	every: func(days string) string { return "every " + days },
	otherWeek: func(days string, n int) string {
		if n == 1 {
			return "every other " + days
		}
		return "every other week on " + days
	},
	daily: "every day",
	dates: "%d" + nbsp + "dates",
	and:   " and ",
	from:  "starting %s",
	fromTo: func(l locale, a, b time.Time) string {
		switch {
		case a.Year() == b.Year() && a.Month() == b.Month():
			return fmt.Sprintf("from %d to %s", a.Day(), l.dayMonthYear(b))
		case a.Year() == b.Year():
			return "from " + l.dayMonth(a.Day(), l.months[a.Month()-1]) + " to " + l.dayMonthYear(b)
		}
		return "from " + l.dayMonthYear(a) + " to " + l.dayMonthYear(b)
	},
}

// dayOnly writes a French day of the month alone: "1er", "29".
func dayOnly(day int) string {
	if day == 1 {
		return "1er"
	}
	return fmt.Sprint(day)
}

// dayMonthYear writes "1er décembre 2026" / "1 December 2026".
func (l locale) dayMonthYear(t time.Time) string {
	return l.dayMonth(t.Day(), l.months[t.Month()-1]) + " " + fmt.Sprint(t.Year())
}

// series names a recurring meeting: "chaque mardi du 1er décembre 2026
// au 5 janvier 2027, 10:00 – 11:00", "un mardi sur deux à partir du 1er
// décembre 2026", or, when the dates follow no weekly pattern, "12 dates
// du 1er au 29 décembre 2026".
func (l locale) series(r *gateway.Recurrence) string {
	if r == nil {
		return ""
	}
	w := l.words
	var pattern string
	switch {
	case r.Daily:
		pattern = w.daily
	case r.Weeks == 1 && len(r.Days) > 0:
		pattern = w.every(l.dayList(r.Days))
	case r.Weeks == 2 && len(r.Days) > 0:
		pattern = w.otherWeek(l.dayList(r.Days), len(r.Days))
	default:
		pattern = fmt.Sprintf(w.dates, r.Dates)
	}
	first, last := r.First.Start, r.Last.Start.In(r.First.Start.Location())
	span := w.fromTo(l, first, last)
	if r.Open {
		span = fmt.Sprintf(w.from, l.dayMonthYear(first))
	}
	out := pattern + " " + span
	if r.SameTime {
		out += ", " + l.hours(r.First)
	}
	return out
}

// dayList joins weekday names: "lundi", "lundi et jeudi", "lundi,
// mercredi et vendredi".
func (l locale) dayList(days []time.Weekday) string {
	names := make([]string, len(days))
	for i, d := range days {
		names[i] = l.days[d]
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + l.words.and + names[len(names)-1]
}
