package chat

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Sender runs the calls to a chat server in the background, one at a
// time, each within a timeout, so that nothing else waits for the chat: a
// booking by mail never does. Its queue is bounded: when it is full the
// oldest job is dropped, with a warning. It is safe for concurrent use.
type Sender struct {
	max     int
	timeout time.Duration
	log     *slog.Logger

	mu      sync.Mutex
	queue   []job
	dropped int
	wake    chan struct{}
}

type job struct {
	name string
	fn   func(context.Context) error
}

// Defaults of NewSender.
const (
	DefaultQueue   = 64
	DefaultTimeout = 10 * time.Second
)

// NewSender makes a Sender holding at most max jobs, each given timeout
// (defaults for zero values). log may be nil (slog.Default()).
func NewSender(max int, timeout time.Duration, log *slog.Logger) *Sender {
	if max <= 0 {
		max = DefaultQueue
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if log == nil {
		log = slog.Default()
	}
	return &Sender{max: max, timeout: timeout, log: log, wake: make(chan struct{}, 1)}
}

// Enqueue adds a job and returns at once. name says what it is, for logs.
func (s *Sender) Enqueue(name string, fn func(context.Context) error) {
	s.mu.Lock()
	if len(s.queue) == s.max {
		old := s.queue[0]
		s.queue = s.queue[1:]
		s.dropped++
		s.log.Warn("chat queue full: dropped the oldest message", "dropped", old.name, "queue", s.max)
	}
	s.queue = append(s.queue, job{name: name, fn: fn})
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Dropped counts the jobs dropped so far.
func (s *Sender) Dropped() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dropped
}

// Len is the number of jobs waiting.
func (s *Sender) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}

// Run runs the jobs until ctx ends. A failed job is logged, not retried:
// presence and agenda posts are rewritten from the state by the next one.
func (s *Sender) Run(ctx context.Context) {
	for {
		j, ok := s.next()
		if !ok {
			select {
			case <-ctx.Done():
				return
			case <-s.wake:
			}
			continue
		}
		if ctx.Err() != nil {
			return
		}
		if err := s.do(ctx, j); err != nil {
			s.log.Warn("chat message not sent", "job", j.name, "err", err)
		}
	}
}

func (s *Sender) next() (job, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) == 0 {
		return job{}, false
	}
	j := s.queue[0]
	s.queue = s.queue[1:]
	return j, true
}

// do runs one job within the timeout; a panic becomes its error.
func (s *Sender) do(ctx context.Context, j job) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	return j.fn(ctx)
}
