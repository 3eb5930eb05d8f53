package ical

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestVTimezoneParis(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	got := VTimezone(loc, time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), time.Date(2027, 5, 30, 0, 0, 0, 0, time.UTC))
	want := "BEGIN:VTIMEZONE\r\n" +
		"TZID:Europe/Paris\r\n" +
		"BEGIN:DAYLIGHT\r\n" +
		"DTSTART:20260329T020000\r\n" +
		"RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n" +
		"TZOFFSETFROM:+0100\r\n" +
		"TZOFFSETTO:+0200\r\n" +
		"TZNAME:CEST\r\n" +
		"END:DAYLIGHT\r\n" +
		"BEGIN:STANDARD\r\n" +
		"DTSTART:20261025T030000\r\n" +
		"RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n" +
		"TZOFFSETFROM:+0200\r\n" +
		"TZOFFSETTO:+0100\r\n" +
		"TZNAME:CET\r\n" +
		"END:STANDARD\r\n" +
		"END:VTIMEZONE\r\n"
	if got != want {
		t.Errorf("VTimezone(Europe/Paris) =\n%s\nwant\n%s", got, want)
	}
}

// TestVTimezoneRoundTrip resolves local times through the generated
// VTIMEZONE alone (under a TZID no library knows) and compares them with
// Go's own zone data.
func TestVTimezoneRoundTrip(t *testing.T) {
	zones := []string{"Europe/Paris", "America/New_York", "Australia/Sydney", "Australia/Lord_Howe",
		"Asia/Kolkata", "America/Sao_Paulo", "UTC"}
	from, to := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 12, 31, 0, 0, 0, 0, time.UTC)
	for _, name := range zones {
		t.Run(name, func(t *testing.T) {
			loc, err := time.LoadLocation(name)
			if err != nil {
				t.Fatal(err)
			}
			vtz := strings.Replace(VTimezone(loc, from, to), "TZID:"+name, "TZID:Nowhere Standard", 1)
			for d := from; d.Before(to); d = d.AddDate(0, 0, 9) {
				local := time.Date(d.Year(), d.Month(), d.Day(), 12, 30, 0, 0, loc)
				cal := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + vtz + "BEGIN:VEVENT\r\nUID:x\r\n" +
					fmt.Sprintf("DTSTART;TZID=Nowhere Standard:%s\r\n", local.Format(localLayout)) +
					"END:VEVENT\r\nEND:VCALENDAR\r\n"
				c, err := Parse([]byte(cal), ParseOptions{})
				if err != nil {
					t.Fatalf("Parse: %v\n%s", err, cal)
				}
				if got := c.Events[0].Start; !got.Equal(local) {
					t.Fatalf("%s resolved to %s, want %s\n%s", local.Format(localLayout), got, local.UTC(), vtz)
				}
			}
		})
	}
}

func TestVTimezoneNoChanges(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Kolkata")
	got := VTimezone(loc, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	for _, want := range []string{"BEGIN:STANDARD\r\nDTSTART:19700101T053000\r\n", "TZOFFSETFROM:+0530\r\nTZOFFSETTO:+0530\r\n", "TZNAME:IST\r\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("VTimezone(Asia/Kolkata) lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "DAYLIGHT") || strings.Contains(got, "RRULE") {
		t.Errorf("VTimezone(Asia/Kolkata) has rules:\n%s", got)
	}
}

func TestFormatOffset(t *testing.T) {
	tests := []struct {
		secs int
		want string
	}{{3600, "+0100"}, {-18000, "-0500"}, {19800, "+0530"}, {0, "+0000"}, {561, "+000921"}}
	for _, tt := range tests {
		if got := formatOffset(tt.secs); got != tt.want {
			t.Errorf("formatOffset(%d) = %q, want %q", tt.secs, got, tt.want)
		}
	}
}

// bisectTransitions is the reference for transitions: it probes the
// offset every hour and bisects each change to the second.
func bisectTransitions(loc *time.Location, lo, hi time.Time) []transition {
	var out []transition
	_, prev := lo.In(loc).Zone()
	for t := lo; t.Before(hi); t = t.Add(time.Hour) {
		next := t.Add(time.Hour)
		if !next.Before(hi) {
			next = hi.Add(-time.Nanosecond)
		}
		name, off := next.In(loc).Zone()
		if off == prev {
			continue
		}
		a, z := t, next
		for z.Sub(a) > time.Second {
			mid := a.Add(z.Sub(a) / 2).Truncate(time.Second)
			if _, o := mid.In(loc).Zone(); o == prev {
				a = mid
			} else {
				z = mid
			}
		}
		out = append(out, transition{at: z, from: prev, to: off, name: name, dst: z.In(loc).IsDST()})
		prev = off
	}
	return out
}

// TestTransitionsMatchProbing: the transitions read from the zone table
// are those found by probing every hour, for zones with half-hour
// changes, several changes a year, and none.
func TestTransitionsMatchProbing(t *testing.T) {
	zones := []string{"Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Africa/Casablanca",
		"America/Sao_Paulo", "Pacific/Apia", "Asia/Tehran", "Asia/Kolkata", "UTC", "Europe/Moscow"}
	for _, name := range zones {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Skipf("zone %s: %v", name, err)
		}
		for _, r := range [][2]time.Time{
			{time.Date(2025, 11, 30, 7, 0, 0, 0, time.UTC), time.Date(2027, 12, 1, 7, 0, 0, 0, time.UTC)},
			{time.Date(2010, 3, 28, 0, 30, 0, 0, time.UTC), time.Date(2013, 10, 27, 1, 0, 0, 0, time.UTC)},
			{time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)},
		} {
			got, want := transitions(loc, r[0], r[1]), bisectTransitions(loc, r[0], r[1])
			if len(got) != len(want) {
				t.Errorf("%s %v–%v: %d transitions, want %d:\n got %v\nwant %v", name, r[0], r[1], len(got), len(want), got, want)
				continue
			}
			for i := range got {
				if !got[i].at.Equal(want[i].at) || got[i].from != want[i].from || got[i].to != want[i].to ||
					got[i].name != want[i].name || got[i].dst != want[i].dst {
					t.Errorf("%s: transition %d = %+v, want %+v", name, i, got[i], want[i])
				}
			}
		}
	}
}
