package main

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"codeberg.org/opteos/roomgate/web"
)

// loop is one of the daemon's background loops: it runs until its
// context is done.
type loop struct {
	name string
	run  func(context.Context) error
}

// Pauses before a loop that panicked starts again: doubled after each
// panic in a row, up to the most.
const (
	restartPause    = time.Second
	restartPauseMax = time.Minute
)

// supervise runs l until ctx is done. A panic is logged with its stack and
// l starts again after a pause, so one bad row or message never stops the
// daemon; an error or a normal return ends it.
func supervise(ctx context.Context, log *slog.Logger, l loop) error {
	pause := restartPause
	for {
		err, panicked := guard(ctx, log, l)
		if !panicked || ctx.Err() != nil {
			return err
		}
		log.Info("restarting the loop after its panic", "loop", l.name, "pause", pause)
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		pause = min(2*pause, restartPauseMax)
	}
}

// guard runs l once and turns a panic into a log record with its stack.
func guard(ctx context.Context, log *slog.Logger, l loop) (err error, panicked bool) {
	defer func() {
		if r := recover(); r != nil {
			log.Error("panic in a background loop", "loop", l.name, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err, panicked = nil, true
		}
	}()
	return l.run(ctx), false
}

// countingHandler passes records on and counts those at WARN and above in
// the metrics (roomgate_log_messages_total), so that errors can be alerted on.
type countingHandler struct {
	slog.Handler
	m *web.Metrics
}

// Handle counts the record, then writes it.
func (h countingHandler) Handle(ctx context.Context, r slog.Record) error {
	h.m.CountLog(r.Level)
	return h.Handler.Handle(ctx, r)
}

// WithAttrs keeps counting.
func (h countingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return countingHandler{h.Handler.WithAttrs(as), h.m}
}

// WithGroup keeps counting.
func (h countingHandler) WithGroup(name string) slog.Handler {
	return countingHandler{h.Handler.WithGroup(name), h.m}
}

// newServeLogger is the daemon's logger: the configured one, counted in m.
func newServeLogger(cfg *Config, m *web.Metrics) *slog.Logger {
	return slog.New(countingHandler{newLogger(cfg.LogLevel, cfg.LogFormat).Handler(), m})
}
