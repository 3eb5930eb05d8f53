package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const googleUID = "3k1v0b7q9e2r5t8y1u4i6o9p2a@google.com"

// operatorWorld is a configured database holding the Google fixture's
// booking (1 December 2026, 10:00 Paris), decided through `process`.
func operatorWorld(t *testing.T) string {
	t.Helper()
	cfg := writeConfig(t, `booking_window_days = 180`, `booking_window_days = 365`,
		`dsn = "/var/lib/roomgate/roomgate.db"`, `dsn = "`+filepath.Join(t.TempDir(), "operator.db")+`"`)
	cmd(t, 0, "process", "-config", cfg, "-outbox", t.TempDir(), "-now", "2026-03-01T08:00:00Z",
		filepath.Join("..", "..", "ical", "testdata", "google_single.eml"))
	return cfg
}

// cmd runs roomgate with args, checks the exit status and returns stdout.
func cmd(t *testing.T, code int, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if got := run(args, &stdout, &stderr); got != code {
		t.Fatalf("roomgate %s exited %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), got, code, stdout.String(), stderr.String())
	}
	return stdout.String() + stderr.String()
}

func TestBookingsListAndCancel(t *testing.T) {
	cfg := operatorWorld(t)
	var listed []bookingLine
	out := cmd(t, 0, "bookings", "list", "-config", cfg, "-from", "2026-12-01", "-to", "2026-12-02", "-json")
	if err := json.Unmarshal([]byte(out), &listed); err != nil {
		t.Fatalf("bookings list -json: %v\n%s", err, out)
	}
	if len(listed) != 1 || listed[0].UID != googleUID || listed[0].Status != "accepted" ||
		listed[0].Start.Format("2006-01-02T15:04Z07:00") != "2026-12-01T09:00Z" {
		t.Fatalf("listed %+v", listed)
	}
	id := strconv.FormatInt(listed[0].ID, 10)
	table := cmd(t, 0, "bookings", "list", "-config", cfg, "-from", "2026-12-01", "-to", "2026-12-02")
	wantLines(t, table, "ID  START                 END    STATUS    ROOM", id+"   2026-12-01 10:00 CET  11:00  accepted  zoom@coop.example")
	wantLines(t, cmd(t, 0, "bookings", "list", "-config", cfg, "-from", "2026-12-02", "-to", "2026-12-03", "-json"), "[]")

	dir := t.TempDir()
	out = cmd(t, 0, "bookings", "cancel", "-config", cfg, "-outbox", dir, "-reason", "assemblée générale", id)
	wantLines(t, out, "booking "+id+" cancelled:")
	replies := readOutbox(t, dir)
	ev := replies[googleUID].Events[0]
	if ps := ev.Attendees[0].Param("PARTSTAT"); ps != "DECLINED" || ev.Attendees[0].Address() != "zoom@coop.example" {
		t.Errorf("REPLY attendee %s %s", ev.Attendees[0].Address(), ps)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	raw, _ := os.ReadFile(files[0])
	if !strings.Contains(string(raw), "To: ") || strings.Contains(string(raw), "483920") {
		t.Errorf("cancel mail shows the host key or lacks To:\n%s", raw)
	}

	wantLines(t, cmd(t, 0, "bookings", "list", "-config", cfg, "-from", "2026-12-01", "-to", "2026-12-02", "-json"), "[]")
	wantLines(t, cmd(t, 0, "bookings", "list", "-config", cfg, "-from", "2026-12-01", "-to", "2026-12-02", "-status", "all"), "cancelled")
	wantLines(t, cmd(t, 1, "bookings", "cancel", "-config", cfg, "-outbox", dir, id), "is cancelled: booking is not accepted")
	wantLines(t, cmd(t, 1, "bookings", "cancel", "-config", cfg, "-outbox", dir, "999"), "booking 999: no such booking")
	wantLines(t, cmd(t, 1, "bookings", "cancel", "-config", cfg, "abc"), `"abc" is not a booking ID`)
}

func TestAuditCommand(t *testing.T) {
	cfg := operatorWorld(t)
	var entries []auditLine
	out := cmd(t, 0, "audit", "-config", cfg, "-since", "8760h", "-json")
	if err := json.Unmarshal([]byte(out), &entries); err != nil {
		t.Fatalf("audit -json: %v\n%s", err, out)
	}
	if len(entries) != 1 || entries[0].Action != "accepted" || entries[0].UID != googleUID || entries[0].Start == nil {
		t.Fatalf("entries %+v", entries)
	}
	table := cmd(t, 0, "audit", "-config", cfg, "-since", "8760h")
	wantLines(t, table, "TIME  ", "request  accepted  ", "the account is free")
	wantLines(t, cmd(t, 0, "audit", "-config", cfg, "-since", "8760h", "-action", "rejected", "-json"), "[]")
	wantLines(t, cmd(t, 1, "audit", "-config", cfg, "-since", "soon"), "invalid value")
}

func TestOutboxCommands(t *testing.T) {
	cfg := operatorWorld(t)
	var mails []outboxLine
	out := cmd(t, 0, "outbox", "list", "-config", cfg, "-json")
	if err := json.Unmarshal([]byte(out), &mails); err != nil {
		t.Fatalf("outbox list -json: %v\n%s", err, out)
	}
	if len(mails) != 1 || mails[0].Status != "sent" || mails[0].UID != googleUID || mails[0].Attempts != 1 ||
		!strings.Contains(mails[0].Subject, "Conseil d'administration") {
		t.Fatalf("mails %+v", mails)
	}
	if strings.Contains(out, "raw") || strings.Contains(out, "483920") {
		t.Errorf("outbox list shows the mail's bytes:\n%s", out)
	}
	wantLines(t, cmd(t, 0, "outbox", "list", "-config", cfg), "ID  CREATED", "SUBJECT", "sent", "Salle réservée")
	wantLines(t, cmd(t, 0, "outbox", "retry", "-config", cfg), "0 mail(s) due now")
	id := strconv.FormatInt(mails[0].ID, 10)
	wantLines(t, cmd(t, 0, "outbox", "retry", "-config", cfg, id), "mail "+id+": already sent, on 2026-")
	wantLines(t, cmd(t, 1, "outbox", "retry", "-config", cfg, id, "999"), "mail "+id+": already sent",
		"mail 999: unknown: no mail has this ID", "unknown outbox ID(s): 999")
	wantLines(t, cmd(t, 1, "outbox", "retry", "-config", cfg, "x"), `"x" is not an outbox ID`)
	wantLines(t, cmd(t, 1, "outbox", "nope"), `unknown action "nope"`)
	wantLines(t, cmd(t, 0, "outbox", "-h"), "Actions:", "retry")
}

func TestClean(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"plain", 10, "plain"},
		{"two\nlines\x1b[31m", 20, "two lines [31m"},
		{"abcdefghij", 5, "abcd…"},
		{"bad\xffutf8", 20, "bad\uFFFDutf8"},
	}
	for _, tt := range tests {
		if got := clean(tt.in, tt.max); got != tt.want {
			t.Errorf("clean(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

// wantLines fails unless out contains every string.
func wantLines(t *testing.T, out string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
}

// TestRestoreWarns: a restore says that the bookings made after the
// backup are lost while members' calendars still show them, and counts
// them.
func TestRestoreWarns(t *testing.T) {
	cfg := operatorWorld(t) // SQLite, whatever ROOMGATE_TEST_BACKEND says
	backup := filepath.Join(t.TempDir(), "b.db")
	cmd(t, 0, "backup", "-config", cfg, backup)
	cmd(t, 0, "process", "-config", cfg, "-outbox", t.TempDir(), "-now", "2026-03-01T08:00:00Z",
		filepath.Join("..", "..", "ical", "testdata", "apple.eml"))
	out := cmd(t, 0, "restore", "-config", cfg, backup)
	wantLines(t, out, "WARNING: the bookings made after this backup are lost (the replaced database held 1 more)",
		"members' calendars still", "send their invitation again")
}
