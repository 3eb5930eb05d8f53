package zoomapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Zoom's endpoints: the API base is https://api.zoom.us/v2 and tokens come
// from https://zoom.us/oauth/token (https://developers.zoom.us/docs/rooms/oauth/;
// the same constants in Zoom's SDK, rivet-javascript WebEndpoints and Auth).
const (
	DefaultBaseURL  = "https://api.zoom.us/v2"
	DefaultTokenURL = "https://zoom.us/oauth/token"
)

// Options configures a Client. AccountID, ClientID and ClientSecret (the
// Server-to-Server OAuth app's credentials) are required; everything else
// has a default.
type Options struct {
	AccountID    string
	ClientID     string
	ClientSecret Secret

	// BaseURL and TokenURL default to Zoom's; tests point them at
	// zoomtest. They must be https, or http on a loopback address.
	BaseURL  string
	TokenURL string
	// DownloadDomains are the hosts (and their subdomains) to which
	// Download sends a token; default zoom.us. BaseURL's host is always
	// allowed.
	DownloadDomains []string

	HTTPClient *http.Client
	Logger     *slog.Logger
	// Now is the clock (token expiry, Retry-After dates); time.Now by default.
	Now func() time.Time
	// Sleep waits between attempts; tests record the waits instead.
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter spreads a backoff wait; by default over [d/2, d].
	Jitter func(d time.Duration) time.Duration

	// Timeout bounds one attempt of an API call (default 30s);
	// DownloadTimeout one attempt of a download (default 1h).
	Timeout         time.Duration
	DownloadTimeout time.Duration
	// MaxAttempts is the number of tries of a call (default 4).
	MaxAttempts int
	// BaseBackoff and MaxBackoff shape the exponential backoff (1s, 30s).
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
	// MaxRetryWait is the longest Retry-After waited for within a call
	// (default 1m); a longer one (a daily limit) is returned at once as
	// an *Error with RetryAfter, for the caller to reschedule.
	MaxRetryWait time.Duration
	// TokenMargin renews the access token this long before it expires
	// (default 60s, as Zoom's SDK does).
	TokenMargin time.Duration
}

// Client calls Zoom's API. It is safe for concurrent use.
type Client struct {
	opt    Options
	http   *http.Client
	log    *slog.Logger
	tokens *tokenSource
}

// New checks opt and returns a client; it makes no request.
func New(opt Options) (*Client, error) {
	if opt.AccountID == "" || opt.ClientID == "" || opt.ClientSecret == "" {
		return nil, errors.New("zoom: account ID, client ID and client secret are all required")
	}
	opt.setDefaults()
	for _, u := range []string{opt.BaseURL, opt.TokenURL} {
		if err := checkURL(u); err != nil {
			return nil, err
		}
	}
	c := &Client{opt: opt, http: opt.HTTPClient, log: opt.Logger}
	c.tokens = newTokenSource(c)
	return c, nil
}

func (o *Options) setDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	o.BaseURL = strings.TrimRight(firstNonEmpty(o.BaseURL, DefaultBaseURL), "/")
	o.TokenURL = firstNonEmpty(o.TokenURL, DefaultTokenURL)
	if o.DownloadDomains == nil {
		o.DownloadDomains = []string{"zoom.us"}
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = sleepCtx
	}
	if o.Jitter == nil {
		o.Jitter = halfJitter
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 4
	}
	def(&o.Timeout, 30*time.Second)
	def(&o.DownloadTimeout, time.Hour)
	def(&o.BaseBackoff, time.Second)
	def(&o.MaxBackoff, 30*time.Second)
	def(&o.MaxRetryWait, time.Minute)
	def(&o.TokenMargin, time.Minute)
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// checkURL accepts https URLs, and http ones on a loopback address (tests).
func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("zoom: %q is not an absolute URL", raw)
	}
	if u.Scheme != "https" && (u.Scheme != "http" || !isLoopback(u.Hostname())) {
		return fmt.Errorf("zoom: %q must be https (http only on a loopback address)", raw)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// call is one API request.
type call struct {
	op, method, path string // path is escaped, relative to BaseURL
	query            url.Values
	in, out          any
	// idempotent calls are retried after server errors and lost answers.
	idempotent bool
}

// maxAnswer bounds a JSON answer read from Zoom.
const maxAnswer = 8 << 20

// do runs k with retries and decodes the answer into k.out.
func (c *Client) do(ctx context.Context, k call) error {
	var body []byte
	if k.in != nil {
		b, err := json.Marshal(k.in)
		if err != nil {
			return fmt.Errorf("zoom: %s: %w", k.op, err)
		}
		body = b
	}
	return c.retry(ctx, k.op, k.idempotent, c.opt.Timeout, func(ctx context.Context) error {
		return c.attempt(ctx, k, body)
	})
}

// retry runs attempt until it succeeds, fails for good, or MaxAttempts is
// reached. A 401 (the token expired or was revoked early) renews the token
// and tries once more without counting an attempt.
func (c *Client) retry(ctx context.Context, op string, idempotent bool, timeout time.Duration,
	attempt func(context.Context) error) error {
	renewed := false
	for n := 1; ; n++ {
		actx, cancel := context.WithTimeout(ctx, timeout)
		err := attempt(actx)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("zoom: %s: %w", op, ctx.Err())
		}
		var e *Error
		if errors.As(err, &e) && e.Status == http.StatusUnauthorized && !renewed {
			renewed, n = true, n-1
			continue
		}
		wait, ok := c.retryable(err, n, idempotent)
		if !ok || n >= c.opt.MaxAttempts {
			return err
		}
		c.log.Info("zoom api: retrying", "op", op, "attempt", n, "wait", wait, "err", err)
		if err := c.opt.Sleep(ctx, wait); err != nil {
			return fmt.Errorf("zoom: %s: %w", op, err)
		}
	}
}

// attempt sends k once.
func (c *Client) attempt(ctx context.Context, k call, body []byte) error {
	tok, err := c.tokens.get(ctx)
	if err != nil {
		return err
	}
	u := c.opt.BaseURL + k.path
	if len(k.query) > 0 {
		u += "?" + k.query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, k.method, u, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("zoom: %s: %w", k.op, err)
	}
	c.setHeaders(req, tok, body != nil)
	resp, err := c.http.Do(req)
	if err != nil {
		return &transportError{op: k.op, err: withoutURL(err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return c.failure(k.op, resp, tok)
	}
	return decodeAnswer(ctx, k, resp.Body)
}

func (c *Client) setHeaders(req *http.Request, tok Secret, hasBody bool) {
	// Since 14 Feb 2023 Zoom takes access tokens only in the Authorization
	// header (https://developers.zoom.us/blog/access-token-change-faq/).
	req.Header.Set("Authorization", "Bearer "+tok.Reveal())
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "roomgate-zoomapi")
	if hasBody {
		req.Header.Set("Content-Type", "application/json")
	}
}

// failure reads a non-2xx answer into its typed error; a 401 drops the
// token that was refused.
func (c *Client) failure(op string, resp *http.Response, tok Secret) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	err := apiError(op, resp, b)
	var e *Error
	if errors.As(err, &e) {
		switch e.Status {
		case http.StatusTooManyRequests:
			e.RetryAfter, e.DailyLimit = retryAfter(resp.Header, e.Message, c.opt.Now())
		case http.StatusUnauthorized:
			c.tokens.drop(tok)
		}
	}
	return err
}

func decodeAnswer(ctx context.Context, k call, body io.Reader) error {
	r := io.LimitReader(body, maxAnswer)
	if k.out == nil {
		_, _ = io.Copy(io.Discard, r)
		return nil
	}
	if err := json.NewDecoder(r).Decode(k.out); err != nil {
		if ctx.Err() != nil {
			return &transportError{op: k.op, err: ctx.Err()}
		}
		return fmt.Errorf("zoom: %s: unreadable answer: %w", k.op, err)
	}
	return nil
}

// withoutURL drops the URL that net/http puts in its errors: a download
// URL may carry Zoom's own access parameters.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}
