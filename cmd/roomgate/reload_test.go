package main

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"strings"
	"syscall"
	"testing"

	"codeberg.org/opteos/roomgate/mailbox/mailtest"
)

// TestReloadKeepsWorkingIMAP: a SIGHUP whose configuration is valid but
// whose IMAP password is wrong is refused: the running daemon is neither
// stopped nor cancelled; a later SIGTERM stops it as usual.
func TestReloadKeepsWorkingIMAP(t *testing.T) {
	path := writeConfig(t)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	done := make(chan error, 1)
	cancelled := 0
	cancel := func() { cancelled++; done <- nil }
	stop, hup := make(chan os.Signal, 1), make(chan os.Signal, 2)
	probed := 0
	probe := func(*Config) error {
		probed++
		if probed == 1 {
			hup <- syscall.SIGHUP // the second SIGHUP comes once the first is refused
			return errors.New("imap: login: authentication failed")
		}
		stop <- syscall.SIGTERM
		return errors.New("imap: login: authentication failed")
	}
	hup <- syscall.SIGHUP
	next, err := waitReload(log, path, done, cancel, stop, hup, probe)
	if next != nil || err != nil {
		t.Fatalf("waitReload = %v, %v; want the SIGTERM's stop", next, err)
	}
	if probed != 2 || cancelled != 1 {
		t.Errorf("probed %d times, cancelled %d times; want 2 and 1 (by SIGTERM only)", probed, cancelled)
	}
	if got := strings.Count(logs.String(), "cannot log in to IMAP; the running configuration stays"); got != 2 {
		t.Errorf("%d refusals logged, want 2:\n%s", got, logs.String())
	}
	if strings.Contains(logs.String(), "reloading the configuration") {
		t.Errorf("a refused reload was applied:\n%s", logs.String())
	}
}

// TestReloadProbe: the probe logs in with the new configuration's IMAP
// settings, and fails with a wrong password.
func TestReloadProbe(t *testing.T) {
	srv := mailtest.NewIMAPServer(t, "zoom@coop.example", "pw")
	cfg := testConfig(t, srv, mailtest.NewSMTPSink(t))
	log := slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))
	if err := reloadProbe(cfg, log); err != nil {
		t.Fatalf("the right password: %v", err)
	}
	cfg.IMAP.Password = "wrong"
	if err := reloadProbe(cfg, log); err == nil {
		t.Error("a wrong password passed the probe")
	} else if strings.Contains(err.Error(), "wrong") {
		t.Errorf("the error shows the password: %v", err)
	}
}
