package ical

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestOccurrences(t *testing.T) {
	y2026 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	y2028 := time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		tz       string
		lines    []string
		from, to time.Time
		want     string // "start/end" pairs in UTC, space-separated
	}{
		{"paris weekly across dst end with exdates", "", []string{
			"DTSTART;TZID=Europe/Paris:20261013T100000", "DTEND;TZID=Europe/Paris:20261013T113000",
			"RRULE:FREQ=WEEKLY;WKST=MO;COUNT=6;BYDAY=TU",
			"EXDATE;TZID=Europe/Paris:20261027T100000,20261103T100000"},
			y2026, y2028,
			"2026-10-13T08:00:00Z/2026-10-13T09:30:00Z 2026-10-20T08:00:00Z/2026-10-20T09:30:00Z " +
				"2026-11-10T09:00:00Z/2026-11-10T10:30:00Z 2026-11-17T09:00:00Z/2026-11-17T10:30:00Z"},
		{"paris daily across dst start", "", []string{
			"DTSTART;TZID=Europe/Paris:20260327T100000", "DURATION:PT1H", "RRULE:FREQ=DAILY;COUNT=4"},
			y2026, y2028,
			"2026-03-27T09:00:00Z/2026-03-27T10:00:00Z 2026-03-28T09:00:00Z/2026-03-28T10:00:00Z " +
				"2026-03-29T08:00:00Z/2026-03-29T09:00:00Z 2026-03-30T08:00:00Z/2026-03-30T09:00:00Z"},
		{"new york daily across dst start", "", []string{
			"DTSTART;TZID=America/New_York:20260306T093000", "DTEND;TZID=America/New_York:20260306T103000",
			"RRULE:FREQ=DAILY;COUNT=4"},
			y2026, y2028,
			"2026-03-06T14:30:00Z/2026-03-06T15:30:00Z 2026-03-07T14:30:00Z/2026-03-07T15:30:00Z " +
				"2026-03-08T13:30:00Z/2026-03-08T14:30:00Z 2026-03-09T13:30:00Z/2026-03-09T14:30:00Z"},
		{"new york monthly across dst end", "", []string{
			"DTSTART;TZID=America/New_York:20261001T170000", "DURATION:PT30M",
			"RRULE:FREQ=MONTHLY;BYMONTHDAY=1;UNTIL=20261201T220000Z"},
			y2026, y2028,
			"2026-10-01T21:00:00Z/2026-10-01T21:30:00Z 2026-11-01T22:00:00Z/2026-11-01T22:30:00Z " +
				"2026-12-01T22:00:00Z/2026-12-01T22:30:00Z"},
		{"customized zone weekly", customVTZ, []string{
			"DTSTART;TZID=Customized Time Zone:20261020T100000", "DURATION:PT1H",
			"RRULE:FREQ=WEEKLY;UNTIL=20261103T090000Z"},
			y2026, y2028,
			"2026-10-20T08:00:00Z/2026-10-20T09:00:00Z 2026-10-27T09:00:00Z/2026-10-27T10:00:00Z " +
				"2026-11-03T09:00:00Z/2026-11-03T10:00:00Z"},
		{"rdate and exdate lists", "", []string{
			"DTSTART:20260105T100000Z", "DTEND:20260105T110000Z",
			"RRULE:FREQ=WEEKLY;UNTIL=20260202T100000Z",
			"RDATE:20260107T150000Z,20260108T150000Z", "RDATE;VALUE=PERIOD:20260110T100000Z/PT2H",
			"EXDATE:20260112T100000Z,20260119T100000Z", "EXDATE:20260108T150000Z"},
			y2026, y2028,
			"2026-01-05T10:00:00Z/2026-01-05T11:00:00Z 2026-01-07T15:00:00Z/2026-01-07T16:00:00Z " +
				"2026-01-10T10:00:00Z/2026-01-10T11:00:00Z 2026-01-26T10:00:00Z/2026-01-26T11:00:00Z " +
				"2026-02-02T10:00:00Z/2026-02-02T11:00:00Z"},
		{"rdate only", "", []string{
			"DTSTART;TZID=Europe/Paris:20260601T100000", "DURATION:PT1H",
			"RDATE;TZID=Europe/Paris:20260603T140000"},
			y2026, y2028,
			"2026-06-01T08:00:00Z/2026-06-01T09:00:00Z 2026-06-03T12:00:00Z/2026-06-03T13:00:00Z"},
		{"all day yearly across dst", "", []string{
			"DTSTART;VALUE=DATE:20260329", "RRULE:FREQ=YEARLY;COUNT=2"},
			y2026, y2028,
			"2026-03-28T23:00:00Z/2026-03-29T22:00:00Z 2027-03-28T22:00:00Z/2027-03-29T22:00:00Z"},
		{"window overlap", "", []string{
			"DTSTART:20260101T100000Z", "DURATION:PT1H", "RRULE:FREQ=DAILY"},
			time.Date(2026, 1, 3, 10, 30, 0, 0, time.UTC), time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC),
			"2026-01-03T10:00:00Z/2026-01-03T11:00:00Z 2026-01-04T10:00:00Z/2026-01-04T11:00:00Z"},
		{"rule that never matches", "", []string{
			"DTSTART:20260201T100000Z", "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"},
			y2026, y2028,
			"2026-02-01T10:00:00Z/2026-02-01T10:00:00Z"},
		{"lower-case rule with x-part", "", []string{
			"DTSTART:20260201T100000Z", "RRULE:freq=daily;count=2;X-FOO=1;"},
			y2026, y2028,
			"2026-02-01T10:00:00Z/2026-02-01T10:00:00Z 2026-02-02T10:00:00Z/2026-02-02T10:00:00Z"},
		{"single event", "", []string{"DTSTART:20300101T100000Z", "DURATION:PT1H"},
			y2026, y2028,
			"2030-01-01T10:00:00Z/2030-01-01T11:00:00Z"},
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cal, err := Parse(vcal(tt.tz, append([]string{"UID:r"}, tt.lines...)...), ParseOptions{Location: paris})
			if err != nil {
				t.Fatal(err)
			}
			occ, err := cal.Events[0].Occurrences(tt.from, tt.to, 100)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range occ {
				got = append(got, o.Start.Format(time.RFC3339)+"/"+o.End.Format(time.RFC3339))
				if cal.Events[0].IsRecurring() && !o.RecurrenceID.Equal(o.Start) {
					t.Errorf("RecurrenceID %v != Start %v", o.RecurrenceID, o.Start)
				}
			}
			if s := strings.Join(got, " "); s != tt.want {
				t.Errorf("occurrences:\n got %s\nwant %s", s, tt.want)
			}
		})
	}
}

func TestOccurrencesLimits(t *testing.T) {
	y2026 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		lines []string
		max   int
		want  string
	}{
		{"secondly huge count", []string{"DTSTART:20260101T000000Z", "RRULE:FREQ=SECONDLY;COUNT=1000000000"}, 100,
			"ical: too many occurrences: more than 100 between 2026-01-01T00:00:00Z 2027-01-01T00:00:00Z"},
		{"secondly from long ago", []string{"DTSTART:20000101T000000Z", "RRULE:FREQ=SECONDLY"}, 100,
			`ical: too many occurrences: RRULE "FREQ=SECONDLY" too costly to expand`},
		{"huge time set", []string{"DTSTART:20260101T000000Z", "RRULE:FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12;BYMINUTE=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59;BYSECOND=0,30"}, 100,
			"ical: too many occurrences: RRULE \"FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12;BYMINUTE=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59;BYSECOND=0,30\" has 1560 times a day"},
		{"weekly over max", []string{"DTSTART:20260105T100000Z", "RRULE:FREQ=WEEKLY"}, 51,
			"ical: too many occurrences: more than 51 between 2026-01-01T00:00:00Z 2027-01-01T00:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cal, err := Parse(vcal("", append([]string{"UID:r"}, tt.lines...)...), ParseOptions{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = cal.Events[0].Occurrences(y2026, y2026.AddDate(1, 0, 0), tt.max)
			if !errors.Is(err, ErrTooManyOccurrences) {
				t.Fatalf("error %v is not ErrTooManyOccurrences", err)
			}
			if err.Error() != strings.Replace(tt.want, "Z 2027", "Z and 2027", 1) {
				t.Errorf("error = %q, want %q", err, tt.want)
			}
		})
	}
}

// BenchmarkPathologicalRRULE measures how fast, and in how little memory,
// expansion gives up on rules that would produce too many dates
// (go test -run '^$' -bench PathologicalRRULE -benchmem ./ical).
func BenchmarkPathologicalRRULE(b *testing.B) {
	y2026 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ name, dtstart, rule string }{
		{"secondly-huge-count", "DTSTART:20260101T000000Z", "RRULE:FREQ=SECONDLY;COUNT=1000000000"},
		{"secondly-from-2000", "DTSTART:20000101T000000Z", "RRULE:FREQ=SECONDLY"},
		{"minutely-no-end", "DTSTART:20260101T000000Z", "RRULE:FREQ=MINUTELY"},
		{"never-matches", "DTSTART:20260101T000000Z", "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			cal, err := Parse(vcal("", "UID:r", tc.dtstart, tc.rule), ParseOptions{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				cal.Events[0].Occurrences(y2026, y2026.AddDate(1, 0, 0), 500)
			}
		})
	}
}
