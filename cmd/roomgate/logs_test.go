package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// logBuffer keeps a daemon's log for assertions; safe for concurrent use.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
	t  *testing.T
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// line returns the first line holding sub and each of also, or "".
func (l *logBuffer) line(sub string, also ...string) string {
	for _, ln := range strings.Split(l.String(), "\n") {
		if strings.Contains(ln, sub) && containsAll(ln, also) {
			return ln
		}
	}
	return ""
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// waitLine waits for a line holding sub and returns it.
func (l *logBuffer) waitLine(t *testing.T, sub string, within time.Duration, also ...string) string {
	t.Helper()
	end := time.Now().Add(within)
	for {
		if ln := l.line(sub, also...); ln != "" {
			return ln
		}
		if time.Now().After(end) {
			t.Fatalf("no log line with %q within %s; log:\n%s", sub, within, l.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startDaemonLog is startDaemon with the daemon's log (level info) kept
// for the test.
func startDaemonLog(t *testing.T, cfg *Config) *logBuffer {
	t.Helper()
	logs := &logBuffer{t: t}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, cancel := context.WithCancel(context.Background())
	d := &daemon{cancel: cancel, done: make(chan error, 1)}
	go func() { d.done <- serveOnceLogger(ctx, cfg, log) }()
	t.Cleanup(func() { d.stop(t) })
	return logs
}
