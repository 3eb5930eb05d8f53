package templates

import (
	"strings"
	"sync"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// nb, frDsh and enDsh spell the typography the tests expect: a no-break space, and
// the French range "–" that never breaks a line.
const (
	nb    = "\u00a0"
	frDsh = nb + "–" + wj + nb
	enDsh = "–" + wj
)

// parisZone is read from the zone database once: the views of every
// template are built thousands of times.
var parisZone = sync.OnceValues(func() (*time.Location, error) { return time.LoadLocation("Europe/Paris") })

func paris(t *testing.T) *time.Location {
	t.Helper()
	loc, err := parisZone()
	if err != nil {
		t.Fatalf("load zone: %v", err)
	}
	return loc
}

func TestDateClock(t *testing.T) {
	tm := time.Date(2026, 12, 1, 9, 5, 0, 0, paris(t))
	tests := []struct {
		lang, date string
	}{
		{"fr", "mardi 1er" + nb + "décembre 2026"},
		{"en", "Tuesday 1" + nb + "December 2026"},
	}
	for _, tt := range tests {
		if got := locales[tt.lang].date(tm); got != tt.date {
			t.Errorf("%s date = %q, want %q", tt.lang, got, tt.date)
		}
	}
	if got := locales["fr"].date(time.Date(2027, 8, 15, 0, 0, 0, 0, time.UTC)); got != "dimanche 15"+nb+"août 2027" {
		t.Errorf("fr date = %q", got)
	}
	if got := clock(tm); got != "09:05" {
		t.Errorf("clock = %q, want 09:05", got)
	}
	if got := clock(time.Date(2026, 12, 1, 23, 30, 0, 0, time.UTC)); got != "23:30" {
		t.Errorf("clock = %q, want 23:30", got)
	}
}

func TestSlot(t *testing.T) {
	loc := paris(t)
	at := func(day, h, m int) time.Time { return time.Date(2026, 12, day, h, m, 0, 0, loc) }
	frDay, frDay2 := "mardi 1er"+nb+"décembre 2026, ", "mercredi 2"+nb+"décembre 2026, "
	tests := []struct {
		name   string
		slot   gateway.Slot
		fr, en string
	}{
		{"same day", gateway.Slot{Start: at(1, 10, 0), End: at(1, 11, 0)},
			frDay + "10:00" + frDsh + "11:00", "Tuesday 1" + nb + "December 2026, 10:00" + enDsh + "11:00"},
		{"ends at midnight", gateway.Slot{Start: at(1, 20, 0), End: at(2, 0, 0)},
			frDay + "20:00" + frDsh + "24:00", "Tuesday 1" + nb + "December 2026, 20:00" + enDsh + "24:00"},
		{"spans days", gateway.Slot{Start: at(1, 22, 0), End: at(2, 1, 30)},
			frDay + "22:00 – " + frDay2 + "01:30",
			"Tuesday 1" + nb + "December 2026, 22:00 – Wednesday 2" + nb + "December 2026, 01:30"},
		{"zero end", gateway.Slot{Start: at(1, 10, 0)},
			frDay + "10:00", "Tuesday 1" + nb + "December 2026, 10:00"},
		{"end before start", gateway.Slot{Start: at(1, 11, 0), End: at(1, 10, 0)},
			frDay + "11:00" + frDsh + "10:00", "Tuesday 1" + nb + "December 2026, 11:00" + enDsh + "10:00"},
		{"end in another zone", gateway.Slot{Start: at(1, 10, 0), End: at(1, 11, 0).UTC()},
			frDay + "10:00" + frDsh + "11:00", "Tuesday 1" + nb + "December 2026, 10:00" + enDsh + "11:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := locales["fr"].slot(tt.slot); got != tt.fr {
				t.Errorf("fr = %q, want %q", got, tt.fr)
			}
			if got := locales["en"].slot(tt.slot); got != tt.en {
				t.Errorf("en = %q, want %q", got, tt.en)
			}
		})
	}
}

func TestDuration(t *testing.T) {
	// "_" stands for a no-break space: a number never leaves its unit.
	tests := []struct {
		d      time.Duration
		fr, en string
	}{
		{8 * time.Hour, "8_h", "8_hours"},
		{10 * time.Hour, "10_h", "10_hours"},
		{90 * time.Minute, "1_h_30", "1_hour 30_minutes"},
		{65 * time.Minute, "1_h_05", "1_hour 5_minutes"},
		{45 * time.Minute, "45_minutes", "45_minutes"},
		{time.Minute, "1_minute", "1_minute"},
		{30 * time.Hour, "30_h", "30_hours"},
		{0, "0_minutes", "0_minutes"},
		{59*time.Minute + 40*time.Second, "1_h", "1_hour"},
		{-90 * time.Minute, "-1_h_30", "-1_hour 30_minutes"},
	}
	for _, tt := range tests {
		fr, en := strings.ReplaceAll(tt.fr, "_", nb), strings.ReplaceAll(tt.en, "_", nb)
		if got := locales["fr"].duration(tt.d); got != fr {
			t.Errorf("fr duration(%v) = %q, want %q", tt.d, got, fr)
		}
		if got := locales["en"].duration(tt.d); got != en {
			t.Errorf("en duration(%v) = %q, want %q", tt.d, got, en)
		}
	}
}

func TestPlural(t *testing.T) {
	tests := []struct {
		n      int
		fr, en string
	}{
		{0, "0 jour", "0 days"},
		{1, "1 jour", "1 day"},
		{2, "2 jours", "2 days"},
		{90, "90 jours", "90 days"},
	}
	for _, tt := range tests {
		if got := locales["fr"].plural(tt.n, "jour", "jours"); got != strings.ReplaceAll(tt.fr, " ", nb) {
			t.Errorf("fr plural(%d) = %q, want %q", tt.n, got, tt.fr)
		}
		if got := locales["en"].plural(tt.n, "day", "days"); got != strings.ReplaceAll(tt.en, " ", nb) {
			t.Errorf("en plural(%d) = %q, want %q", tt.n, got, tt.en)
		}
	}
}

// TestTheRoom: a room's name is written once, even when it already says
// it is a room ("Salle Opteos" is not "la salle Salle Opteos").
func TestTheRoom(t *testing.T) {
	tests := []struct {
		name, fr, frCap, en, enCap string
	}{
		{"Atelier", "la salle Atelier", "La salle Atelier", "the room Atelier", "The room Atelier"},
		{"Salle Opteos", "la salle Opteos", "La salle Opteos", "Salle Opteos", "Salle Opteos"},
		{"salle du conseil", "la salle du conseil", "La salle du conseil", "salle du conseil", "Salle du conseil"},
		{"Main room", "la salle Main room", "La salle Main room", "Main room", "Main room"},
		{"Salle", "la salle Salle", "La salle Salle", "the room Salle", "The room Salle"},
	}
	for _, tt := range tests {
		fr, en := locales["fr"], locales["en"]
		if got := fr.theRoom(tt.name); got != tt.fr {
			t.Errorf("fr theroom(%q) = %q, want %q", tt.name, got, tt.fr)
		}
		if got := fr.theRoomCap(tt.name); got != tt.frCap {
			t.Errorf("fr Theroom(%q) = %q, want %q", tt.name, got, tt.frCap)
		}
		if got := en.theRoom(tt.name); got != tt.en {
			t.Errorf("en theroom(%q) = %q, want %q", tt.name, got, tt.en)
		}
		if got := en.theRoomCap(tt.name); got != tt.enCap {
			t.Errorf("en Theroom(%q) = %q, want %q", tt.name, got, tt.enCap)
		}
	}
}

func TestZone(t *testing.T) {
	tests := []struct{ zone, fr, en string }{
		{"Europe/Paris", "heure de Paris", "Paris time"},
		{"America/New_York", "heure de New York", "New York time"},
		{"America/Argentina/Buenos_Aires", "heure de Buenos Aires", "Buenos Aires time"},
		{"Europe/Amsterdam", "heure d'Amsterdam", "Amsterdam time"},
		{"UTC", "UTC", "UTC"},
	}
	for _, tt := range tests {
		if got := locales["fr"].zone(tt.zone); got != tt.fr {
			t.Errorf("fr zone(%s) = %q, want %q", tt.zone, got, tt.fr)
		}
		if got := locales["en"].zone(tt.zone); got != tt.en {
			t.Errorf("en zone(%s) = %q, want %q", tt.zone, got, tt.en)
		}
	}
}

// TestSeriesWords: a series is named by its pattern and its span, not by
// its first date.
func TestSeriesWords(t *testing.T) {
	loc := paris(t)
	day := func(y int, m time.Month, d int) gateway.Slot {
		return gateway.Slot{Start: time.Date(y, m, d, 10, 0, 0, 0, loc), End: time.Date(y, m, d, 11, 0, 0, 0, loc)}
	}
	tue := []time.Weekday{time.Tuesday}
	tests := []struct {
		name   string
		r      gateway.Recurrence
		fr, en string
	}{
		{"weekly across years", gateway.Recurrence{Weeks: 1, Days: tue, First: day(2026, 12, 1), Last: day(2027, 1, 5), SameTime: true, Dates: 6},
			"chaque mardi du 1er décembre 2026 au 5 janvier 2027, 10:00–11:00",
			"every Tuesday from 1 December 2026 to 5 January 2027, 10:00–11:00"},
		{"weekly in one month", gateway.Recurrence{Weeks: 1, Days: tue, First: day(2026, 12, 1), Last: day(2026, 12, 29), SameTime: true, Dates: 5},
			"chaque mardi du 1er au 29 décembre 2026, 10:00–11:00", "every Tuesday from 1 to 29 December 2026, 10:00–11:00"},
		{"weekly in one year", gateway.Recurrence{Weeks: 1, Days: tue, First: day(2027, 3, 2), Last: day(2027, 5, 25), Dates: 13},
			"chaque mardi du 2 mars au 25 mai 2027", "every Tuesday from 2 March to 25 May 2027"},
		{"two days a week", gateway.Recurrence{Weeks: 1, Days: []time.Weekday{time.Monday, time.Thursday}, First: day(2026, 11, 30),
			Last: day(2026, 12, 31), Dates: 10}, "chaque lundi et jeudi du 30 novembre au 31 décembre 2026",
			"every Monday and Thursday from 30 November to 31 December 2026"},
		{"three days a week", gateway.Recurrence{Weeks: 1, Days: []time.Weekday{time.Monday, time.Wednesday, time.Friday},
			First: day(2026, 11, 30), Last: day(2026, 12, 4), Dates: 3}, "chaque lundi, mercredi et vendredi du 30 novembre au 4 décembre 2026",
			"every Monday, Wednesday and Friday from 30 November to 4 December 2026"},
		{"every other week", gateway.Recurrence{Weeks: 2, Days: tue, First: day(2026, 12, 1), Last: day(2026, 12, 29), Dates: 3},
			"un mardi sur deux du 1er au 29 décembre 2026", "every other Tuesday from 1 to 29 December 2026"},
		{"every other week, two days", gateway.Recurrence{Weeks: 2, Days: []time.Weekday{time.Monday, time.Thursday},
			First: day(2026, 11, 30), Last: day(2026, 12, 17), Dates: 4},
			"le lundi et le jeudi, une semaine sur deux du 30 novembre au 17 décembre 2026",
			"every other week on Monday and Thursday from 30 November to 17 December 2026"},
		{"daily", gateway.Recurrence{Daily: true, First: day(2026, 12, 1), Last: day(2026, 12, 5), SameTime: true, Dates: 5},
			"chaque jour du 1er au 5 décembre 2026, 10:00–11:00", "every day from 1 to 5 December 2026, 10:00–11:00"},
		{"no pattern", gateway.Recurrence{First: day(2026, 12, 1), Last: day(2027, 2, 3), Dates: 7},
			"7 dates du 1er décembre 2026 au 3 février 2027", "7 dates from 1 December 2026 to 3 February 2027"},
		{"without end", gateway.Recurrence{Weeks: 1, Days: tue, First: day(2026, 12, 1), Last: day(2027, 5, 25), Open: true, SameTime: true, Dates: 26},
			"chaque mardi à partir du 1er décembre 2026, 10:00–11:00", "every Tuesday starting 1 December 2026, 10:00–11:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := plainText(locales["fr"].series(&tt.r)); got != tt.fr {
				t.Errorf("fr = %q, want %q", got, tt.fr)
			}
			if got := plainText(locales["en"].series(&tt.r)); got != tt.en {
				t.Errorf("en = %q, want %q", got, tt.en)
			}
		})
	}
	if got := locales["fr"].series(nil); got != "" {
		t.Errorf("series(nil) = %q", got)
	}
}

// plainText reads typography as plain spaces, for tests about words.
func plainText(s string) string {
	return strings.NewReplacer(nb+"–"+wj+nb, "–", nb+"–"+nb, "–", nb, " ", wj, "").Replace(s)
}

func TestTypeset(t *testing.T) {
	tests := []struct{ lang, in, want string }{
		{"fr", "Contact : a ; b ! c ? « titre »", "Contact" + nb + ": a" + nb + "; b" + nb + "! c" + nb + "? «" + nb + "titre" + nb + "»"},
		{"fr", "https://zoom.us/j/1?pwd=x 10:00", "https://zoom.us/j/1?pwd=x 10:00"},
		{"fr", "déjà" + nb + ":", "déjà" + nb + ":"},
		{"en", "Contact : a « b »", "Contact : a « b »"},
	}
	for _, tt := range tests {
		if got := Typeset(tt.lang, tt.in); got != tt.want {
			t.Errorf("Typeset(%s, %q) = %q, want %q", tt.lang, tt.in, got, tt.want)
		}
	}
	if got := RangeDash("fr"); got != frDsh {
		t.Errorf("RangeDash(fr) = %q", got)
	}
	if got := RangeDash("de"); got != enDsh {
		t.Errorf("RangeDash(de) = %q", got)
	}
}

// referenceFrenchSpaces is what frenchSpaces must give: the replacer it
// stands for.
var referenceFrenchSpaces = strings.NewReplacer(
	" :", nbsp+":", " ;", nbsp+";", " !", nbsp+"!", " ?", nbsp+"?",
	"« ", "«"+nbsp, " »", nbsp+"»")

// TestFrenchSpacesAsReplacer: frenchSpaces gives what the replacer gives,
// on the mails' own texts and on every string of up to 5 signs among
// those it looks at (spaces, punctuation, guillemets, whose first UTF-8
// byte is shared with other signs) and a few others.
func TestFrenchSpacesAsReplacer(t *testing.T) {
	signs := []string{" ", ":", ";", "!", "?", "«", "»", "a", nb, "é", "\u00ab\u00bb"[:1]}
	var walk func(prefix string, n int)
	checked := 0
	walk = func(prefix string, n int) {
		if got, want := frenchSpaces(prefix), referenceFrenchSpaces.Replace(prefix); got != want {
			t.Fatalf("frenchSpaces(%q) = %q, want %q", prefix, got, want)
		}
		checked++
		if n == 0 {
			return
		}
		for _, s := range signs {
			walk(prefix+s, n-1)
		}
	}
	walk("", 5)
	for _, s := range []string{"Réservation acceptée : « Point d'équipe » ?", "Clé hôte : 483920 ; code !", "« »", " :", "« :"} {
		if got, want := frenchSpaces(s), referenceFrenchSpaces.Replace(s); got != want {
			t.Errorf("frenchSpaces(%q) = %q, want %q", s, got, want)
		}
	}
	t.Logf("%d strings checked", checked)
}

func FuzzFrenchSpaces(f *testing.F) {
	f.Add("Réservation acceptée : « Point d'équipe » ?")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := frenchSpaces(s), referenceFrenchSpaces.Replace(s); got != want {
			t.Fatalf("frenchSpaces(%q) = %q, want %q", s, got, want)
		}
	})
}
