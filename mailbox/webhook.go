package mailbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// DefaultWebhookTimeout bounds one webhook POST when WebhookOptions.Timeout
// is zero.
const DefaultWebhookTimeout = 10 * time.Second

// WebhookOptions configures a chat webhook. URL is required.
type WebhookOptions struct {
	// URL is the incoming webhook's address (Mattermost: …/hooks/KEY,
	// Rocket.Chat: …/hooks/ID/TOKEN). It is a secret: it never appears in
	// errors or logs.
	URL string
	// Timeout bounds each POST; DefaultWebhookTimeout when zero.
	Timeout time.Duration
	// Client is the HTTP client; a new one with Timeout when nil.
	Client *http.Client
}

// Webhook posts chat messages to an incoming webhook. It implements
// gateway.Poster and is safe for concurrent use.
type Webhook struct {
	url    string
	client *http.Client
}

// NewWebhook checks opt and returns a poster. The URL must be https, or
// http on a loopback address.
func NewWebhook(opt WebhookOptions) (*Webhook, error) {
	u, err := url.Parse(opt.URL)
	if err != nil || u.Host == "" {
		return nil, errors.New("webhook: the URL is not an absolute http(s) URL")
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && isLoopbackHost(u.Hostname())) {
		return nil, errors.New("webhook: the URL must be https (http only on a loopback address)")
	}
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultWebhookTimeout
	}
	c := opt.Client
	if c == nil {
		c = &http.Client{Timeout: opt.Timeout}
	}
	return &Webhook{url: opt.URL, client: c}, nil
}

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// PostError is the error of a failed Post. It implements
// gateway.PermanentError: a 4xx answer other than 408 and 429 is
// permanent (the message or the hook is wrong: RFC 9110 §15.5); a 5xx
// answer, 408, 429 and network errors are temporary.
type PostError struct {
	// Status is the HTTP status code, 0 when there was no answer.
	Status int
	Err    error
}

// Error describes the failure without the URL.
func (e *PostError) Error() string { return "webhook: " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *PostError) Unwrap() error { return e.Err }

// Permanent reports whether retrying cannot help.
func (e *PostError) Permanent() bool {
	return e.Status >= 400 && e.Status < 500 && e.Status != http.StatusTooManyRequests &&
		e.Status != http.StatusRequestTimeout
}

// Post sends body (a JSON chat message) to the webhook; a 2xx answer is
// success.
func (w *Webhook) Post(ctx context.Context, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return &PostError{Err: errors.New("cannot build the request")}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.client.Do(req)
	if err != nil {
		return &PostError{Err: hideURL(err)}
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &PostError{Status: resp.StatusCode, Err: fmt.Errorf("the server answered %s", resp.Status)}
	}
	return nil
}

// hideURL strips the URL that net/http puts in its errors (*url.Error),
// since it holds the webhook's secret.
func hideURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("post: %w", ue.Err)
	}
	return err
}
