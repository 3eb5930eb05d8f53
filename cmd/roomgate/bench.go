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
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"codeberg.org/opteos/roomgate/db"
	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/mailbox"
)

// benchOptions are the flags of `roomgate bench`.
type benchOptions struct {
	imapAddr, user, password string
	n                        int
	rate                     float64
	driver, dsn              string
	floor, noFloor, floorIO  bool
	backlog                  bool
	instances                int
	timeout                  time.Duration
	cpuProfile               string
	empty                    bool
}

func runBench(args []string, stdout io.Writer) error {
	fs := newFlagSet("bench")
	var o benchOptions
	fs.StringVar(&o.imapAddr, "imap", "127.0.0.1:10143", "IMAP server `host:port` (plain, loopback), or \"mem\" for an in-process server")
	fs.StringVar(&o.user, "user", "user1@roomgate.test", "IMAP `login`; its mailboxes are emptied first")
	fs.StringVar(&o.password, "password", "secret", "IMAP `password`")
	fs.IntVar(&o.n, "n", 1000, "number of invitations")
	fs.Float64Var(&o.rate, "rate", 0, "invitations per `second` (0: one burst)")
	fs.BoolVar(&o.backlog, "backlog", false, "fill the inbox with the invitations before the daemon (and the floor) starts")
	fs.IntVar(&o.instances, "instances", 1, "daemons sharing the database (more than one needs -driver postgres)")
	fs.StringVar(&o.driver, "driver", "sqlite", "database: sqlite (a temporary file) or postgres")
	fs.StringVar(&o.dsn, "dsn", "", "PostgreSQL `URL` for -driver postgres")
	fs.BoolVar(&o.floor, "floor", false, "measure only the floor: a minimal loop that IDLEs, FETCHes and sends a fixed reply")
	fs.BoolVar(&o.noFloor, "no-floor", false, "measure only roomgate, not the floor beside it")
	fs.BoolVar(&o.floorIO, "floor-io", false, "after roomgate, measure the I/O floor: the floor's loop doing roomgate's mail work without deciding (whole FETCH, a reply as large as roomgate's, MOVE)")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Minute, "give up after this `duration`")
	fs.BoolVar(&o.empty, "empty", false, "confirm that the account's messages may be deleted (needed when it holds any)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of roomgate's run to this `file` (go tool pprof), its block and mutex profiles to file.block and file.mutex, an execution trace to file.trace (go tool trace)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.driver == "postgres" && o.dsn == "" {
		return errors.New("-driver postgres needs -dsn")
	}
	if o.instances < 1 || (o.instances > 1 && o.driver != "postgres") {
		return errors.New("-instances: 1, or more with -driver postgres (SQLite serves one process)")
	}
	if o.backlog && o.rate > 0 {
		return errors.New("-backlog and -rate exclude each other: a backlog is in the inbox before the start")
	}
	if o.floor && o.noFloor {
		return errors.New("-floor and -no-floor exclude each other")
	}
	if o.floor && o.floorIO {
		return errors.New("-floor-io sizes its replies as roomgate's: it cannot go with -floor, which does not run roomgate")
	}
	return benchRun(o, stdout)
}

// benchRun measures the floor, then roomgate, then (-floor-io) the I/O
// floor, on the same servers, and prints each with the ratios.
func benchRun(o benchOptions, stdout io.Writer) error {
	env, err := startDemoServers()
	if err != nil {
		return err
	}
	defer env.Close()
	if o.imapAddr == "mem" {
		o.imapAddr, o.user, o.password = env.imapAddr, demoUser, demoPassword
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	var floor, daemon *benchResult
	if !o.noFloor {
		if floor, err = benchPhase(ctx, o, env, &floorSpec{}); err != nil {
			return fmt.Errorf("floor: %w", err)
		}
		floor.print(stdout)
		o.empty = true // the floor's own mail is left in the account
	}
	if !o.floor {
		if daemon, err = benchPhase(ctx, o, env, nil); err != nil {
			return fmt.Errorf("roomgate: %w", err)
		}
		daemon.print(stdout)
	}
	if floor != nil && daemon != nil {
		printRatio(stdout, "roomgate / floor", floor, daemon)
	}
	if o.floorIO && daemon != nil {
		o.empty = true
		spec := &floorSpec{batch: mailbox.FetchBatch, whole: true, replyBytes: daemon.replyBytes, moveTo: benchConfig(o, env, "").IMAP.ProcessedFolder}
		iof, err := benchPhase(ctx, o, env, spec)
		if err != nil {
			return fmt.Errorf("I/O floor: %w", err)
		}
		iof.print(stdout)
		printRatio(stdout, "roomgate / I/O floor", iof, daemon)
		if floor != nil {
			printRatio(stdout, "I/O floor / floor", floor, iof)
		}
	}
	return nil
}

// benchPhase runs one measure: the inbox is emptied, the receiver (the
// floor fl, or the daemon when fl is nil) started and the invitations appended, before it
// when o.backlog, after it reached IDLE otherwise. The clock starts with
// the receiver for a backlog, with the first APPEND otherwise.
func benchPhase(ctx context.Context, o benchOptions, env *demoServers, fl *floorSpec) (*benchResult, error) {
	if err := emptyMailboxes(o); err != nil {
		return nil, fmt.Errorf("empty the mailboxes of %s: %w", o.user, err)
	}
	env.sink.drain()
	pctx, fail := context.WithCancelCause(ctx)
	cancel := func() { fail(nil) }
	defer cancel()
	rec := newBenchRecorder()
	go rec.collect(pctx, env.sink)
	var err error
	if o.backlog {
		if err = appendInvitations(pctx, o, rec); err != nil {
			return nil, err
		}
	}
	prepare, err := benchDatabase(ctx, o, fl != nil)
	if err != nil {
		return nil, err
	}
	defer prepare.drop()
	if fl == nil && o.cpuProfile != "" {
		stopProfile, err := startProfile(o.cpuProfile)
		if err != nil {
			return nil, err
		}
		defer stopProfile()
	}
	mem := startMemWatch()
	stmts0, txs0 := db.Counts()
	start := time.Now()
	logs := &benchLog{}
	stop, err := startBenchReceiver(pctx, fail, o, env, fl, prepare.dsn, logs)
	if err != nil {
		return nil, err
	}
	defer func() { _ = stop() }() // cancel first (defer above runs after): see stopAll
	if !o.backlog {
		time.Sleep(500 * time.Millisecond) // let the receiver reach IDLE
		start = time.Now()
		if err := appendInvitations(pctx, o, rec); err != nil {
			return nil, err
		}
	}
	if err := rec.waitAll(pctx, o.n); err != nil {
		if cause := context.Cause(pctx); cause != nil && !errors.Is(cause, context.Canceled) && !errors.Is(cause, context.DeadlineExceeded) {
			return nil, cause // the receiver failed
		}
		return nil, err
	}
	total := time.Since(start)
	rss, heap, cpu := mem.stop()
	cancel()
	if err := stop(); err != nil {
		return nil, err
	}
	r := rec.result(o, fl, start, total)
	r.peakRSS, r.peakHeap, r.cpu, r.machineCPU, r.cores = rss, heap, cpu.process, cpu.machine, cpu.cores
	r.duplicates = rec.duplicates()
	stmts1, txs1 := db.Counts()
	r.stmts, r.txs = stmts1-stmts0, txs1-txs0
	if n, last := logs.lastDecision(); n > 0 {
		r.decided = last.Sub(start)
	}
	return r, nil
}

// benchDB is the database of one phase.
type benchDB struct {
	dsn  string
	drop func()
}

// benchDatabase creates the daemon's database and applies its migrations
// before the clock starts, so that the measure is of the decisions, not of
// creating a schema. The floor needs none.
func benchDatabase(ctx context.Context, o benchOptions, floor bool) (benchDB, error) {
	none := benchDB{drop: func() {}}
	if floor {
		return none, nil
	}
	var d benchDB
	switch o.driver {
	case "postgres":
		dsn, drop, err := benchSchema(ctx, o.dsn)
		if err != nil {
			return none, err
		}
		d = benchDB{dsn: dsn, drop: drop}
	default:
		dir, err := os.MkdirTemp("", "roomgate-bench-")
		if err != nil {
			return none, err
		}
		d = benchDB{dsn: filepath.Join(dir, "bench.db"), drop: func() { os.RemoveAll(dir) }}
	}
	s, err := db.Open(ctx, db.Options{Driver: o.driver, DSN: d.dsn, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		d.drop()
		return none, err
	}
	s.Close()
	return d, nil
}

// startProfile profiles roomgate's run: CPU into path, and beside it the
// waits, which a backlog is mostly made of: path.block (goroutines blocked
// on channels, locks, select), path.mutex (contended mutexes) and
// path.trace (go tool trace: what each goroutine waited for, and when).
func startProfile(path string) (func(), error) {
	files := make([]*os.File, 0, 2)
	closeAll := func() {
		for _, f := range files {
			f.Close()
		}
	}
	for _, name := range []string{path, path + ".trace"} {
		f, err := os.Create(name)
		if err != nil {
			closeAll()
			return nil, err
		}
		files = append(files, f)
	}
	if err := pprof.StartCPUProfile(files[0]); err != nil {
		closeAll()
		return nil, err
	}
	if err := trace.Start(files[1]); err != nil {
		pprof.StopCPUProfile()
		closeAll()
		return nil, err
	}
	runtime.SetBlockProfileRate(int(100 * time.Microsecond))
	runtime.SetMutexProfileFraction(10)
	return func() {
		trace.Stop()
		pprof.StopCPUProfile()
		closeAll()
		writeProfile("block", path+".block")
		writeProfile("mutex", path+".mutex")
		runtime.SetBlockProfileRate(0)
		runtime.SetMutexProfileFraction(0)
	}, nil
}

// writeProfile writes the named runtime profile; a failure only loses it.
func writeProfile(name, path string) {
	f, err := os.Create(path)
	if err != nil {
		return
	}
	defer f.Close()
	_ = pprof.Lookup(name).WriteTo(f, 0)
}

// startBenchReceiver starts what is measured: the daemon (o.instances of
// them on one database), or the floor fl. stop cancels it and waits until it
// has returned; it may be called more than once. A floor that fails
// before it is stopped calls fail and stop returns its error, since its
// measure is then not of what it claims: a daemon's errors are only
// printed, as the daemon logs them and goes on.
func startBenchReceiver(ctx context.Context, fail context.CancelCauseFunc, o benchOptions, env *demoServers, fl *floorSpec, dsn string, logs *benchLog) (stop func() error, err error) {
	rctx, cancel := context.WithCancel(ctx)
	if fl != nil {
		done := make(chan error, 1)
		go func() {
			err := floorLoop(rctx, o, env.smtpAddr, *fl)
			if rctx.Err() != nil {
				err = nil // stopped: its last command may have been cut
			} else if err != nil {
				err = fmt.Errorf("the floor failed: %w", err)
				fail(err)
			}
			done <- err
		}()
		var err error
		stopped := false
		return func() error {
			cancel()
			if !stopped {
				stopped, err = true, <-done
			}
			return err
		}, nil
	}
	cfg := benchConfig(o, env, dsn)
	if err := cfg.validate(); err != nil {
		cancel()
		return nil, err
	}
	var dones []chan error
	for range o.instances {
		done := make(chan error, 1)
		go func() { done <- serveOnceLogger(rctx, cfg, slog.New(logs)) }()
		dones = append(dones, done)
	}
	stopped := false
	return func() error {
		cancel()
		if stopped {
			return nil
		}
		stopped = true
		for _, d := range dones {
			if err := <-d; err != nil {
				fmt.Fprintln(os.Stderr, "roomgate bench: daemon:", err)
			}
		}
		return nil
	}, nil
}

// benchConfig is the daemon's configuration: the room is the IMAP
// account, replies go to the in-process SMTP sink.
func benchConfig(o benchOptions, env *demoServers, dsn string) *Config {
	cfg := &Config{Language: "en", Timezone: "Europe/Paris", Database: DatabaseConfig{Driver: o.driver, DSN: dsn},
		IMAP:    IMAPConfig{Address: o.imapAddr, Security: "insecure", Username: o.user, Password: o.password},
		SMTP:    SMTPConfig{Address: env.smtpAddr, Security: "insecure"},
		Account: AccountConfig{HostKey: "483920", ConcurrentMeetings: 1},
		Policy:  PolicyConfig{Organizers: []string{"@bench.example"}},
		Rooms:   []RoomConfig{{Name: "Bench", Address: o.user, JoinURL: "https://zoom.us/j/1", MeetingID: "1", Passcode: "x"}},
		outbox:  gateway.OutboxOptions{Interval: time.Second}}
	cfg.setDefaults()
	return cfg
}

// benchMembers is how many members send the invitations of a run of n:
// 50, or more so that none sends over 20. Each member may get at most
// [policy] replies_per_sender_per_hour replies (30 by default, a loop
// guard): with 50 members a run of more than 1,500 invitations waited
// for replies that the guard held back until its timeout.
func benchMembers(n int) int { return max(50, (n+19)/20) }

// benchInvite is the i-th invitation of a run with that many members: a
// 30-minute slot of its own, so every one is accepted.
func benchInvite(room string, i, members int) (uid string, raw []byte) {
	base := time.Now().UTC().Truncate(24 * time.Hour).Add(48 * time.Hour)
	s := base.Add(time.Duration(i) * 30 * time.Minute)
	inv := sampleInvite{Method: "REQUEST", UID: fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), i),
		Summary: fmt.Sprintf("Bench %d", i), Organizer: fmt.Sprintf("member%d@bench.example", i%members),
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
		_, raw := benchInvite(o.user, i, benchMembers(o.n))
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
		rec.appended(messageIDOf(raw))
	}
	return c.Logout().Wait()
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

// benchSchema creates a schema of its own for one run on PostgreSQL, so
// runs never see each other's bookings, and returns a DSN using it and a
// function that drops it.
func benchSchema(ctx context.Context, dsn string) (string, func(), error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return "", nil, fmt.Errorf("-dsn: %w", err)
	}
	admin := stdlib.OpenDB(*cfg)
	schema := fmt.Sprintf("roomgate_bench_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6)
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
