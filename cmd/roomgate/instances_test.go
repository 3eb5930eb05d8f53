package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
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
# A mail claimed by a killed instance waits out its lease (30 s at least).
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
		s := tomorrowAt(6, 0).Add(time.Duration(i%slots) * 90 * time.Minute)
		out[i] = request(fmt.Sprintf("burst-%d", i), fmt.Sprintf("member%d@coop.example", i), 0, s, s.Add(time.Hour)).mail()
	}
	return out
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
// one: every invitation decided and answered once, no slot overbooked.
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
	startInstance(t, bin, cfg)
	startInstance(t, bin, cfg)
	const n, slots = 300, 12
	for _, raw := range burst(n, slots) {
		srv.Append(t, "INBOX", raw)
	}
	sink.Wait(t, n, time.Minute)
	waitFolder(t, srv, "roomgate/Processed", n)
	waitFolder(t, srv, "INBOX", 0)
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
}

// TestCrashSafety kills an instance with SIGKILL at random moments during a
// burst, several times, and restarts it: nothing is lost, nothing decided
// twice, and the only duplicate replies are those whose crash fell between
// the SMTP server's acceptance and the mail being marked sent.
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
	const n, slots = 200, 10
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, raw := range burst(n, slots) {
			srv.Append(t, "INBOX", raw)
			time.Sleep(2 * time.Millisecond)
		}
	}()
	// A killed instance's claimed mails wait out its lease: 3 s (1.5 times
	// the 2 s SMTP timeout) instead of the 30 s floor, which guards
	// against two live instances' waits for SQLite's lock (one lives here).
	lease := envTestMinLease + "=1ms"
	in := startInstance(t, bin, cfg, lease)
	for k := 0; k < 4; k++ {
		time.Sleep(time.Duration(100+rand.IntN(400)) * time.Millisecond) // a random moment of the burst
		in.kill()
		in = startInstance(t, bin, cfg, lease)
	}
	<-done
	waitFolder(t, srv, "INBOX", 0)
	waitFolder(t, srv, "roomgate/Processed", n)
	sink.Wait(t, n, time.Minute)
	waitAllSent(t, driver, dsn) // every mail marked sent: a duplicate was accepted before its mark
	dup := 0
	per := repliesByInvitation(t, sink)
	for _, c := range per {
		dup += c - 1
	}
	if len(per) != n {
		t.Errorf("%d invitations answered, want %d", len(per), n)
	}
	t.Logf("%d duplicate replies after 4 crashes (allowed only for a crash between SMTP acceptance and marking sent)", dup)
	if dup > 4 {
		t.Errorf("%d duplicate replies for 4 crashes", dup)
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
