package chat

import (
	"strconv"
	"strings"
	"time"
)

// Day words, lower case.
var (
	relDays = map[string]int{
		"aujourd'hui": 0, "aujourd’hui": 0, "today": 0,
		"demain": 1, "tomorrow": 1, "après-demain": 2, "apres-demain": 2,
	}
	weekdays = map[string]time.Weekday{
		"dimanche": time.Sunday, "lundi": time.Monday, "mardi": time.Tuesday, "mercredi": time.Wednesday,
		"jeudi": time.Thursday, "vendredi": time.Friday, "samedi": time.Saturday,
		"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
		"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
		"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
		"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
	}
	months = map[string]time.Month{
		"janv": 1, "janvier": 1, "jan": 1, "january": 1,
		"févr": 2, "fevr": 2, "février": 2, "fevrier": 2, "feb": 2, "february": 2,
		"mars": 3, "mar": 3, "march": 3,
		"avr": 4, "avril": 4, "apr": 4, "april": 4,
		"mai": 5, "may": 5,
		"juin": 6, "jun": 6, "june": 6,
		"juil": 7, "juillet": 7, "jul": 7, "july": 7,
		"août": 8, "aout": 8, "aug": 8, "august": 8,
		"sept": 9, "septembre": 9, "sep": 9, "september": 9,
		"oct": 10, "octobre": 10, "october": 10,
		"nov": 11, "novembre": 11, "november": 11,
		"déc": 12, "dec": 12, "décembre": 12, "decembre": 12, "december": 12,
	}
)

// date reads a day from the first words: a day word, a weekday (the next
// one, today included), dd/mm[/yyyy], or "12 déc." (the next such date).
func (p *parser) date() error {
	w := strings.ToLower(p.words[0])
	today := midnight(p.now)
	var d time.Time
	n := 1
	switch {
	case hasKey(relDays, w):
		d = today.AddDate(0, 0, relDays[w])
	case hasKey(weekdays, w):
		d = today.AddDate(0, 0, (int(weekdays[w])-int(today.Weekday())+7)%7)
	case strings.Contains(w, "/"):
		var ok bool
		if d, ok = slashDate(w, today); !ok {
			return p.fail("err.date", p.words[0])
		}
	default:
		var ok bool
		if d, n, ok = namedDate(p.words, today); !ok {
			return p.fail("err.date", p.words[0])
		}
	}
	if daysBetween(today, d) > maxAhead {
		return p.fail("err.far", p.words[0])
	}
	p.cmd.Day, p.words = d, p.words[n:]
	return nil
}

func hasKey[V any](m map[string]V, k string) bool {
	_, ok := m[k]
	return ok
}

// slashDate reads dd/mm or dd/mm/yyyy; without a year, the next such date.
func slashDate(w string, today time.Time) (time.Time, bool) {
	parts := strings.Split(w, "/")
	if len(parts) < 2 || len(parts) > 3 {
		return time.Time{}, false
	}
	dd, ok1 := smallNumber(parts[0], 1, 31)
	mm, ok2 := smallNumber(parts[1], 1, 12)
	if !ok1 || !ok2 {
		return time.Time{}, false
	}
	if len(parts) == 3 {
		yy, ok := smallNumber(parts[2], 2000, 2100)
		if !ok || len(parts[2]) != 4 {
			return time.Time{}, false
		}
		return validDate(yy, time.Month(mm), dd, today.Location())
	}
	return nextDate(time.Month(mm), dd, today)
}

// namedDate reads "12 déc." or "Dec 12" (and "1er décembre") from words.
func namedDate(words []string, today time.Time) (time.Time, int, bool) {
	if len(words) < 2 {
		return time.Time{}, 0, false
	}
	a, b := strings.ToLower(words[0]), strings.ToLower(words[1])
	dayWord, monthWord := a, b
	if _, isMonth := months[strings.TrimSuffix(a, ".")]; isMonth {
		dayWord, monthWord = b, a
	}
	m, ok := months[strings.TrimSuffix(monthWord, ".")]
	if !ok {
		return time.Time{}, 0, false
	}
	dd, ok := smallNumber(strings.TrimSuffix(dayWord, "er"), 1, 31)
	if !ok {
		return time.Time{}, 0, false
	}
	d, ok := nextDate(m, dd, today)
	return d, 2, ok
}

// nextDate is the next (or today's) date with that month and day.
func nextDate(m time.Month, dd int, today time.Time) (time.Time, bool) {
	for y := today.Year(); y <= today.Year()+4; y++ { // 29 February waits for a leap year
		d, ok := validDate(y, m, dd, today.Location())
		if ok && !d.Before(today) {
			return d, true
		}
	}
	return time.Time{}, false
}

// validDate refuses dates that time.Date would normalize (31/02).
func validDate(y int, m time.Month, dd int, loc *time.Location) (time.Time, bool) {
	d := time.Date(y, m, dd, 0, 0, 0, 0, loc)
	return d, d.Day() == dd && d.Month() == m
}

// smallNumber reads decimal digits only, within [lo, hi].
func smallNumber(s string, lo, hi int) (int, bool) {
	if s == "" || len(s) > 4 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= lo && n <= hi
}

// looksLikeTime reports a word that starts with a digit and holds "h" or
// ":": a time or a range rather than a date.
func looksLikeTime(w string) bool {
	return w != "" && w[0] >= '0' && w[0] <= '9' && strings.ContainsAny(w, "h:H")
}

// rangeOf reads "14h-15h" (one word, or "14h - 15h") on p.cmd.Day.
func (p *parser) rangeOf() error {
	w := p.words[0]
	n := 1
	if len(p.words) >= 3 && (p.words[1] == "-" || p.words[1] == "–") {
		w, n = p.words[0]+"-"+p.words[2], 3
	}
	a, b, ok := strings.Cut(strings.ReplaceAll(w, "–", "-"), "-")
	if !ok {
		return p.fail("err.time", w)
	}
	start, ok1 := clockOf(a)
	end, ok2 := clockOf(b)
	if !ok1 || !ok2 {
		return p.fail("err.time", w)
	}
	if end <= start {
		return p.fail("err.order", w)
	}
	p.cmd.Slot = Slot{Start: at(p.cmd.Day, start), End: at(p.cmd.Day, end)}
	p.words = p.words[n:]
	return nil
}

// at is the wall-clock time minutes after midnight on day, in day's zone
// (a time that does not exist on a daylight-saving day moves forward).
func at(day time.Time, minutes int) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), minutes/60, minutes%60, 0, 0, day.Location())
}

// clockOf reads 14h, 14h30, 14H30, 14:30 or 9h05 as minutes after
// midnight.
func clockOf(s string) (int, bool) {
	s = strings.ToLower(s)
	hh, mm, sep := s, "", false
	if i := strings.IndexAny(s, "h:"); i >= 0 {
		hh, mm, sep = s[:i], s[i+1:], true
		if s[i] == ':' && len(mm) != 2 {
			return 0, false
		}
	}
	if !sep || len(hh) > 2 {
		return 0, false
	}
	h, ok := smallNumber(hh, 0, 23)
	if !ok {
		return 0, false
	}
	m := 0
	if mm != "" {
		if m, ok = smallNumber(mm, 0, 59); !ok || len(mm) != 2 {
			return 0, false
		}
	}
	return h*60 + m, true
}
