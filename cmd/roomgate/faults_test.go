package main

import (
	"os"
	"os/exec"
	"testing"
	"time"

	"roomgate/mailbox/mailtest"
)

// dovecotCtl returns the script that starts and stops the project's
// Dovecot (.ci/run exports it), or skips the test.
func dovecotCtl(t *testing.T) string {
	t.Helper()
	ctl := os.Getenv("ROOMGATE_TEST_DOVECOT_CTL")
	if ctl != "" {
		return ctl
	}
	const msg = "Dovecot fault tests skipped: set ROOMGATE_TEST_DOVECOT_CTL to .ci/dovecot (as .ci/run does; needs root)"
	if os.Getenv("ROOMGATE_TEST_STRICT") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// TestServeDovecotRestart restarts a Dovecot of the test's own while the
// daemon idles on it: the daemon reconnects by itself and the next
// invitation is answered.
func TestServeDovecotRestart(t *testing.T) {
	ctl := dovecotCtl(t)
	dir, err := os.MkdirTemp("", "roomgate-fault-dovecot-")
	if err != nil {
		t.Fatal(err)
	}
	const port = "10144" // not the shared instance, which other tests use
	run := func(verb string) {
		t.Helper()
		cmd := exec.Command(ctl, verb, dir)
		cmd.Env = append(os.Environ(), "ROOMGATE_DOVECOT_PORT="+port)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s %s: %v\n%s", ctl, verb, err, out)
		}
	}
	run("start")
	t.Cleanup(func() { run("stop"); os.RemoveAll(dir) })
	t.Setenv(mailtest.DovecotEnv, "127.0.0.1:"+port)
	srv := mailtest.NewDovecot(t, "user2@roomgate.test")
	sink := mailtest.NewSMTPSink(t)
	startDaemon(t, testConfig(t, srv, sink))
	srv.Append(t, "INBOX", request("restart-1", "alice@coop.example", 0, tomorrowAt(8, 0), tomorrowAt(9, 0)).mail())
	sink.Wait(t, 1, 20*time.Second)
	time.Sleep(300 * time.Millisecond) // idling now

	began := time.Now()
	run("restart")
	srv.Append(t, "INBOX", request("restart-2", "bob@coop.example", 0, tomorrowAt(16, 0), tomorrowAt(17, 0)).mail())
	checkReply(t, sink.Wait(t, 2, 30*time.Second)[1], "bob@coop.example", "ACCEPTED", true)
	t.Logf("Dovecot restarted; the next invitation was answered %s after the restart began", time.Since(began).Round(time.Millisecond))
}
