package zoomapi

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Rate limits (https://developers.zoom.us/docs/api/rate-limits/) are per
// account and per class of endpoint, per second (QPS) or per day; an
// excess is answered HTTP 429. A per-second excess may carry Retry-After
// (taken in any of its forms: delta-seconds or an HTTP-date, RFC 9110
// §10.2.3, or an RFC 3339 time) and X-RateLimit-Type: QPS, the names Zoom
// clients read (ZoomNet's Http429RetryStrategy; not verified). The daily
// limit on creating and updating meetings carries no Retry-After: only
// x-ratelimit-category, x-ratelimit-limit and x-ratelimit-remaining, and
// the message "… You may resume these requests at GMT 00:00:00." (the
// specs' SOURCES.md), from which the wait is read.

// retryAfter reads how long a 429 answer asks to wait, 0 when it says
// nothing usable; daily is true for a daily limit.
func retryAfter(h http.Header, msg string, now time.Time) (wait time.Duration, daily bool) {
	if at, ok := resumeAt(msg, now); ok {
		return at.Sub(now), true
	}
	daily = strings.EqualFold(h.Get("X-RateLimit-Type"), "Daily-limit") ||
		strings.Contains(strings.ToLower(msg), "daily") ||
		(h.Get("X-RateLimit-Remaining") == "0" && h.Get("X-RateLimit-Limit") != "")
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		switch {
		case daily: // no time given: Zoom's days begin at 00:00 GMT
			return nextGMT(now, 0, 0, 0).Sub(now), true
		case strings.EqualFold(h.Get("X-RateLimit-Type"), "QPS"):
			return time.Second, false
		}
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, daily
	}
	t, err := http.ParseTime(v)
	if err != nil {
		if t, err = time.Parse(time.RFC3339, v); err != nil {
			return 0, daily
		}
	}
	if d := t.Sub(now); d > 0 {
		return d, daily
	}
	return 0, daily
}

// resumeAt reads "resume these requests at GMT HH:MM:SS" in a 429
// message: the next such time after now.
func resumeAt(msg string, now time.Time) (time.Time, bool) {
	low := strings.ToLower(msg)
	i := strings.Index(low, "resume these requests at")
	if i < 0 {
		return time.Time{}, false
	}
	rest := strings.TrimSpace(low[i+len("resume these requests at"):])
	rest = strings.TrimSpace(strings.TrimPrefix(rest, "gmt"))
	var h, m, sec int
	if n, _ := fmt.Sscanf(rest, "%d:%d:%d", &h, &m, &sec); n < 2 || h > 23 || m > 59 || sec > 59 || h < 0 || m < 0 || sec < 0 {
		return time.Time{}, false
	}
	return nextGMT(now, h, m, sec), true
}

// nextGMT is the first h:m:s GMT strictly after now.
func nextGMT(now time.Time, h, m, s int) time.Time {
	u := now.UTC()
	t := time.Date(u.Year(), u.Month(), u.Day(), h, m, s, 0, time.UTC)
	if !t.After(u) {
		t = t.AddDate(0, 0, 1)
	}
	return t
}

// backoff is the wait before attempt n+1 (n ≥ 1) after a failure that
// gave no Retry-After: base·2^(n−1), at most max, then jittered.
func (c *Client) backoff(n int) time.Duration {
	d := c.opt.BaseBackoff
	for i := 1; i < n && d < c.opt.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, c.opt.MaxBackoff)
	return c.opt.Jitter(d)
}

// halfJitter spreads waits over [d/2, d] so that instances retrying
// together do not hit Zoom at the same instant.
func halfJitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2+1)
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// retryable decides, after a failed attempt, whether to try again and
// after how long; the caller has already checked that its own context is
// still alive. idempotent is false for calls Zoom may have carried out
// even though the answer was lost (creating a meeting): those are retried
// only on 429, which Zoom answers before doing anything.
func (c *Client) retryable(err error, attempt int, idempotent bool) (time.Duration, bool) {
	var e *Error
	if errors.As(err, &e) {
		if e.Status == http.StatusTooManyRequests {
			if e.RetryAfter > c.opt.MaxRetryWait {
				return 0, false // a daily limit: the caller reschedules
			}
			if e.RetryAfter > 0 {
				return e.RetryAfter, true
			}
			return c.backoff(attempt), true
		}
		return c.backoff(attempt), idempotent && e.Temporary()
	}
	var te *transportError
	var ve *VerifyError
	if errors.As(err, &te) || errors.As(err, &ve) {
		return c.backoff(attempt), idempotent
	}
	return 0, false
}

// transportError is a request that got no HTTP answer (connection refused,
// reset, the attempt's own deadline).
type transportError struct {
	op  string
	err error
}

func (e *transportError) Error() string { return "zoom: " + e.op + ": " + e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

// Temporary is true: the network may come back.
func (e *transportError) Temporary() bool { return true }
