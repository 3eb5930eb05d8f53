package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/db"
)

// What the database keeps about decisions holds no secret: the audit log
// and the outbox's errors never show the host key, a room's passcode or
// join link, a Zoom sign-in code or the webhook URL, though the mails sent
// carry some of them.
func TestAuditHoldsNoSecret(t *testing.T) {
	dir := t.TempDir()
	dsn := filepath.Join(dir, "roomgate.db")
	secrets := []string{"483920", "pass-SECRET-7", "pwd=JOIN-SECRET", "771122", "hooks/s3cr3t"}
	cfg := writeConfig(t, `dsn = "/var/lib/roomgate/roomgate.db"`, `dsn = "`+dsn+`"`,
		`passcode = "…"`, `passcode = "pass-SECRET-7"`,
		`join_url = "https://zoom.us/j/81234567890?pwd=…"`, `join_url = "https://zoom.us/j/81234567890?pwd=JOIN-SECRET"`,
		`webhook_url_file = ""`, `webhook_url = "https://chat.coop.example/hooks/s3cr3t"`,
		`booking_window_days = 180`, `booking_window_days = 365`)
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC) // the invitation is for 1 December
	code := filepath.Join(dir, "code.eml")
	// The fixture names its Message-ID after the code; Zoom's do not.
	raw := bytes.Replace(zoomCodeMail("771122", now.Add(-time.Minute)), []byte(".771122@zoom.us>"), []byte(".m1@zoom.us>"), 1)
	if err := os.WriteFile(code, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	cmd(t, 0, "process", "-config", cfg, "-outbox", out, "-now", now.Format(time.RFC3339),
		filepath.Join("..", "..", "ical", "testdata", "google_single.eml"), code)
	sent := readAll(t, out)
	for _, s := range []string{"483920", "pass-SECRET-7", "771122"} {
		if !strings.Contains(sent, s) {
			t.Fatalf("the mails sent lack %q: the test would prove nothing", s)
		}
	}
	store, err := db.Open(context.Background(), db.Options{Driver: "sqlite", DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	audit, err := store.ListAudit(context.Background(), time.Time{}, 0)
	if err != nil || len(audit) < 2 {
		t.Fatalf("audit: %d entries, %v", len(audit), err)
	}
	mails, err := store.ListOutbox(context.Background(), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	var kept strings.Builder
	for _, e := range audit {
		fmt.Fprintf(&kept, "%+v\n", e)
	}
	for _, m := range mails {
		fmt.Fprintf(&kept, "%s %s %s %v\n", m.LastError, m.MessageKey, m.UID, m.To)
	}
	for _, s := range secrets {
		if strings.Contains(kept.String(), s) {
			t.Errorf("the audit log or the outbox metadata holds the secret %q:\n%s", s, kept.String())
		}
	}
}

// readAll concatenates the files of a directory.
func readAll(t *testing.T, dir string) string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, n := range names {
		raw, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(raw)
	}
	return b.String()
}
