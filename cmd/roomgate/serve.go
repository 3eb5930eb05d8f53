package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"codeberg.org/opteos/roomgate/db"
	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/mailbox"
	"codeberg.org/opteos/roomgate/web"
)

// shutdownGrace bounds how long a stop waits for the message in hand and
// the last outbox flush.
const shutdownGrace = 30 * time.Second

func runServe(args []string, stdout io.Writer) error {
	fs := newFlagSet("serve")
	path := fs.String("config", "roomgate.toml", "configuration `file`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := LoadConfig(*path)
	if err != nil {
		return err
	}
	// The metrics outlive reloads: counters keep counting.
	metrics := web.NewMetrics()
	log := newServeLogger(cfg, metrics)
	log.Info("roomgate starting", append(readBuildInfo().logAttrs(), "config", *path)...)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	for {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- serveWith(ctx, cfg, log, metrics) }()
		next, err := waitReload(log, *path, done, cancel, stop, hup, func(c *Config) error { return reloadProbe(c, log) })
		cancel()
		if next == nil {
			return err
		}
		if err := waitStopped(done); err != nil {
			return err
		}
		cfg, log = next, newServeLogger(next, metrics)
	}
}

// waitReload waits until the daemon ends by itself (its error), a signal
// stops it (nil, the error it stopped with) or SIGHUP brings a valid
// configuration (that configuration; the caller stops the daemon). A
// configuration that does not load is refused and the daemon goes on
// untouched.
func waitReload(log *slog.Logger, path string, done <-chan error, cancel func(), stop, hup <-chan os.Signal, probe func(*Config) error) (*Config, error) {
	for {
		select {
		case err := <-done:
			return nil, err
		case s := <-stop:
			log.Info("stopping: finishing the message in hand and flushing the outbox", "signal", s.String())
			cancel()
			return nil, waitStopped(done)
		case <-hup:
			next, err := LoadConfig(path)
			if err != nil {
				log.Error("reload refused: the running configuration stays", "err", err)
				continue
			}
			// A new password or server that does not work must not cost
			// the connection that does.
			if err := probe(next); err != nil {
				log.Error("reload refused: the new configuration cannot log in to IMAP; the running configuration stays", "err", err)
				continue
			}
			log.Info("reloading the configuration", "file", path)
			return next, nil
		}
	}
}

// reloadProbe logs in to the IMAP server a new configuration names (and
// opens its folders), without touching the database: the running daemon
// keeps its own connection meanwhile.
func reloadProbe(cfg *Config, log *slog.Logger) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := cfg.IMAP
	m, err := mailbox.NewIMAP(mailbox.IMAPOptions{Address: c.Address, Security: c.Security, Username: c.Username,
		Password: c.Password, Inbox: c.Inbox, Folders: cfg.folders(), MaxMessageSize: int64(cfg.MaxMessageSize),
		PollInterval: c.PollInterval.Duration, State: probeState{}, Logger: log})
	if err != nil {
		return err
	}
	defer m.Close()
	return m.Check(ctx)
}

// probeState is the mailbox state of reloadProbe: nothing is read or kept.
type probeState struct{}

func (probeState) LoadMailboxState(context.Context, string) (uint32, uint32, error) { return 0, 0, nil }
func (probeState) SaveMailboxState(context.Context, string, uint32, uint32) error   { return nil }

// waitStopped waits for a stopping daemon, at most shutdownGrace.
func waitStopped(done <-chan error) error {
	select {
	case err := <-done:
		return err
	case <-time.After(shutdownGrace):
		return errors.New("did not stop within 30s")
	}
}

// serveOnce runs the daemon with one configuration until ctx is done.
func serveOnce(ctx context.Context, cfg *Config) error {
	return serveOnceLogger(ctx, cfg, newLogger(cfg.LogLevel, cfg.LogFormat))
}

// serveOnceLogger is serveOnce with a given logger.
func serveOnceLogger(ctx context.Context, cfg *Config, log *slog.Logger) error {
	return serveWith(ctx, cfg, log, web.NewMetrics())
}

// serveWith runs the daemon with one configuration, logger and metrics
// until ctx is done.
func serveWith(ctx context.Context, cfg *Config, log *slog.Logger, metrics *web.Metrics) error {
	hook := &chatHook{}
	observe := func(o gateway.Outcome, took time.Duration) { metrics.ObserveOutcome(o, took); hook.observe(o) }
	a, err := openAppMetered(ctx, cfg, log, nil, metrics, func(o *gateway.Options) { o.OnOutcome = observe })
	if err != nil {
		return err
	}
	defer a.Close()
	front, err := newChatFront(cfg, a, log)
	if err != nil {
		return err
	}
	hook.front.Store(front)
	metrics.WatchInbox(a.gw.OldestWaiting, time.Now)
	if cfg.Database.Driver == db.DriverSQLite {
		metrics.WatchWAL(a.store.WALBytes)
	}
	onConnect, started := startedOnLogin(cfg, log, metrics)
	src, err := a.newIMAP(onConnect, metrics.SetIMAPLoginFailed)
	if err != nil {
		return err
	}
	defer src.Close()
	stopWeb, err := startWeb(cfg, a, metrics, log, front.handlers())
	if err != nil {
		return err
	}
	defer stopWeb()
	sender, err := cfg.newSMTP(log)
	if err != nil {
		return err
	}
	outOpt, err := cfg.outboxOptions()
	if err != nil {
		return err
	}
	cfg.logWarnings(log)
	loops := []loop{
		{"outbox", func(ctx context.Context) error { return a.gw.RunOutbox(ctx, sender, outOpt) }},
		{"reminders", a.gw.RunReminders},
		{"open series", func(ctx context.Context) error { return a.gw.RunSeries(ctx, 15*time.Minute) }},
		{"retention", func(ctx context.Context) error { return runRetention(ctx, a.store, cfg.keepSent(), log) }},
		{"zoom", a.meet.Run},
	}
	loops = append(loops, front.loops()...)
	errs := make([]error, len(loops)+1)
	var wg sync.WaitGroup
	for i, l := range loops {
		wg.Go(func() { errs[i] = supervise(ctx, log, l) })
	}
	lease, err := a.store.Lease("mailbox")
	if err != nil {
		return err
	}
	read := mailbox.LeaseOptions{Lease: lease, Retry: cfg.leaseEvery, Check: cfg.leaseEvery, Logger: log,
		Run: func(ctx context.Context) error {
			defer src.Disconnect() // standing by, an instance holds no IMAP connection
			return a.gw.Run(ctx, src)
		},
		OnChange: func(held bool) {
			metrics.SetMailboxStandby(!held)
			if !held {
				started(false)
			}
		}}
	errs[len(loops)] = supervise(ctx, log, loop{"mailbox", func(ctx context.Context) error { return mailbox.RunLeased(ctx, read) }})
	wg.Wait()
	log.Info("roomgate stopped")
	return errors.Join(errs...)
}

// startedOnLogin returns the IMAP connection callback of the daemon: it
// feeds the metrics and, at the first login, logs "roomgate started". An
// instance that stands by while another reads the mailbox logs it with
// started(false) instead, with mailbox=standby.
func startedOnLogin(cfg *Config, log *slog.Logger, metrics *web.Metrics) (onConnect func(bool), started func(reading bool)) {
	var once sync.Once
	started = func(reading bool) {
		once.Do(func() {
			role := "reading"
			if !reading {
				role = "standby"
			}
			log.Info("roomgate started", "imap", cfg.IMAP.Address, "smtp", cfg.SMTP.Address,
				"rooms", len(cfg.Rooms), "database", cfg.Database.Driver, "mailbox", role)
		})
	}
	onConnect = func(up bool) {
		metrics.SetIMAPConnected(up)
		if up {
			started(true)
		}
	}
	return onConnect, started
}
