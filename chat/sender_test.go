package chat

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSenderDropsOldest: a full queue drops its oldest job with a
// warning, and Enqueue never waits, even while a job hangs.
func TestSenderDropsOldest(t *testing.T) {
	var logs bytes.Buffer
	s := NewSender(3, time.Minute, slog.New(slog.NewTextHandler(&logs, nil)))
	for i := range 5 {
		s.Enqueue("post "+string(rune('a'+i)), func(context.Context) error { return nil })
	}
	if s.Len() != 3 || s.Dropped() != 2 {
		t.Fatalf("queue %d, dropped %d; want 3 and 2", s.Len(), s.Dropped())
	}
	if !strings.Contains(logs.String(), "dropped=\"post a\"") || !strings.Contains(logs.String(), "dropped=\"post b\"") {
		t.Errorf("warnings:\n%s", logs.String())
	}
	var ran []string
	var mu sync.Mutex
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	for _, name := range []string{"x", "y", "z"} {
		s.Enqueue(name, func(context.Context) error {
			mu.Lock()
			ran = append(ran, name)
			n := len(ran)
			mu.Unlock()
			if n == 3 {
				close(done)
			}
			return nil
		})
	}
	go s.Run(ctx)
	<-done
	cancel()
	if strings.Join(ran, "") != "xyz" {
		t.Errorf("ran %v, want the three newest in order", ran)
	}
}

// TestSenderTimeout: a job that hangs on a server that is down ends at
// the timeout, and the next job runs; a panic is a logged error.
func TestSenderTimeout(t *testing.T) {
	var logs bytes.Buffer
	var mu sync.Mutex
	s := NewSender(8, 20*time.Millisecond, slog.New(slog.NewTextHandler(&syncWriter{w: &logs, mu: &mu}, nil)))
	got := make(chan error, 1)
	next := make(chan struct{})
	s.Enqueue("hangs", func(ctx context.Context) error {
		<-ctx.Done() // a server that never answers
		got <- ctx.Err()
		return ctx.Err()
	})
	s.Enqueue("panics", func(context.Context) error { panic("bad input") })
	s.Enqueue("next", func(context.Context) error { close(next); return nil })
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go s.Run(ctx)
	if err := <-got; !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("the hanging job ended with %v", err)
	}
	<-next
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logs.String(), "panic: bad input") {
		t.Errorf("the panic was not logged:\n%s", logs.String())
	}
}

type syncWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
