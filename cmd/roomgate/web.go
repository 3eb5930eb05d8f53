package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"time"

	"codeberg.org/opteos/roomgate/web"
)

// webShutdown bounds how long the web server waits for requests in flight.
const webShutdown = 5 * time.Second

// webOptions turns the configuration into the web server's options. The
// web package is given no room secret: no join link, passcode or host key.
func (c *Config) webOptions(store web.Store, m *web.Metrics, log *slog.Logger) web.Options {
	p := c.Policy
	ds, _ := clockOffset(p.DayStart)
	de, _ := clockOffset(p.DayEnd)
	rooms := make(map[string]string, len(c.Rooms))
	for _, r := range c.Rooms {
		rooms[r.Address] = r.Name
	}
	return web.Options{Store: store, Token: c.HTTP.Token, OperatorToken: c.HTTP.OperatorToken, Show: c.HTTP.Show,
		Lang: c.Language, Location: c.location, Rooms: rooms, Concurrent: c.Account.ConcurrentMeetings, ServiceName: c.ServiceName,
		DayStart: ds, DayEnd: de, Buffer: p.Buffer.Duration,
		BookingWindow: time.Duration(p.BookingWindowDays) * 24 * time.Hour, Metrics: m, Logger: log,
		Version: readBuildInfo().Version}
}

// startWeb starts the web server when [http] listen is set, beside the
// gateway, and returns what stops it. It listens before returning, so a
// taken port stops the daemon at start rather than later. extra are more
// routes (the chat's), by path.
func startWeb(cfg *Config, a *app, m *web.Metrics, log *slog.Logger, extra map[string]http.Handler) (stop func(), err error) {
	if cfg.HTTP.Listen == "" {
		return func() {}, nil
	}
	opt := cfg.webOptions(a.store, m, log)
	opt.Waiting = a.gw.OldestWaiting
	if len(cfg.Policy.Approval) > 0 {
		opt.Approvals = a.gw
	}
	opt.Zoom = a.zoomWeb()
	opt.Doors = cfg.Video.doorOptions()
	wh, err := web.New(opt)
	if err != nil {
		return nil, err
	}
	h := withRoutes(wh, extra)
	ln, err := net.Listen("tcp", cfg.HTTP.Listen)
	if err != nil {
		return nil, fmt.Errorf("http.listen: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if r := recover(); r != nil {
				log.Error("panic in the web server", "panic", r, "stack", string(debug.Stack()))
			}
		}()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("web server stopped", "err", err)
		}
	}()
	log.Info("web server listening", "address", ln.Addr().String())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), webShutdown)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			srv.Close()
		}
		<-done
	}, nil
}

// withRoutes serves extra's paths beside h.
func withRoutes(h http.Handler, extra map[string]http.Handler) http.Handler {
	if len(extra) == 0 {
		return h
	}
	mux := http.NewServeMux()
	for path, x := range extra {
		mux.Handle(path, x)
	}
	mux.Handle("/", h)
	return mux
}
