package ical

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// seeds returns the testdata messages and their calendars.
func seeds(f *testing.F) (msgs, cals [][]byte) {
	files, _ := filepath.Glob("testdata/*.eml")
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		msgs = append(msgs, raw)
		if c, err := FindCalendar(raw, 0); err == nil {
			cals = append(cals, c)
		}
	}
	if c, err := os.ReadFile("testdata/outlook_custom_tz.ics"); err == nil {
		cals = append(cals, c)
	}
	return msgs, cals
}

func FuzzParse(f *testing.F) {
	_, cals := seeds(f)
	for _, c := range cals {
		f.Add(c)
	}
	f.Add(vcal(customVTZ, "UID:a", "DTSTART;TZID=Customized Time Zone:20260329T023000", "RRULE:FREQ=DAILY;COUNT=3", "RDATE:20260401T100000Z"))
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		cal, err := Parse(data, ParseOptions{})
		if err != nil {
			return
		}
		var items []ReplyItem
		for _, e := range cal.Events {
			if e.End.Before(e.Start) {
				t.Errorf("End %v before Start %v", e.End, e.Start)
			}
			_, _ = e.Occurrences(from, from.AddDate(1, 0, 0), 50)
			if len(e.Attendees) > 0 {
				items = append(items, ReplyItem{Event: e, Attendee: e.Attendees[0], PartStat: "ACCEPTED",
					RecurrenceID: e.RecurrenceIDFor(e.Start)})
			}
		}
		out := BuildReply(cal, items, from, "-//fuzz//EN")
		if _, err := Parse(out, ParseOptions{}); err != nil && len(items) > 0 {
			t.Errorf("reply does not parse: %v\n%s", err, out)
		}
	})
}

func FuzzFindCalendar(f *testing.F) {
	msgs, _ := seeds(f)
	for _, m := range msgs {
		f.Add(m)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		c, err := FindCalendar(raw, 1<<16)
		if err == nil && len(c) > 1<<16 {
			t.Errorf("calendar of %d octets over the limit", len(c))
		}
	})
}
