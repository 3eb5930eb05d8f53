package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-message/textproto"

	"codeberg.org/opteos/roomgate/db"
	"codeberg.org/opteos/roomgate/db/dbtest"
	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/mailbox/mailtest"
)

// instanceConfig writes a configuration file for separate processes.
func instanceConfig(t *testing.T, srv *mailtest.IMAPServer, sink *mailtest.SMTPSink, driver, dsn string) string {
	t.Helper()
	cfg := fmt.Sprintf(`language = "en"
timezone = "Europe/Paris"
log_level = "warn"
[database]
driver = %q
dsn = %q
[imap]
address = %q
security = "insecure"
username = %q
password = %q
poll_interval = "1s"
[smtp]
address = %q
security = "insecure"
# A mail claimed by a killed instance is taken over once its holder is
# seen dead, not after its lease (30 s at least).
timeout = "2s"
[account]
host_key = "483920"
concurrent_meetings = 1
[policy]
organizers = ["@coop.example"]
[[rooms]]
name = "Salle Opteos"
address = "zoom@coop.example"
join_url = "https://zoom.us/j/81234567890"
`, driver, dsn, srv.Addr(), srv.Username(), srv.Password(), sink.Addr())
	path := filepath.Join(t.TempDir(), "roomgate.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// instance is one `roomgate serve` process.
type instance struct {
	cmd *exec.Cmd
	log *os.File
}

// startInstance starts `roomgate serve` with env (NAME=value) added to
// its environment.
func startInstance(t *testing.T, bin, cfg string, env ...string) *instance {
	t.Helper()
	logf, err := os.CreateTemp(t.TempDir(), "instance-*.log")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "-config", cfg)
	cmd.Env = binEnv(t, env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	in := &instance{cmd: cmd, log: logf}
	t.Cleanup(func() { in.kill() })
	return in
}

// kill ends the process at once, as a crash would (SIGKILL).
func (in *instance) kill() {
	if in.cmd.ProcessState == nil {
		_ = in.cmd.Process.Signal(syscall.SIGKILL)
		_ = in.cmd.Wait()
	}
}

// burst returns n invitations competing for a few slots.
func burst(n, slots int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = burstMail(i, slots)
	}
	return out
}

// burstMail is the i-th invitation of a burst over slots slots.
func burstMail(i, slots int) []byte {
	s := tomorrowAt(6, 0).Add(time.Duration(i%slots) * 90 * time.Minute)
	return request(fmt.Sprintf("burst-%d", i), fmt.Sprintf("member%d@coop.example", i), 0, s, s.Add(time.Hour)).mail()
}

// repliesByInvitation counts the replies received for each invitation.
func repliesByInvitation(t *testing.T, sink *mailtest.SMTPSink) map[string]int {
	t.Helper()
	got := map[string]int{}
	for _, m := range sink.Messages() {
		h, err := textproto.ReadHeader(newBufReader(m.Data))
		if err != nil {
			t.Fatal(err)
		}
		got[h.Get("In-Reply-To")]++
	}
	return got
}

// logLinesWith logs the lines of the instances' logs that mention s,
// each with its instance's number.
func logLinesWith(t *testing.T, ins []*instance, s string) {
	t.Helper()
	for k, in := range ins {
		for line := range strings.Lines(in.logText()) {
			if strings.Contains(line, s) {
				t.Logf("instance %d: %s", k, strings.TrimSpace(line))
			}
		}
	}
}

// countLogLines counts the lines of the instances' logs holding all of
// the strings.
func countLogLines(ins []*instance, all ...string) int {
	n := 0
	for _, in := range ins {
		for line := range strings.Lines(in.logText()) {
			if !slices.ContainsFunc(all, func(s string) bool { return !strings.Contains(line, s) }) {
				n++
			}
		}
	}
	return n
}

// replyIDsByInvitation returns the Message-IDs of the replies the sink
// received, by the Message-ID of the invitation they answer.
func replyIDsByInvitation(t *testing.T, sink *mailtest.SMTPSink) map[string][]string {
	t.Helper()
	got := map[string][]string{}
	for _, m := range sink.Messages() {
		h, err := textproto.ReadHeader(newBufReader(m.Data))
		if err != nil {
			t.Fatal(err)
		}
		got[h.Get("In-Reply-To")] = append(got[h.Get("In-Reply-To")], h.Get("Message-Id"))
	}
	return got
}

// checkNoOverbooking verifies that accepted bookings never overlap: the
// account hosts one meeting at a time.
func checkNoOverbooking(t *testing.T, driver, dsn string) int {
	t.Helper()
	store, err := db.Open(context.Background(), db.Options{Driver: driver, DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	all, err := store.ListBookings(context.Background(), time.Now().Add(-time.Hour), time.Now().Add(72*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var acc []gateway.Booking
	for _, b := range all {
		if b.Status == gateway.StatusAccepted {
			acc = append(acc, b)
		}
	}
	for i := 1; i < len(acc); i++ {
		if acc[i].Start.Before(acc[i-1].End) {
			t.Errorf("overbooked: %s %s–%s overlaps %s %s–%s", acc[i-1].UID, acc[i-1].Start, acc[i-1].End,
				acc[i].UID, acc[i].Start, acc[i].End)
		}
	}
	return len(acc)
}

// TestTwoInstances: two daemons on one mailbox and one database behave as
// one: every invitation decided and answered once, no slot overbooked,
// and one of them reads the mailbox while the other stands by (and
// sends), so each message is moved once.
func TestTwoInstances(t *testing.T) {
	t.Parallel() // its own servers and database
	if testing.Short() {
		t.Skip("starts separate processes")
	}
	bin := roomgateBinary(t)
	srv := mailtest.NewIMAPServer(t, "zoom@coop.example", "pw")
	sink := mailtest.NewSMTPSink(t)
	driver, dsn := dbtest.New(t)
	cfg := instanceConfig(t, srv, sink, driver, dsn)
	verbose(t, cfg) // the mailbox lease is logged at INFO
	ins := []*instance{startInstance(t, bin, cfg, leaseEvery), startInstance(t, bin, cfg, leaseEvery)}
	const n, slots = 300, 12
	for _, raw := range burst(n, slots) {
		srv.Append(t, "INBOX", raw)
	}
	// With the cores busy, PostgreSQL's round trips slow the reader down:
	// wait as long as it makes progress.
	waitInboxEmpty(t, srv, openStore(t, driver, dsn), waitReader(t, ins))
	sink.Wait(t, n, time.Minute)
	waitFolder(t, srv, "roomgate/Processed", n)
	waitAllSent(t, driver, dsn) // every mail marked sent: a duplicate was accepted before its mark
	for id, c := range repliesByInvitation(t, sink) {
		if c != 1 {
			t.Errorf("invitation %s got %d replies, want 1", id, c)
		}
	}
	if got := len(sink.Messages()); got != n {
		t.Errorf("%d replies, want %d", got, n)
	}
	if acc := checkNoOverbooking(t, driver, dsn); acc != slots {
		t.Errorf("%d bookings accepted, want one per slot: %d", acc, slots)
	}
	if got := len(srv.UIDs(t, "roomgate/Processed")); got != n {
		t.Errorf("Processed holds %d messages, want %d: each moved once", got, n)
	}
	waitReader(t, ins) // one reads, the other stands by
	everRead := 0
	for _, in := range ins {
		for line, holds := range leaseLines {
			if holds && strings.Contains(in.logText(), line) {
				everRead++
				break
			}
		}
	}
	if everRead != 1 {
		t.Errorf("%d instances read the mailbox, want 1: the other stands by throughout; their lease lines:\n%s\n---\n%s",
			everRead, leaseLog(ins[0]), leaseLog(ins[1]))
	}
}

// leaseEvery has an instance standing by try the mailbox lease, and its
// holder check it, every 100 ms instead of every 5 s.
var leaseEvery = envTestLease + "=100ms"

// logText is what the instance logged so far.
func (in *instance) logText() string {
	b, _ := os.ReadFile(in.log.Name())
	return string(b)
}

// leaseLines are the log messages that say whether an instance reads
// the mailbox (true) or stands by (false).
var leaseLines = map[string]bool{
	"reading the mailbox: this instance holds its lease": true,
	"took over the mailbox":                              true,
	"standing by: another instance reads the mailbox":    false,
	"lost the mailbox lease":                             false,
}

// reads reports whether the instance's last word on the mailbox lease is
// that it holds it, and whether it said anything about it yet.
func (in *instance) reads() (reading, said bool) {
	text, last := in.logText(), -1
	for line, holds := range leaseLines {
		if i := strings.LastIndex(text, line); i > last {
			last, reading = i, holds
		}
	}
	return reading, last >= 0
}

// leaseLog is what the instance logged about the mailbox lease.
func leaseLog(in *instance) string {
	var out []string
	for _, l := range strings.Split(in.logText(), "\n") {
		if strings.Contains(l, "lease") || strings.Contains(l, "took over") || strings.Contains(l, "standing by") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// waitReader waits until exactly one of the instances reads the mailbox
// and the others stand by, and returns the reader; it fails after
// stallLimit.
func waitReader(t *testing.T, ins []*instance) *instance {
	t.Helper()
	start := time.Now()
	for {
		var readers []*instance
		standing := 0
		for _, in := range ins {
			switch reading, said := in.reads(); {
			case reading:
				readers = append(readers, in)
			case said:
				standing++
			}
		}
		if len(readers) == 1 && standing == len(ins)-1 {
			return readers[0]
		}
		if time.Since(start) > stallLimit {
			t.Fatalf("%d instances read the mailbox after %s, want 1; logs:\n%s\n---\n%s", len(readers), stallLimit,
				ins[0].logText(), ins[1].logText())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCrashSafety runs two instances and kills the one that reads the
// mailbox with SIGKILL at random moments during a burst, five times,
// restarting it: the other takes the mailbox over; nothing is lost,
// nothing decided twice, and a reply goes out twice only when its sender
// was killed between the final dot of its DATA and the reply's record
// (at most once per kill), with the first one's Message-ID. The burst goes on until the fifth kill (at
// least n invitations), so that every kill falls while invitations are
// decided and replies sent.
func TestCrashSafety(t *testing.T) {
	t.Parallel() // its own servers and database
	if testing.Short() {
		t.Skip("starts separate processes")
	}
	bin := roomgateBinary(t)
	srv := mailtest.NewIMAPServer(t, "zoom@coop.example", "pw")
	sink := mailtest.NewSMTPSink(t)
	driver, dsn := dbtest.New(t)
	cfg := instanceConfig(t, srv, sink, driver, dsn)
	verbose(t, cfg)
	const least, most, ahead, slots = 200, 5000, 64, 10
	done, killed := make(chan struct{}), make(chan struct{})
	var appended atomic.Int64
	store := openStore(t, driver, dsn)
	go func() {
		defer close(done)
		for i := 0; i < most; i++ {
			if i >= least {
				select {
				case <-killed:
					return
				default:
				}
			}
			// At most `ahead` undecided: the kills come while the
			// instances keep up, not while a backlog grows that the
			// last one then drains alone (minutes on a loaded machine).
			for {
				counts, err := store.CountMessages(context.Background())
				if err != nil {
					t.Error(err) // not Fatal: this is not the test's goroutine
					return
				}
				n := 0
				for _, c := range counts {
					n += c
				}
				if i-n <= ahead {
					break
				}
				select {
				case <-killed:
					return
				case <-time.After(5 * time.Millisecond):
				}
			}
			srv.Append(t, "INBOX", burstMail(i, slots))
			appended.Add(1)
			time.Sleep(2 * time.Millisecond)
		}
	}()
	// A killed instance's claimed mails are taken by the other's next
	// claim once it sees that nobody holds the killed one's outbox lease
	// (db/outboxholder.go; on PostgreSQL, for 5 seconds), not after their
	// lease: the burst's end is not held back by the kills.
	env := []string{leaseEvery}
	ins := []*instance{startInstance(t, bin, cfg, env...), startInstance(t, bin, cfg, env...)}
	all := slices.Clone(ins) // every instance started, for the logs
	kills, takeovers := 0, 0
	for k := 0; k < 5; k++ {
		reader := waitReader(t, ins)
		// A random moment once the reader decides: started under load
		// it needs a second or more before its first decision, and a kill
		// before that would test nothing.
		if !waitDeciding(t, srv, store, most, reader) {
			break
		}
		time.Sleep(time.Duration(rand.IntN(300)) * time.Millisecond)
		reader.kill()
		kills++
		i := slices.Index(ins, reader)
		other := ins[1-i]
		ins[i] = startInstance(t, bin, cfg, env...)
		all = append(all, ins[i])
		if waitReader(t, ins) == other && strings.Contains(other.logText(), "took over the mailbox") {
			takeovers++
		}
	}
	close(killed)
	<-done
	n := int(appended.Load())
	t.Logf("%d invitations in the burst", n)
	last := waitReader(t, ins)
	waitInboxEmpty(t, srv, store, last)
	waitFolder(t, srv, "roomgate/Processed", n)
	sink.Wait(t, n, time.Minute)
	waitAllSent(t, driver, dsn) // every mail marked sent: a duplicate was accepted before its mark
	dup := 0
	per := replyIDsByInvitation(t, sink)
	for inv, ids := range per {
		dup += len(ids) - 1
		if len(slices.Compact(slices.Sorted(slices.Values(ids)))) > 1 {
			t.Errorf("invitation %s answered %d times with different Message-IDs %v: a resend must carry the first one's", inv, len(ids), ids)
		}
	}
	if len(per) != n {
		t.Errorf("%d invitations answered, want %d", len(per), n)
	}
	t.Logf("%d duplicate replies after %d crashes while deciding and sending, %d take-overs by the instance standing by (a duplicate only for a crash between the server's acceptance and its record)",
		dup, kills, takeovers)
	recovered := 0
	for _, in := range all {
		recovered += strings.Count(in.logText(), "the server had accepted before their sender stopped")
	}
	t.Logf("%d claims found replies the server had accepted before a kill in the outbox's accept log (SQLite)", recovered)
	// A reply is recorded as accepted right after the server's answer
	// (SQLite: the accept log; PostgreSQL: the mark, on a connection no
	// decision holds), so only a kill between the final dot of its DATA
	// and that record sends it again: then its first sender was killed
	// before logging it, and the one "mail sent" line is the resend's. Two
	// lines would be a living instance sending it twice.
	for _, ids := range per {
		if len(ids) < 2 {
			continue
		}
		if sent := countLogLines(all, "msg=\"mail sent\"", ids[0]); sent != 1 {
			t.Errorf("reply %s sent %d times, logged as sent by living instances %d times, want once (the resend): what the instances logged of it:",
				ids[0], len(ids), sent)
			logLinesWith(t, all, ids[0])
		}
	}
	if dup > kills {
		t.Errorf("%d duplicate replies for %d crashes", dup, kills)
	}
	if kills > 0 && takeovers == 0 {
		t.Errorf("after %d kills of the reader, the instance standing by never took the mailbox over", kills)
	}
	checkNoOverbooking(t, driver, dsn)
	checkDatabase(t, driver, dsn, n)
}

// waitAllSent waits until the outbox of the database holds no mail to
// send: no reply is under way any more.
func waitAllSent(t *testing.T, driver, dsn string) {
	t.Helper()
	store, err := db.Open(context.Background(), db.Options{Driver: driver, DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	waitOutboxSent(t, store)
}

// checkDatabase runs the database's integrity check and verifies that each
// message was decided exactly once.
func checkDatabase(t *testing.T, driver, dsn string, n int) {
	t.Helper()
	store, err := db.Open(context.Background(), db.Options{Driver: driver, DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.IntegrityCheck(context.Background()); err != nil {
		t.Error(err)
	}
	counts, err := store.CountMessages(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, c := range counts {
		total += c
	}
	if total != n {
		t.Errorf("%d messages recorded as decided (%v), want %d", total, counts, n)
	}
}

// stallLimit is how long waitInboxEmpty lets the instances go without
// deciding or filing a message before it fails.
const stallLimit = 20 * time.Second

// waitInboxEmpty waits until the inbox is empty, as long as the instances
// make progress: it fails only when for stallLimit no message was decided
// (recorded in the database) nor filed (moved out of the inbox). With the
// cores busy the last instance may need more than stallLimit for the
// whole backlog, which is slowness, not a fault. On failure it tells what
// is left (UIDs), the mailbox state saved in the database, and the last
// instance's log.
func waitInboxEmpty(t *testing.T, srv *mailtest.IMAPServer, store *db.Store, last *instance) {
	t.Helper()
	type progress struct{ left, decided int }
	start := time.Now()
	seen, moved := progress{-1, -1}, time.Now()
	for {
		now := progress{len(srv.UIDs(t, "INBOX")), decided(t, store)}
		if now.left == 0 {
			t.Logf("INBOX empty %s after the burst", time.Since(start).Round(time.Millisecond))
			return
		}
		if now != seen {
			seen, moved = now, time.Now()
		}
		if time.Since(moved) > stallLimit {
			inboxStalled(t, srv, store, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitDeciding waits until the instance in decides a message, and
// reports false when every one of the n messages is decided already. It
// fails when none was decided for stallLimit.
func waitDeciding(t *testing.T, srv *mailtest.IMAPServer, store *db.Store, n int, in *instance) bool {
	t.Helper()
	from, start := decided(t, store), time.Now()
	for {
		switch d := decided(t, store); {
		case d >= n:
			return false
		case d > from:
			return true
		case time.Since(start) > stallLimit:
			inboxStalled(t, srv, store, in)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// openStore opens the database of the instances for the test to read;
// it is closed at the end of the test.
func openStore(t *testing.T, driver, dsn string) *db.Store {
	t.Helper()
	store, err := db.Open(context.Background(), db.Options{Driver: driver, DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

// decided is how many messages the database records as decided.
func decided(t *testing.T, store *db.Store) int {
	t.Helper()
	counts, err := store.CountMessages(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range counts {
		n += c
	}
	return n
}

// inboxStalled fails with what is left in the inbox, the mailbox state
// saved in the database, and the last instance's log.
func inboxStalled(t *testing.T, srv *mailtest.IMAPServer, store *db.Store, last *instance) {
	t.Helper()
	left := srv.UIDs(t, "INBOX")
	validity, lastUID, err := store.LoadMailboxState(context.Background(), "INBOX")
	logs, _ := os.ReadFile(last.log.Name())
	t.Fatalf("INBOX holds %d message(s), none decided nor filed for %s: UIDs %v; saved state uidvalidity %d last_uid %d (%v); %d decided; last instance's log:\n%s",
		len(left), stallLimit, left, validity, lastUID, err, decided(t, store), logs)
}

// verbose has the instances of cfg log at the info level, so that a
// failure shows what the last one did.
func verbose(t *testing.T, cfg string) {
	t.Helper()
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.Replace(b, []byte(`log_level = "warn"`), []byte(`log_level = "info"`), 1)
	if err := os.WriteFile(cfg, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
