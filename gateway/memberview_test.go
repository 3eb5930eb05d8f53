package gateway

import (
	"slices"
	"testing"
	"time"
)

// TestRecurrenceOf: the pattern a mail names is read from the dates.
func TestRecurrenceOf(t *testing.T) {
	dates := func(first time.Time, step func(i int) time.Time, n int) []dated {
		var out []dated
		for i := range n {
			s := step(i)
			out = append(out, dated{want: want{start: s, end: s.Add(time.Hour)}})
		}
		return out
	}
	tue := pt(2026, 12, 1, 10, 0)
	weekly := func(i int) time.Time { return tue.AddDate(0, 0, 7*i) }
	tests := []struct {
		name  string
		ds    []dated
		weeks int
		days  []time.Weekday
		daily bool
		same  bool
	}{
		{"weekly across the clock change", dates(tue, weekly, 20), 1, []time.Weekday{time.Tuesday}, false, true},
		{"every other week", dates(tue, func(i int) time.Time { return tue.AddDate(0, 0, 14*i) }, 5), 2, []time.Weekday{time.Tuesday}, false, true},
		{"daily", dates(tue, func(i int) time.Time { return tue.AddDate(0, 0, i) }, 5), 0, nil, true, true},
		{"Monday and Thursday", dates(tue, func(i int) time.Time {
			return pt(2026, 11, 30, 10, 0).AddDate(0, 0, 7*(i/2)+3*(i%2))
		}, 6), 1, []time.Weekday{time.Monday, time.Thursday}, false, true},
		{"a week skipped", append(dates(tue, weekly, 2), dates(tue, func(i int) time.Time { return tue.AddDate(0, 0, 21+7*i) }, 2)...),
			0, nil, false, true},
		{"one date moved in the day", append(dates(tue, weekly, 2), dated{want: want{start: pt(2026, 12, 15, 14, 0), end: pt(2026, 12, 15, 15, 0)}}),
			1, []time.Weekday{time.Tuesday}, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := recurrenceOf(tc.ds, testParis, false)
			if r.Weeks != tc.weeks || !slices.Equal(r.Days, tc.days) || r.Daily != tc.daily || r.SameTime != tc.same || r.Dates != len(tc.ds) {
				t.Errorf("recurrenceOf = weeks %d days %v daily %v same %v dates %d; want %d %v %v %v %d",
					r.Weeks, r.Days, r.Daily, r.SameTime, r.Dates, tc.weeks, tc.days, tc.daily, tc.same, len(tc.ds))
			}
			if !r.First.Start.Equal(tc.ds[0].start) || !r.Last.Start.Equal(tc.ds[len(tc.ds)-1].start) {
				t.Errorf("span %v – %v", r.First.Start, r.Last.Start)
			}
		})
	}
	if r := recurrenceOf(dates(tue, weekly, 1), testParis, false); r != nil {
		t.Errorf("one date: %+v, want nil", r)
	}
}
