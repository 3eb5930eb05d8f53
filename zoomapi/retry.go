package zoomapi

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Rate limits (https://developers.zoom.us/docs/api/rate-limits/) are per
// account and per class of endpoint, per second (QPS) or per day; an
// excess is answered HTTP 429. The page read names the label and type of
// a limit but its header section could not be read; the header names used
// here (Retry-After, X-RateLimit-Type: QPS or Daily-limit) are those Zoom
// clients read (ZoomNet's Http429RetryStrategy) — not verified on Zoom's
// page. Retry-After is taken in any of its forms: delta-seconds or an
// HTTP-date (RFC 9110 §10.2.3), or an RFC 3339 time.

// retryAfter reads how long a 429 answer asks to wait, 0 when it says
// nothing usable.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		if strings.EqualFold(h.Get("X-RateLimit-Type"), "QPS") {
			return time.Second
		}
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	t, err := http.ParseTime(v)
	if err != nil {
		if t, err = time.Parse(time.RFC3339, v); err != nil {
			return 0
		}
	}
	if d := t.Sub(now); d > 0 {
		return d
	}
	return 0
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
