package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/textproto"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"codeberg.org/opteos/roomgate/gateway"
)

// benchOptions are the flags of `roomgate bench`.
type benchOptions struct {
	imapAddr, user, password string
	n                        int
	rate                     float64
	driver, dsn              string
	floor                    bool
	timeout                  time.Duration
	cpuProfile               string
	empty                    bool
}

func runBench(args []string, stdout io.Writer) error {
	fs := newFlagSet("bench")
	var o benchOptions
	fs.StringVar(&o.imapAddr, "imap", "127.0.0.1:10143", "IMAP server `host:port` (plain, loopback)")
	fs.StringVar(&o.user, "user", "user1@roomgate.test", "IMAP `login`; its mailboxes are emptied first")
	fs.StringVar(&o.password, "password", "secret", "IMAP `password`")
	fs.IntVar(&o.n, "n", 1000, "number of invitations")
	fs.Float64Var(&o.rate, "rate", 0, "invitations per `second` (0: one burst)")
	fs.StringVar(&o.driver, "driver", "sqlite", "database: sqlite (a temporary file) or postgres")
	fs.StringVar(&o.dsn, "dsn", "", "PostgreSQL `URL` for -driver postgres")
	fs.BoolVar(&o.floor, "floor", false, "measure the floor instead: a minimal loop that IDLEs, FETCHes and sends a fixed reply")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Minute, "give up after this `duration`")
	fs.BoolVar(&o.empty, "empty", false, "confirm that the account's messages may be deleted (needed when it holds any)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the run to this `file` (go tool pprof)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.driver == "postgres" && o.dsn == "" {
		return errors.New("-driver postgres needs -dsn")
	}
	return benchRun(o, stdout)
}

// benchRun appends the invitations and measures, for each, the time from
// the end of its APPEND to its reply reaching the SMTP sink.
func benchRun(o benchOptions, stdout io.Writer) error {
	env, err := startDemoServers()
	if err != nil {
		return err
	}
	defer env.Close()
	if err := emptyMailboxes(o); err != nil {
		return fmt.Errorf("empty the mailboxes of %s: %w", o.user, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	idleRSS := rssKiB()
	stop, err := startBenchReceiver(ctx, o, env)
	if err != nil {
		return err
	}
	defer stop()
	time.Sleep(500 * time.Millisecond) // let the receiver reach IDLE
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	rec := &benchRecorder{sent: map[string]time.Time{}, got: map[string]time.Time{}}
	go rec.collect(ctx, env.sink)
	start := time.Now()
	if err := appendInvitations(ctx, o, rec); err != nil {
		return err
	}
	if err := rec.waitAll(ctx, o.n); err != nil {
		return err
	}
	rec.report(stdout, o, time.Since(start), idleRSS, rssKiB())
	return nil
}

// startBenchReceiver starts what is measured: the daemon, or the floor.
func startBenchReceiver(ctx context.Context, o benchOptions, env *demoServers) (stop func(), err error) {
	if o.floor {
		done := make(chan struct{})
		go func() {
			defer close(done)
			if err := floorLoop(ctx, o, env.smtpAddr); err != nil && ctx.Err() == nil {
				fmt.Fprintln(os.Stderr, "roomgate bench: floor:", err)
			}
		}()
		return func() { <-done }, nil
	}
	dsn := o.dsn
	if o.driver == "postgres" {
		scoped, drop, err := benchSchema(ctx, o.dsn)
		if err != nil {
			return nil, err
		}
		dsn = scoped
		defer func() {
			prev := stop
			stop = func() { prev(); drop() }
		}()
	}
	if o.driver == "sqlite" {
		dir, err := os.MkdirTemp("", "roomgate-bench-")
		if err != nil {
			return nil, err
		}
		dsn = filepath.Join(dir, "bench.db")
		defer func() {
			prev := stop
			stop = func() { prev(); os.RemoveAll(dir) }
		}()
	}
	cfg := &Config{Language: "en", Timezone: "Europe/Paris", Database: DatabaseConfig{Driver: o.driver, DSN: dsn},
		IMAP:    IMAPConfig{Address: o.imapAddr, Security: "insecure", Username: o.user, Password: o.password},
		SMTP:    SMTPConfig{Address: env.smtpAddr, Security: "insecure"},
		Account: AccountConfig{HostKey: "483920", ConcurrentMeetings: 1},
		Policy:  PolicyConfig{Organizers: []string{"@bench.example"}},
		Rooms:   []RoomConfig{{Name: "Bench", Address: o.user, JoinURL: "https://zoom.us/j/1", MeetingID: "1", Passcode: "x"}},
		outbox:  gateway.OutboxOptions{Interval: time.Second}}
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	dctx, dcancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- serveOnceLogger(dctx, cfg, slog.New(slog.DiscardHandler)) }()
	return func() { dcancel(); <-done }, nil
}

// benchInvite is the n-th invitation: a 30-minute slot of its own, so
// every one is accepted.
func benchInvite(room string, i int) (uid string, raw []byte) {
	base := time.Now().UTC().Truncate(24 * time.Hour).Add(48 * time.Hour)
	s := base.Add(time.Duration(i) * 30 * time.Minute)
	inv := sampleInvite{Method: "REQUEST", UID: fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), i),
		Summary: fmt.Sprintf("Bench %d", i), Organizer: fmt.Sprintf("member%d@bench.example", i%50),
		OrganizerName: "Member", Room: room, Start: s, End: s.Add(30 * time.Minute), Stamp: time.Now()}
	return inv.UID, inv.mail()
}

// appendInvitations APPENDs the invitations, paced when a rate is given,
// and records when each APPEND completed.
func appendInvitations(ctx context.Context, o benchOptions, rec *benchRecorder) error {
	c, err := imapclient.DialInsecure(o.imapAddr, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Login(o.user, o.password).Wait(); err != nil {
		return err
	}
	var tick <-chan time.Time
	if o.rate > 0 {
		t := time.NewTicker(time.Duration(float64(time.Second) / o.rate))
		defer t.Stop()
		tick = t.C
	}
	for i := 0; i < o.n; i++ {
		if tick != nil {
			select {
			case <-tick:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		uid, raw := benchInvite(o.user, i)
		cmd := c.Append("INBOX", int64(len(raw)), nil)
		if _, err := cmd.Write(raw); err != nil {
			return err
		}
		if err := cmd.Close(); err != nil {
			return err
		}
		if _, err := cmd.Wait(); err != nil {
			return fmt.Errorf("append: %w", err)
		}
		rec.appended(messageIDOf(raw), uid)
	}
	return nil
}

// emptyMailboxes removes every message from the user's mailboxes.
func emptyMailboxes(o benchOptions) error {
	c, err := imapclient.DialInsecure(o.imapAddr, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Login(o.user, o.password).Wait(); err != nil {
		return err
	}
	boxes, err := c.List("", "*", nil).Collect()
	if err != nil {
		return err
	}
	if !o.empty {
		total := uint32(0)
		for _, b := range boxes {
			if sel, err := c.Select(b.Mailbox, nil).Wait(); err == nil {
				total += sel.NumMessages
			}
		}
		if total > 0 {
			return fmt.Errorf("the account holds %d message(s) and bench deletes them: use a test account, or pass -empty to confirm", total)
		}
	}
	for _, b := range boxes {
		sel, err := c.Select(b.Mailbox, nil).Wait()
		if err != nil || sel.NumMessages == 0 {
			continue
		}
		all := imap.SeqSet{}
		all.AddRange(1, 0)
		if err := c.Store(all, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
			return err
		}
		if err := c.Expunge().Close(); err != nil {
			return err
		}
	}
	return c.Logout().Wait()
}

func messageIDOf(raw []byte) string {
	i := strings.Index(string(raw), "\r\nMessage-ID: ")
	if i < 0 {
		return ""
	}
	rest := string(raw[i+len("\r\nMessage-ID: "):])
	return rest[:strings.Index(rest, "\r\n")]
}

// benchRecorder pairs each invitation with its reply.
type benchRecorder struct {
	mu   sync.Mutex
	sent map[string]time.Time // by invitation Message-ID
	got  map[string]time.Time
}

func (r *benchRecorder) appended(msgID, _ string) {
	r.mu.Lock()
	r.sent[msgID] = time.Now()
	r.mu.Unlock()
}

// collect reads the sink and records when the reply to each invitation
// arrived, by its In-Reply-To header.
func (r *benchRecorder) collect(ctx context.Context, sink *demoSink) {
	for {
		select {
		case <-ctx.Done():
			return
		case m := <-sink.got:
			h, err := textproto.ReadHeader(newBufReader(m.data))
			if err != nil {
				continue
			}
			r.mu.Lock()
			r.got[strings.TrimSpace(h.Get("In-Reply-To"))] = time.Now()
			r.mu.Unlock()
		}
	}
}

func (r *benchRecorder) waitAll(ctx context.Context, n int) error {
	for {
		r.mu.Lock()
		got := len(r.got)
		r.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("only %d of %d replies arrived: %w", got, n, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// report prints throughput, latency percentiles and memory.
func (r *benchRecorder) report(w io.Writer, o benchOptions, total time.Duration, idleKiB, loadKiB int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var lat []time.Duration
	for id, at := range r.got {
		if s, ok := r.sent[id]; ok {
			lat = append(lat, at.Sub(s))
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	what := "roomgate (" + o.driver + ")"
	if o.floor {
		what = "floor (IDLE, FETCH, fixed reply)"
	}
	mode := "burst"
	if o.rate > 0 {
		mode = fmt.Sprintf("paced at %g/s", o.rate)
	}
	fmt.Fprintf(w, "%s, %d invitations, %s, IMAP %s\n", what, o.n, mode, o.imapAddr)
	fmt.Fprintf(w, "  throughput   %.1f invitations/s (%s in all)\n", float64(len(lat))/total.Seconds(), total.Round(time.Millisecond))
	fmt.Fprintf(w, "  latency      median %s, p99 %s, max %s (APPEND done → reply at the SMTP sink)\n",
		pct(0.5).Round(100*time.Microsecond), pct(0.99).Round(100*time.Microsecond), pct(1).Round(100*time.Microsecond))
	fmt.Fprintf(w, "  memory (RSS) %d MiB before the load, %d MiB after\n", idleKiB/1024, loadKiB/1024)
}

// rssKiB reads this process's resident memory from /proc (0 elsewhere).
func rssKiB() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kib int64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), &kib)
			return kib
		}
	}
	return 0
}

// benchSchema creates a schema of its own for one run on PostgreSQL, so
// runs never see each other's bookings, and returns a DSN using it and a
// function that drops it.
func benchSchema(ctx context.Context, dsn string) (string, func(), error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return "", nil, fmt.Errorf("-dsn: %w", err)
	}
	admin := stdlib.OpenDB(*cfg)
	schema := fmt.Sprintf("roomgate_bench_%d", os.Getpid())
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		return "", nil, err
	}
	u, err := url.Parse(dsn)
	if err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("-dsn must be a postgres:// URL: %w", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	drop := func() {
		admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	}
	return u.String(), drop, nil
}
