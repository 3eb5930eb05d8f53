package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Under systemd, the secrets come from $CREDENTIALS_DIRECTORY, not from
// the default directory written after ":-".
func TestSecretsFromCredentials(t *testing.T) {
	path := writeConfig(t)
	creds := t.TempDir()
	for f, v := range map[string]string{"imap_password": "from-systemd", "smtp_password": "smtp-systemd", "host_key": "777777"} {
		if err := os.WriteFile(filepath.Join(creds, f), []byte(v+"\n"), 0o400); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("CREDENTIALS_DIRECTORY", creds)
	c, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.IMAP.Password != "from-systemd" || c.SMTP.Password != "smtp-systemd" || c.Account.HostKey != "777777" {
		t.Errorf("secrets %q %q %q, want those of $CREDENTIALS_DIRECTORY", c.IMAP.Password, c.SMTP.Password, c.Account.HostKey)
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"30d", 30 * 24 * time.Hour, true},
		{"0d", 0, true},
		{"36h", 36 * time.Hour, true},
		{"0", 0, true},
		{"1.5d", 0, false},
		{"-1d", 0, false},
		{"d", 0, false},
		{"99999d", 0, false},
	}
	for _, tt := range tests {
		got, err := parseDuration(tt.in)
		if (err == nil) != tt.ok || (tt.ok && got != tt.want) {
			t.Errorf("parseDuration(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
