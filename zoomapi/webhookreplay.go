package zoomapi

import (
	"log/slog"
	"sync"
	"time"
)

// seenRequests remembers the signatures of the webhook requests accepted
// within their validity, so that a request replayed before it goes stale
// is handled once. A signature covers the timestamp and the whole body
// (see Sign), so two deliveries with the same signature are the same
// bytes. Each is kept until its timestamp is maxSkew old, when
// VerifyWebhook refuses it anyway; at most max are kept. The memory is
// the process's own: another instance of roomgate behind the same URL
// keeps its own.
type seenRequests struct {
	max int

	mu    sync.Mutex
	until map[string]time.Time // signature → when it goes stale
}

// sweepMargin keeps a request remembered a little after it went stale, for
// a copy whose handler read the clock just before that and was delayed.
const sweepMargin = time.Minute

// DefaultMaxRemembered bounds the requests a webhook handler remembers
// (Zoom's events for one account, within ten minutes).
const DefaultMaxRemembered = 10000

// seenOutcome is what claim found.
type seenOutcome int

const (
	seenNew seenOutcome = iota
	seenReplay
	seenFull
)

// claim records sig, valid until `until`, unless it is already there
// (a replay) or the memory is full of requests still valid.
func (s *seenRequests) claim(sig string, until, now time.Time) seenOutcome {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, ok := s.until[sig]; ok && !now.After(u) {
		return seenReplay
	}
	if len(s.until) >= s.max {
		for k, u := range s.until {
			if now.After(u.Add(sweepMargin)) {
				delete(s.until, k)
			}
		}
		if len(s.until) >= s.max {
			return seenFull
		}
	}
	s.until[sig] = until
	return seenNew
}

// release forgets sig: its event was not recorded, and Zoom's next try
// must be handled.
func (s *seenRequests) release(sig string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.until, sig)
}

// logLimiter writes at most one line per reason and period: the first
// refusal of a period is logged at once, the following ones are counted
// and said (also_refused) with the first one after the period. The
// reasons are a fixed set, so is its memory.
type logLimiter struct {
	log    *slog.Logger
	period time.Duration

	mu      sync.Mutex
	reasons map[string]*logCount
}

type logCount struct {
	last       time.Time // when a line was written
	suppressed int       // refusals since, not logged
}

// warn logs msg with the reason and attrs, or counts it.
func (l *logLimiter) warn(now time.Time, msg, reason string, attrs ...any) {
	l.mu.Lock()
	c := l.reasons[reason]
	if c == nil {
		c = &logCount{}
		l.reasons[reason] = c
	}
	if !c.last.IsZero() && now.Sub(c.last) < l.period {
		c.suppressed++
		l.mu.Unlock()
		return
	}
	n, since := c.suppressed, c.last
	c.last, c.suppressed = now, 0
	l.mu.Unlock()
	attrs = append([]any{"reason", reason}, attrs...)
	if n > 0 {
		attrs = append(attrs, "also_refused", n, "since", since)
	}
	l.log.Warn(msg, attrs...)
}
