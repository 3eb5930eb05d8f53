package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// processWorld is the example configuration with its own database and a
// booking window of booking_window_days days.
func processWorld(t *testing.T, windowDays string, replace ...string) string {
	t.Helper()
	r := append([]string{`booking_window_days = 180`, `booking_window_days = ` + windowDays,
		`dsn = "/var/lib/roomgate/roomgate.db"`, `dsn = "` + filepath.Join(t.TempDir(), "process.db") + `"`}, replace...)
	return writeConfig(t, r...)
}

// writeMail writes raw into the test's directory and returns its path.
func writeMail(t *testing.T, name string, raw []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// processOne runs `roomgate process -now now` on one file and returns its
// JSON line.
func processOne(t *testing.T, cfg, now, file string) processLine {
	t.Helper()
	out := cmd(t, 0, "process", "-config", cfg, "-outbox", t.TempDir(), "-now", now, file)
	var l processLine
	if err := json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &l); err != nil {
		t.Fatalf("process output %q: %v", out, err)
	}
	return l
}

// TestProcessExtendsSeriesFirst: `process -now T` decides as the daemon
// would at T. A weekly series without end booked at t0 (window of 30
// days) has its dates up to t0+30 days; a CANCEL of one of its dates
// beyond that, replayed at T when T's window reaches the date, frees the
// date instead of finding "no booking of this meeting to cancel".
func TestProcessExtendsSeriesFirst(t *testing.T) {
	cfg := processWorld(t, "30")
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	first := time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC) // Mondays, 10:00 Paris (11:00 from 29 March)
	req := request("open-weekly", "alice@coop.example", 0, first, first.Add(time.Hour))
	req.Stamp = t0
	raw := strings.ReplaceAll(string(req.mail()), "DTEND:", "RRULE:FREQ=WEEKLY\r\nDTEND:")
	if l := processOne(t, cfg, t0.Format(time.RFC3339), writeMail(t, "request.eml", []byte(raw))); l.Action != "accepted" {
		t.Fatalf("the series: %+v", l)
	}

	// 4 May, 09:00 UTC (11:00 Paris): 63 days after t0, beyond its window.
	date := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	listed := func(day string) []bookingLine {
		t.Helper()
		var bs []bookingLine
		out := cmd(t, 0, "bookings", "list", "-config", cfg, "-from", day, "-to", day+"T23:59:00Z", "-status", "all", "-json")
		if err := json.Unmarshal([]byte(out), &bs); err != nil {
			t.Fatalf("bookings list: %v\n%s", err, out)
		}
		return bs
	}
	if bs := listed("2026-05-04"); len(bs) != 0 {
		t.Fatalf("4 May decided at t0 already: %+v", bs)
	}
	cancel := request("open-weekly", "alice@coop.example", 1, date, date.Add(time.Hour))
	cancel.Method, cancel.Stamp = "CANCEL", t0.Add(24*time.Hour)
	raw = strings.ReplaceAll(string(cancel.mail()), "DTSTART:", "RECURRENCE-ID:20260504T090000Z\r\nDTSTART:")
	T := time.Date(2026, 4, 20, 8, 0, 0, 0, time.UTC) // its window reaches 20 May
	l := processOne(t, cfg, T.Format(time.RFC3339), writeMail(t, "cancel.eml", []byte(raw)))
	if l.Action != "cancelled" {
		t.Fatalf("the CANCEL of 4 May replayed at %s: %+v, want it cancelled", T, l)
	}
	if bs := listed("2026-05-04"); len(bs) != 1 || bs[0].Status != "cancelled" {
		t.Errorf("4 May: %+v, want its booking cancelled", bs)
	}
	if bs := listed("2026-05-18"); len(bs) != 1 || bs[0].Status != "accepted" {
		t.Errorf("18 May (reached by T's window): %+v, want it accepted", bs)
	}
	if bs := listed("2026-05-25"); len(bs) != 0 {
		t.Errorf("25 May is beyond T's window, yet decided: %+v", bs)
	}
}

// TestProcessWarnsLikeServe: with no authentication source, process logs
// the configuration's warning as serve does.
func TestProcessWarnsLikeServe(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the roomgate binary")
	}
	bin := roomgateBinary(t)
	open := processWorld(t, "180", `authserv_id = "mx.coop.example"  # trust`, `# authserv_id = ""`,
		`facilitators = ["tech@coop.example"]`, `facilitators = []`,
		`require_authentic = true`, `require_authentic = false`)
	strict := processWorld(t, "180")
	msg := filepath.Join("..", "..", "ical", "testdata", "google_single.eml")
	for _, tc := range []struct {
		cfg  string
		warn bool
	}{{open, true}, {strict, false}} {
		c := exec.Command(bin, "process", "-config", tc.cfg, "-outbox", t.TempDir(), "-now", "2026-03-01T08:00:00Z", msg)
		var stderr strings.Builder
		c.Env, c.Stderr = binEnv(t), &stderr
		if err := c.Run(); err != nil {
			t.Fatalf("process: %v\n%s", err, stderr.String())
		}
		got := strings.Contains(stderr.String(), "level=WARN") &&
			strings.Contains(stderr.String(), "configuration: mail is not required to be authentic")
		if got != tc.warn {
			t.Errorf("warning logged %v, want %v; stderr:\n%s", got, tc.warn, stderr.String())
		}
	}
}
