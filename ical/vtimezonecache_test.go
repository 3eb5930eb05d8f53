package ical

import (
	"strings"
	"testing"
	"time"
)

// vtimezoneUncached is vtimezoneNamed as it was before its cache: the
// reference of TestVTimezoneCache.
func vtimezoneUncached(loc *time.Location, tzid string, from, to time.Time) string {
	lo, hi := from.AddDate(-1, 0, 0), to.AddDate(1, 0, 0)
	ts := transitions(loc, lo, hi)
	var b strings.Builder
	b.WriteString("BEGIN:VTIMEZONE\r\n")
	b.WriteString(FoldLine("TZID:" + escapeText(tzid)))
	if len(ts) == 0 {
		name, off := lo.In(loc).Zone()
		writeObservance(&b, []transition{{at: time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), from: off, to: off, name: name}}, false, hi)
	}
	for _, group := range groupTransitions(ts) {
		writeObservance(&b, group, true, hi)
	}
	b.WriteString("END:VTIMEZONE\r\n")
	return b.String()
}

// TestVTimezoneCache: with its cache, vtimezoneNamed writes what it wrote
// without, for zones with yearly, irregular and no changes, meetings from
// 1995 to 2045 (every change of rule inside a reply's range), ranges of a
// day to three years, and TZIDs that differ for one zone; the cache is
// used, and starts again when full.
func TestVTimezoneCache(t *testing.T) {
	vtimezones.mu.Lock()
	clear(vtimezones.m)
	vtimezones.mu.Unlock()
	zones := []string{"Europe/Paris", "America/New_York", "Australia/Sydney", "America/Sao_Paulo", "Europe/Moscow",
		"Africa/Casablanca", "Asia/Tehran", "Pacific/Apia", "Asia/Kolkata", "UTC", "Europe/Dublin", "America/Santiago", "Africa/Lagos", "Etc/GMT-1"}
	hits := 0
	for _, name := range zones {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, tzid := range []string{name, "W. Europe Standard Time"} {
			for day := time.Date(1995, 1, 1, 10, 0, 0, 0, loc); day.Year() < 2045; day = day.AddDate(0, 0, 23) {
				for _, span := range []time.Duration{time.Hour, 400 * 24 * time.Hour, 3 * 365 * 24 * time.Hour} {
					want := vtimezoneUncached(loc, tzid, day, day.Add(span))
					_, cached := vtimezones.get(vtimezoneKey(tzid, transitions(loc, day.AddDate(-1, 0, 0), day.Add(span).AddDate(1, 0, 0)), transition{}, day.Add(span).AddDate(1, 0, 0)))
					if got := vtimezoneNamed(loc, tzid, day, day.Add(span)); got != want {
						t.Fatalf("%s as %q, %v + %v (cached %v):\n%s\nwant\n%s", name, tzid, day, span, cached, got, want)
					}
					if cached {
						hits++
					}
				}
			}
		}
	}
	if hits == 0 {
		t.Error("the cache was never used")
	}
	vtimezones.mu.Lock()
	if n := len(vtimezones.m); n > vtimezonesMax {
		t.Errorf("%d texts cached, more than %d", n, vtimezonesMax)
	}
	vtimezones.mu.Unlock()
	t.Logf("%d hits", hits)
}
