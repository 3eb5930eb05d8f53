package templates

import (
	"fmt"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// Characters that keep words together. A no-break space (U+00A0) after an
// en dash still lets a line break after the dash (UAX #14, rule LB12a), so
// a range also carries a word joiner (U+2060), which forbids it.
const (
	nbsp = "\u00a0"
	wj   = "\u2060"
)

// locale holds the words the template functions need in one language.
type locale struct {
	lang   string
	days   [7]string  // indexed by time.Weekday
	months [12]string // indexed by time.Month - 1
	// singular reports whether n takes the singular: French says "0 jour",
	// English "0 days".
	singular func(n int) bool
	// dash separates the two ends of a range and never breaks a line.
	dash string
	// dayMonth writes a day of the month and its month: "1er décembre".
	dayMonth func(day int, month string) string
	// durationWords writes hours and minutes (both may be 0).
	durationWords func(h, m int) string
	// series words, see recurrence.go.
	words seriesWords
}

var locales = map[string]locale{
	"fr": {
		lang: "fr",
		days: [7]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"},
		months: [12]string{"janvier", "février", "mars", "avril", "mai", "juin",
			"juillet", "août", "septembre", "octobre", "novembre", "décembre"},
		singular: func(n int) bool { return n == 0 || n == 1 || n == -1 },
		dash:     nbsp + "–" + wj + nbsp,
		dayMonth: func(day int, month string) string {
			if day == 1 {
				return "1er" + nbsp + month
			}
			return fmt.Sprintf("%d%s%s", day, nbsp, month)
		},
		durationWords: frenchDuration,
		words:         frenchSeries,
	},
	"en": {
		lang: "en",
		days: [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
		months: [12]string{"January", "February", "March", "April", "May", "June",
			"July", "August", "September", "October", "November", "December"},
		singular:      func(n int) bool { return n == 1 || n == -1 },
		dash:          "–" + wj,
		dayMonth:      func(day int, month string) string { return fmt.Sprintf("%d%s%s", day, nbsp, month) },
		durationWords: englishDuration,
		words:         englishSeries,
	},
}

// funcs returns the template functions of one locale. The same map serves
// text/template and html/template.
func (l locale) funcs() map[string]any {
	return map[string]any{
		"date":     l.date,
		"clock":    clock,
		"hours":    l.hours,
		"slot":     l.slot,
		"duration": l.duration,
		"plural":   l.plural,
		"theroom":  l.theRoom,
		"Theroom":  l.theRoomCap,
		"series":   l.series,
		"zone":     l.zone,
		"weekday":  func(t time.Time) string { return l.days[t.Weekday()] },
		"daymonth": func(t time.Time) string { return l.dayMonth(t.Day(), l.months[t.Month()-1]) },
		"longdate": l.dayMonthYear,
	}
}

// zone names a time zone as people say it: "heure de Paris", "Paris
// time" for Europe/Paris; a name without a city ("UTC") as it is.
func (l locale) zone(name string) string {
	_, city, ok := strings.Cut(name, "/")
	if !ok {
		return name
	}
	if i := strings.LastIndexByte(city, '/'); i >= 0 {
		city = city[i+1:]
	}
	city = strings.ReplaceAll(city, "_", " ")
	if l.lang != "fr" {
		return city + " time"
	}
	if strings.ContainsRune("AEIOUY", rune(city[0])) {
		return "heure d'" + city
	}
	return "heure de " + city
}

// date formats the day of t in t's own zone: "mardi 1er décembre 2026",
// "Tuesday 1 December 2026".
func (l locale) date(t time.Time) string {
	return l.days[t.Weekday()] + " " + l.dayMonth(t.Day(), l.months[t.Month()-1]) + " " + fmt.Sprint(t.Year())
}

// clock formats the time of day of t on 24 hours: "10:00".
func clock(t time.Time) string {
	return t.Format("15:04")
}

// hours formats the hours of a slot on one day: "10:00 – 11:00" in
// French, "10:00–11:00" in English, never broken across lines. A slot
// that ends at midnight after its start day ends at "24:00".
func (l locale) hours(s gateway.Slot) string {
	start, end := s.Start, s.End.In(s.Start.Location())
	if end.After(start) && isMidnight(end) && sameDay(start, end.Add(-time.Nanosecond)) {
		return clock(start) + l.dash + "24:00"
	}
	return clock(start) + l.dash + clock(end)
}

// slot formats a time range: "mardi 1er décembre 2026, 10:00 – 11:00". A
// range over several days shows both dates. A zero end shows the start
// only, and an end before the start is shown as it is, so that the reader
// sees the mistake.
func (l locale) slot(s gateway.Slot) string {
	start, end := s.Start, s.End.In(s.Start.Location())
	first := l.date(start) + ", "
	switch {
	case s.End.IsZero():
		return first + clock(start)
	case sameDay(start, end) || (end.After(start) && isMidnight(end) && sameDay(start, end.Add(-time.Nanosecond))):
		return first + l.hours(s)
	default:
		return first + clock(start) + " – " + l.date(end) + ", " + clock(end)
	}
}

// duration formats d rounded to the minute as people write it: "8 h",
// "45 minutes", "1 h 30" in French; "8 hours", "45 minutes", "1 hour 30
// minutes" in English.
func (l locale) duration(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	minutes := int(d.Round(time.Minute) / time.Minute)
	return sign + l.durationWords(minutes/60, minutes%60)
}

func frenchDuration(h, m int) string {
	switch {
	case h == 0 && m == 1:
		return "1" + nbsp + "minute"
	case h == 0:
		return fmt.Sprintf("%d%sminutes", m, nbsp)
	case m == 0:
		return fmt.Sprintf("%d%sh", h, nbsp)
	default:
		return fmt.Sprintf("%d%sh%s%02d", h, nbsp, nbsp, m)
	}
}

func englishDuration(h, m int) string {
	unit := func(n int, one, many string) string {
		if n == 1 {
			return "1" + nbsp + one
		}
		return fmt.Sprintf("%d%s%s", n, nbsp, many)
	}
	switch {
	case h == 0:
		return unit(m, "minute", "minutes")
	case m == 0:
		return unit(h, "hour", "hours")
	default:
		return unit(h, "hour", "hours") + " " + unit(m, "minute", "minutes")
	}
}

// plural writes n followed by the singular or plural word as the language
// wants: "1 jour", "0 jour", "2 jours"; "1 day", "0 days". A no-break
// space keeps the number with its word.
func (l locale) plural(n int, singular, plural string) string {
	if l.singular(n) {
		return fmt.Sprintf("%d%s%s", n, nbsp, singular)
	}
	return fmt.Sprintf("%d%s%s", n, nbsp, plural)
}

// theRoom names a room once, inside a sentence: "la salle Atelier", and
// "la salle Opteos" for a room named "Salle Opteos" (not "la salle Salle
// Opteos"). In English: "the room Atelier", and "Main room" or "Salle
// Opteos" as they are when the name already says it is a room.
func (l locale) theRoom(name string) string {
	lower := strings.ToLower(name)
	if l.lang == "fr" {
		if rest, ok := strings.CutPrefix(lower, "salle "); ok && rest != "" {
			return "la salle " + name[len("salle "):]
		}
		return "la salle " + name
	}
	if strings.Contains(lower, "room") || strings.HasPrefix(lower, "salle ") {
		return name
	}
	return "the room " + name
}

// theRoomCap is theRoom at the start of a sentence.
func (l locale) theRoomCap(name string) string {
	s := l.theRoom(name)
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
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

// Typeset applies a language's typography to a rendered text. In French
// a no-break space goes before « : », « ; », « ! » and « ? » and inside
// guillemets, where the templates (and members' titles) put an ordinary
// space, so that a narrow screen never starts a line with the sign. Other
// languages are returned unchanged.
func Typeset(lang, s string) string {
	if lang != "fr" {
		return s
	}
	return frenchSpaces(s)
}

// frenchSpaces replaces, left to right, the space of " :", " ;", " !",
// " ?", "« " and " »" with a no-break space: what
// strings.NewReplacer(" :", nbsp+":", …, "« ", "«"+nbsp, " »", nbsp+"»")
// gives (TestFrenchSpacesAsReplacer), without its trie walk at every byte
// and its copies, once for every mail. A text without such a space comes
// back as it is.
func frenchSpaces(s string) string {
	i := nextFrenchSpace(s, 0)
	if i < 0 {
		return s
	}
	b := make([]byte, 0, len(s)+32)
	return string(appendFrenchSpaces(b, s, i))
}

// appendFrenchSpaces appends s to dst, French spaces put in from
// s[from:] on, from being at most the first place nextFrenchSpace finds.
func appendFrenchSpaces[T string | []byte](dst []byte, s T, from int) []byte {
	last := 0
	for i := from; i >= 0; i = nextFrenchSpace(s, last) {
		if s[i] == ' ' { // " :", " ;", " !", " ?", " »"
			dst = append(dst, s[last:i]...)
			last = i + 1
		} else { // "« "
			dst = append(dst, s[last:i+len("«")]...)
			last = i + len("« ")
		}
		dst = append(dst, nbsp...)
	}
	return append(dst, s[last:]...)
}

// nextFrenchSpace finds, from s[from:] on, the first space that
// frenchSpaces replaces, or the guillemet « before one; -1 when none. Its
// scan stops only at the rarer second byte of a pair (":", ";", "!", "?",
// and 0xC2, the first byte of « and »), and looks back for the space.
func nextFrenchSpace[T string | []byte](s T, from int) int {
	for j := from; j < len(s); j++ {
		if !frenchMarks[s[j]] {
			continue
		}
		if s[j] != 0xC2 { // " :", " ;", " !", " ?"
			if j > from && s[j-1] == ' ' {
				return j - 1
			}
			continue
		}
		if j+1 < len(s) && s[j+1] == 0xBB && j > from && s[j-1] == ' ' { // " »"
			return j - 1
		}
		if j+2 < len(s) && s[j+1] == 0xAB && s[j+2] == ' ' { // "« "
			return j
		}
	}
	return -1
}

// frenchMarks are the bytes nextFrenchSpace stops at.
var frenchMarks = [256]bool{':': true, ';': true, '!': true, '?': true, 0xC2: true}

// RangeDash returns the separator of a time range in a language ("10:00 –
// 11:00"), which never breaks a line.
func RangeDash(lang string) string {
	if l, ok := locales[lang]; ok {
		return l.dash
	}
	return locales["en"].dash
}
