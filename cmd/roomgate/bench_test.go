package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"
)

// `roomgate bench` against the in-process IMAP server: a backlog measured
// for the floor and for roomgate in one run, with the ratio; -floor alone
// returns once its report is printed rather than at -timeout.
func TestBenchBacklog(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the daemon")
	}
	t.Run("floor and roomgate", func(t *testing.T) {
		out := runBenchArgs(t, "-imap", "mem", "-n", "40", "-backlog", "-timeout", "5m")
		for _, want := range []string{
			`floor \(IDLE, FETCH, fixed reply\), 40 invitations, backlog`,
			`roomgate \(sqlite\), 40 invitations, backlog`,
			`decisions +all decided after`,
			`database +[0-9.]+ round trips`,
			`memory +peak RSS [0-9]+ MiB`,
			`roomgate / floor: throughput [0-9.]+`,
		} {
			if !regexp.MustCompile(want).MatchString(out) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "duplicates") {
			t.Errorf("a reply was sent twice:\n%s", out)
		}
	})
	t.Run("floor alone returns", func(t *testing.T) {
		done := make(chan string, 1)
		go func() { done <- runBenchArgs(t, "-imap", "mem", "-n", "10", "-backlog", "-floor", "-timeout", "10m") }()
		select {
		case out := <-done:
			if strings.Contains(out, "roomgate (") {
				t.Errorf("-floor measured roomgate too:\n%s", out)
			}
		case <-time.After(2 * time.Minute): // far below -timeout: the old hang waited it out
			t.Fatal("bench -floor did not return after its report")
		}
	})
}

func runBenchArgs(t *testing.T, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	if err := runBench(args, &out); err != nil {
		t.Errorf("bench %v: %v\n%s", args, err, out.String())
	}
	return out.String()
}
