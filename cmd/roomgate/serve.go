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

	"codeberg.org/opteos/roomgate/gateway"
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
	log := newLogger(cfg.LogLevel, cfg.LogFormat)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	for {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- serveOnce(ctx, cfg) }()
		select {
		case err := <-done:
			cancel()
			return err
		case s := <-stop:
			log.Info("stopping: finishing the message in hand and flushing the outbox", "signal", s.String())
			cancel()
			return waitStopped(done)
		case <-hup:
			next, err := LoadConfig(*path)
			if err != nil {
				log.Error("reload refused: the running configuration stays", "err", err)
				cancel()
				if err := waitStopped(done); err != nil {
					return err
				}
				continue
			}
			log.Info("reloading the configuration", "file", *path)
			cancel()
			if err := waitStopped(done); err != nil {
				return err
			}
			cfg = next
		}
	}
}

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
	metrics := web.NewMetrics()
	a, err := openApp(ctx, cfg, log, nil, func(o *gateway.Options) { o.OnOutcome = metrics.ObserveOutcome })
	if err != nil {
		return err
	}
	defer a.Close()
	metrics.WatchInbox(a.gw.OldestWaiting, time.Now)
	src, err := a.newIMAP(metrics.SetIMAPConnected)
	if err != nil {
		return err
	}
	defer src.Close()
	stopWeb, err := startWeb(cfg, a, metrics, log)
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
	for _, w := range cfg.warnings {
		log.Warn("configuration: " + w)
	}
	log.Info("roomgate started", "imap", cfg.IMAP.Address, "smtp", cfg.SMTP.Address, "rooms", len(cfg.Rooms),
		"database", cfg.Database.Driver)
	var wg sync.WaitGroup
	var outErr, remErr, serErr error
	wg.Add(3)
	go func() {
		defer wg.Done()
		outErr = a.gw.RunOutbox(ctx, sender, outOpt)
	}()
	go func() {
		defer wg.Done()
		remErr = a.gw.RunReminders(ctx)
	}()
	go func() {
		defer wg.Done()
		serErr = a.gw.RunSeries(ctx, 15*time.Minute)
	}()
	runErr := a.gw.Run(ctx, src)
	wg.Wait()
	log.Info("roomgate stopped")
	return errors.Join(runErr, outErr, remErr, serErr)
}
