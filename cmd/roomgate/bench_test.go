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
			`(?s)floor.*cpu +[0-9.]+ ms per invitation.*roomgate.*cpu +[0-9.]+ ms per invitation`,
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

// TestBenchMembers: however many invitations a run sends, no member is
// sent more replies than the default loop guard lets through in an hour
// (a run of 3,000 used to wait until its timeout for the 1,500 replies
// held back), and runs of up to 1,000 keep their 50 members, so that
// their figures compare with earlier ones.
func TestBenchMembers(t *testing.T) {
	var cfg Config
	cfg.setDefaults()
	limit := cfg.Policy.RepliesPerSenderPerHour
	for _, n := range []int{1, 300, 1000, 1001, 1500, 3000, 10000, 100000} {
		members := benchMembers(n)
		if n <= 1000 && members != 50 {
			t.Errorf("n=%d: %d members, want 50", n, members)
		}
		most := (n + members - 1) / members
		if most > limit {
			t.Errorf("n=%d: %d members, up to %d invitations each, over the %d replies per sender per hour", n, members, most, limit)
		}
	}
}
