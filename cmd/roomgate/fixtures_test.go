package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"codeberg.org/opteos/roomgate/db/dbtest"
	"codeberg.org/opteos/roomgate/ical"
)

// TestProcessClientFixtures replays, through `roomgate process`, the
// invitations in the exact shapes each calendar client sends (see
// ical/testdata), and checks every decision and reply.
func TestProcessClientFixtures(t *testing.T) {
	driver, dsn := dbtest.New(t)
	cfgPath := writeConfig(t, `booking_window_days = 180`, `booking_window_days = 365`,
		`driver = "sqlite"`, `driver = "`+driver+`"`, `dsn = "/var/lib/roomgate/roomgate.db"`, `dsn = "`+dsn+`"`)
	outbox := t.TempDir()
	// In order: the Google single event books 1 December 10:00 Paris; the
	// Outlook one asks for the same hour in "Romance Standard Time".
	tests := []struct {
		file     string
		kind     string
		action   string
		partstat string // of the room in the reply; "" when no reply
	}{
		{"google_single.eml", "request", "accepted", "ACCEPTED"},
		{"outlook.eml", "request", "declined", "DECLINED"},
		{"google_recurring.eml", "request", "accepted", "ACCEPTED"},
		{"apple.eml", "request", "accepted", "ACCEPTED"},
		{"thunderbird.eml", "request", "accepted", "ACCEPTED"},
		{"proton.eml", "request", "declined", "DECLINED"},
		{"zoom_publish.eml", "publish", "ignored", ""},
		{"zoom_webinar.eml", "request", "ignored", ""},
	}
	args := []string{"process", "-config", cfgPath, "-outbox", outbox, "-now", "2026-03-01T08:00:00Z"}
	for _, tt := range tests {
		args = append(args, filepath.Join("..", "..", "ical", "testdata", tt.file))
	}
	var stdout, stderr bytes.Buffer
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("roomgate process exited %d: %s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != len(tests) {
		t.Fatalf("%d output lines, want %d:\n%s", len(lines), len(tests), stdout.String())
	}
	replies, counters := readOutboxMethods(t, outbox)
	for i, tt := range tests {
		var got processLine
		if err := json.Unmarshal([]byte(lines[i]), &got); err != nil {
			t.Fatalf("line %d is not JSON: %v", i, err)
		}
		if filepath.Base(got.File) != tt.file || string(got.Kind) != tt.kind || string(got.Action) != tt.action {
			t.Errorf("%s: got kind %s action %s (%s), want %s %s", tt.file, got.Kind, got.Action, got.Reason, tt.kind, tt.action)
		}
		if tt.partstat == "" {
			if _, ok := replies[got.UID]; ok {
				t.Errorf("%s: a reply was written, want none", tt.file)
			}
			continue
		}
		r, ok := replies[got.UID]
		if !ok {
			t.Errorf("%s: no reply for UID %q", tt.file, got.UID)
			continue
		}
		if ps := r.Events[0].Attendees[0].Param("PARTSTAT"); ps != tt.partstat {
			t.Errorf("%s: reply PARTSTAT %s, want %s", tt.file, ps, tt.partstat)
		}
	}
	if n := len(replies); n != 6 {
		t.Errorf("%d replies written, want 6", n)
	}
	// Outlook, declined for a taken slot, is offered the nearest free one;
	// Proton's client applies no COUNTER and gets none.
	if len(counters) != 1 {
		t.Errorf("%d counter-proposals written, want 1 (to Outlook)", len(counters))
	}
	for uid := range counters {
		if _, ok := replies[uid]; !ok {
			t.Errorf("a COUNTER for %q comes without a reply", uid)
		}
	}
}

// readOutbox parses the REPLY of every .eml file in dir, by UID.
func readOutbox(t *testing.T, dir string) map[string]*ical.Calendar {
	replies, _ := readOutboxMethods(t, dir)
	return replies
}

// readOutboxMethods parses the REPLY of every .eml file in dir, by UID,
// and the COUNTERs apart.
func readOutboxMethods(t *testing.T, dir string) (replies, counters map[string]*ical.Calendar) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	sort.Strings(files)
	out, counters := map[string]*ical.Calendar{}, map[string]*ical.Calendar{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		data, err := ical.FindCalendar(raw, 1<<20)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		cal, err := ical.Parse(data, ical.ParseOptions{})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if len(cal.Events) == 0 || len(cal.Events[0].Attendees) != 1 || (cal.Method != "REPLY" && cal.Method != "COUNTER") {
			t.Fatalf("%s: not a REPLY or COUNTER with one attendee", f)
		}
		if cal.Method == "COUNTER" {
			counters[cal.Events[0].UID] = cal
			continue
		}
		out[cal.Events[0].UID] = cal
	}
	return out, counters
}
