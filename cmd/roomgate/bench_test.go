package main

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// `roomgate bench` against the in-process IMAP server: a backlog measured
// for the floor and for roomgate in one run, with the ratio; -floor alone
// returns once its report is printed rather than at -timeout.
func TestBenchBacklog(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the daemon")
	}
	t.Run("floor and roomgate", func(t *testing.T) {
		out := runBenchArgs(t, "-imap", "mem", "-n", "40", "-backlog", "-floor-io", "-timeout", "5m")
		wants := []string{
			`floor \(IDLE, FETCH, fixed reply\), 40 invitations, backlog`,
			`roomgate \(sqlite\), 40 invitations, backlog`,
			`decisions +all decided after`,
			`database +[0-9.]+ round trips`,
			`memory +peak RSS [0-9]+ MiB`,
			`(?s)floor.*cpu +[0-9.]+ ms per invitation.*roomgate.*cpu +[0-9.]+ ms per invitation`,
			`roomgate / floor: throughput [0-9.]+`,
			`I/O floor \(IDLE, whole FETCH and MOVE by 64, [0-9]+-byte reply, no decision\), 40 invitations, backlog`,
			`roomgate / I/O floor: throughput [0-9.]+`,
			`I/O floor / floor: throughput [0-9.]+`,
		}
		if runtime.GOOS == "linux" {
			wants = append(wants, `(?s)floor.*machine +[0-9.]+ of [0-9]+ cores busy on average, [0-9.]+ ms of CPU per invitation.*roomgate.*machine.*I/O floor.*machine`)
		}
		for _, want := range wants {
			if !regexp.MustCompile(want).MatchString(out) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		// The I/O floor's replies are as large as roomgate's.
		sizes := regexp.MustCompile(`replies +([0-9]+) bytes`).FindAllStringSubmatch(out, -1)
		asked := regexp.MustCompile(`whole FETCH and MOVE by 64, ([0-9]+)-byte reply`).FindStringSubmatch(out)
		if len(sizes) != 3 || asked == nil {
			t.Fatalf("want three reply sizes and the I/O floor's:\n%s", out)
		}
		daemon, _ := strconv.Atoi(sizes[1][1])
		if daemon < 2000 || sizes[2][1] != sizes[1][1] || asked[1] != sizes[1][1] {
			t.Errorf("roomgate's replies %s bytes, the I/O floor asked %s and sent %s:\n%s", sizes[1][1], asked[1], sizes[2][1], out)
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

// TestIOFloor: the I/O floor answers each invitation with a reply of the
// size it is given and moves every message out of the inbox, a batch at a
// time, as roomgate does; a floor whose MOVE fails is not measured.
func TestIOFloor(t *testing.T) {
	env, err := startDemoServers()
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	o := benchOptions{imapAddr: env.imapAddr, user: demoUser, password: demoPassword, n: 70, backlog: true}
	rec := newBenchRecorder()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := appendInvitations(ctx, o, rec); err != nil {
		t.Fatal(err)
	}
	spec := floorSpec{batch: 64, whole: true, replyBytes: 2000, moveTo: "roomgate/Processed"}
	done := make(chan error, 1)
	fctx, stop := context.WithCancel(ctx)
	go func() { done <- floorLoop(fctx, o, env.smtpAddr, spec) }()
	for range o.n {
		select {
		case m := <-env.sink.got:
			if len(m.data) != spec.replyBytes {
				t.Errorf("a reply of %d bytes, want %d", len(m.data), spec.replyBytes)
			}
		case err := <-done:
			t.Fatalf("the floor stopped: %v", err)
		case <-ctx.Done():
			t.Fatal("not every reply arrived")
		}
	}
	// The last MOVE follows the last reply: wait for the inbox to empty.
	for {
		counts := mailboxCounts(t, o, "INBOX", spec.moveTo)
		if counts[0] == 0 && counts[1] == uint32(o.n) {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("INBOX holds %d, %s %d: want 0 and %d", counts[0], spec.moveTo, counts[1], o.n)
		case <-time.After(10 * time.Millisecond):
		}
	}
	stop()
	if err := <-done; err != nil && fctx.Err() == nil {
		t.Error(err)
	}

	// A MOVE to a folder that cannot be made fails the floor.
	if err := appendInvitations(ctx, o, rec); err != nil {
		t.Fatal(err)
	}
	go func() { // the sink holds 16 mails
		for {
			select {
			case <-env.sink.got:
			case <-ctx.Done():
				return
			}
		}
	}()
	bad := floorSpec{batch: 64, whole: true, moveTo: "INBOX"} // MOVE onto itself
	err = floorLoop(ctx, o, env.smtpAddr, bad)
	t.Logf("the bad floor: %v", err)
	if err == nil || ctx.Err() != nil {
		t.Fatalf("a floor whose MOVE failed returned %v", err)
	}
}

// mailboxCounts returns how many messages each mailbox holds.
func mailboxCounts(t *testing.T, o benchOptions, boxes ...string) []uint32 {
	t.Helper()
	c, err := imapclient.DialInsecure(o.imapAddr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(o.user, o.password).Wait(); err != nil {
		t.Fatal(err)
	}
	n := make([]uint32, len(boxes))
	for i, b := range boxes {
		st, err := c.Status(b, &imap.StatusOptions{NumMessages: true}).Wait()
		if err != nil {
			t.Fatal(err)
		}
		n[i] = *st.NumMessages
	}
	return n
}

// TestFloorReply: a padded reply has exactly the size asked, ends with
// CRLF, and is never shorter than the short reply.
func TestFloorReply(t *testing.T) {
	short := floorSpec{}.reply("room@example.org", "<id@example.org>")
	for _, size := range []int{0, 10, len(short), len(short) + 1, len(short) + 2, 153, 1000, 7721, 20000} {
		r := floorSpec{replyBytes: size}.reply("room@example.org", "<id@example.org>")
		if want := max(size, len(short)); len(r) != want && !(size == len(short)+1 && len(r) == len(short)) {
			t.Errorf("size %d: %d bytes, want %d", size, len(r), want)
		}
		if !strings.HasSuffix(r, "\r\n") || strings.Contains(strings.ReplaceAll(r, "\r\n", ""), "\n") {
			t.Errorf("size %d: lines not ended by CRLF: %q", size, r[max(0, len(r)-20):])
		}
	}
}

// TestMachineTimes reads proc_stat(5)'s first line and counts the cores.
func TestMachineTimes(t *testing.T) {
	stat := func(user, idle, iowait uint64) string {
		return fmt.Sprintf("cpu  %d 0 10 %d %d 0 5 0 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\ncpu1 1 2 3 4 5 6 7 8 9 10\nintr 1234 0\nctxt 99\n", user, idle, iowait)
	}
	a := parseMachineTimes(stat(100, 1000, 50))
	if a.cores != 2 || a.busy != 115 || a.all != 1165 {
		t.Fatalf("parsed %+v, want 2 cores, busy 115, all 1165", a)
	}
	// 300 busy ticks of 400: three quarters of the two cores.
	b := parseMachineTimes(stat(400, 1080, 70))
	if got := b.coresBusy(a); got != 1.5 {
		t.Errorf("coresBusy = %v, want 1.5", got)
	}
	if got := b.coresBusy(machineTimes{}); got != 0 {
		t.Errorf("coresBusy without a start = %v, want 0", got)
	}
	for _, bad := range []string{"", "intr 1\n", "cpu x 1 2 3 4\n", "cpu 1 2\n"} {
		if got := parseMachineTimes(bad); got != (machineTimes{}) {
			t.Errorf("%q parsed as %+v", bad, got)
		}
	}
}
