package mailbox

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestDirSender writes mails as numbered .eml files, continuing after the
// files already there.
func TestDirSender(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "0007-old@example.org.eml"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	d := NewDirSender(dir)
	mails := []struct {
		to   []string
		raw  []byte
		file string
	}{
		{[]string{"Alice@Example.org", "bob@example.org"}, []byte("first\r\n"), "0008-alice@example.org.eml"},
		{[]string{"../../etc/passwd"}, []byte("second\r\n"), "0009-_.._etc_passwd.eml"},
		{[]string{"Zoë <z@example.org>"}, []byte("third\r\n"), "0010-zo___z@example.org_.eml"},
		{nil, []byte("fourth\r\n"), "0011-mail.eml"},
	}
	for _, m := range mails {
		if err := d.Send(context.Background(), "room@example.org", m.to, m.raw); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{"0007-old@example.org.eml"}
	for _, m := range mails {
		want = append(want, m.file)
	}
	if !slices.Equal(names, want) {
		t.Fatalf("files = %q, want %q", names, want)
	}
	for _, m := range mails {
		got, err := os.ReadFile(filepath.Join(dir, m.file))
		if err != nil || !bytes.Equal(got, m.raw) {
			t.Fatalf("%s = %q, %v; want %q", m.file, got, err, m.raw)
		}
	}
}

// TestDirSenderCreatesDir creates a missing directory.
func TestDirSenderCreatesDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	if err := NewDirSender(dir).Send(context.Background(), "f@example.org", []string{"t@example.org"}, []byte("x")); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "0001-t@example.org.eml")); err != nil {
		t.Fatal(err)
	}
}
