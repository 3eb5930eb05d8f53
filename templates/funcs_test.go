package templates

import (
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

func paris(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Paris")
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
		{"fr", "mardi 1 décembre 2026"},
		{"en", "Tuesday 1 December 2026"},
	}
	for _, tt := range tests {
		if got := locales[tt.lang].date(tm); got != tt.date {
			t.Errorf("%s date = %q, want %q", tt.lang, got, tt.date)
		}
	}
	if got := locales["fr"].date(time.Date(2027, 8, 15, 0, 0, 0, 0, time.UTC)); got != "dimanche 15 août 2027" {
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
	tests := []struct {
		name   string
		slot   gateway.Slot
		fr, en string
	}{
		{"same day", gateway.Slot{Start: at(1, 10, 0), End: at(1, 11, 0)},
			"mardi 1 décembre 2026, 10:00–11:00", "Tuesday 1 December 2026, 10:00–11:00"},
		{"ends at midnight", gateway.Slot{Start: at(1, 20, 0), End: at(2, 0, 0)},
			"mardi 1 décembre 2026, 20:00–24:00", "Tuesday 1 December 2026, 20:00–24:00"},
		{"spans days", gateway.Slot{Start: at(1, 22, 0), End: at(2, 1, 30)},
			"mardi 1 décembre 2026, 22:00 – mercredi 2 décembre 2026, 01:30",
			"Tuesday 1 December 2026, 22:00 – Wednesday 2 December 2026, 01:30"},
		{"zero end", gateway.Slot{Start: at(1, 10, 0)},
			"mardi 1 décembre 2026, 10:00", "Tuesday 1 December 2026, 10:00"},
		{"end before start", gateway.Slot{Start: at(1, 11, 0), End: at(1, 10, 0)},
			"mardi 1 décembre 2026, 11:00–10:00", "Tuesday 1 December 2026, 11:00–10:00"},
		{"end in another zone", gateway.Slot{Start: at(1, 10, 0), End: at(1, 11, 0).UTC()},
			"mardi 1 décembre 2026, 10:00–11:00", "Tuesday 1 December 2026, 10:00–11:00"},
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
	tests := []struct {
		d      time.Duration
		fr, en string
	}{
		{8 * time.Hour, "8 h", "8 h"},
		{90 * time.Minute, "1 h 30", "1 h 30 min"},
		{65 * time.Minute, "1 h 05", "1 h 5 min"},
		{45 * time.Minute, "45 min", "45 min"},
		{30 * time.Hour, "30 h", "30 h"},
		{0, "0 min", "0 min"},
		{59*time.Minute + 40*time.Second, "1 h", "1 h"},
		{-90 * time.Minute, "-1 h 30", "-1 h 30 min"},
	}
	for _, tt := range tests {
		if got := locales["fr"].duration(tt.d); got != tt.fr {
			t.Errorf("fr duration(%v) = %q, want %q", tt.d, got, tt.fr)
		}
		if got := locales["en"].duration(tt.d); got != tt.en {
			t.Errorf("en duration(%v) = %q, want %q", tt.d, got, tt.en)
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
		if got := locales["fr"].plural(tt.n, "jour", "jours"); got != tt.fr {
			t.Errorf("fr plural(%d) = %q, want %q", tt.n, got, tt.fr)
		}
		if got := locales["en"].plural(tt.n, "day", "days"); got != tt.en {
			t.Errorf("en plural(%d) = %q, want %q", tt.n, got, tt.en)
		}
	}
}
