package zoomapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The Server-to-Server OAuth token (https://developers.zoom.us/docs/rooms/s2s-oauth/,
// https://developers.zoom.us/docs/rooms/oauth/): POST https://zoom.us/oauth/token
// with HTTP Basic client_id:client_secret and grant_type=account_credentials,
// account_id=… (in the query or as an x-www-form-urlencoded body; the body
// is used here, as in Zoom's SDK). The answer is
// {"access_token", "token_type": "bearer", "expires_in": 3600, "scope"}:
// the token lives one hour and there is no refresh token, so a new one is
// simply requested.

// tokenAnswer is the token endpoint's success body.
type tokenAnswer struct {
	AccessToken Secret `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	Scope       string `json:"scope"`
}

// tokenSource caches the access token until TokenMargin before it expires.
type tokenSource struct {
	c *Client
	// lock is a one-slot semaphore, so that waiting for a token fetched
	// by another goroutine still respects the caller's context.
	lock   chan struct{}
	tok    Secret
	exp    time.Time
	scopes []string
}

func newTokenSource(c *Client) *tokenSource {
	return &tokenSource{c: c, lock: make(chan struct{}, 1)}
}

// get returns a valid token, fetching one when needed.
func (t *tokenSource) get(ctx context.Context) (Secret, error) {
	select {
	case t.lock <- struct{}{}:
	case <-ctx.Done():
		return "", &transportError{op: "get access token", err: ctx.Err()}
	}
	defer func() { <-t.lock }()
	if t.tok != "" && t.c.opt.Now().Before(t.exp.Add(-t.c.opt.TokenMargin)) {
		return t.tok, nil
	}
	a, err := t.fetch(ctx)
	if err != nil {
		return "", err
	}
	ttl := time.Duration(a.ExpiresIn) * time.Second
	if ttl <= 0 {
		ttl = time.Hour // the documented lifetime
	}
	t.tok, t.exp, t.scopes = a.AccessToken, t.c.opt.Now().Add(ttl), strings.Fields(a.Scope)
	t.c.log.Debug("zoom api: new access token", "expires_in", ttl, "scopes", len(t.scopes))
	return t.tok, nil
}

// drop forgets tok after Zoom refused it, unless a newer one replaced it.
func (t *tokenSource) drop(tok Secret) {
	t.lock <- struct{}{}
	defer func() { <-t.lock }()
	if t.tok == tok {
		t.tok = ""
	}
}

// fetch asks the token endpoint once; the caller's retry loop handles
// temporary failures.
func (t *tokenSource) fetch(ctx context.Context) (*tokenAnswer, error) {
	const op = "get access token"
	o := t.c.opt
	form := url.Values{"grant_type": {"account_credentials"}, "account_id": {o.AccountID}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("zoom: %s: %w", op, err)
	}
	req.SetBasicAuth(o.ClientID, o.ClientSecret.Reveal())
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := t.c.http.Do(req)
	if err != nil {
		return nil, &transportError{op: op, err: withoutURL(err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, t.failure(resp)
	}
	var a tokenAnswer
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxErrorBody)).Decode(&a); err != nil || a.AccessToken == "" {
		return nil, fmt.Errorf("zoom: %s: the answer holds no access_token", op)
	}
	return &a, nil
}

// tokenFailure classifies a refusal: 429 and 5xx are temporary; any other
// 4xx means the credentials (or the app) are wrong.
func (t *tokenSource) failure(resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		err := apiError("get access token", resp, b)
		if e, ok := err.(*Error); ok && e.Status == http.StatusTooManyRequests {
			e.RetryAfter, e.DailyLimit = retryAfter(resp.Header, e.Message, t.c.opt.Now())
		}
		return err
	}
	var zb zoomBody
	_ = json.Unmarshal(b, &zb)
	reason := zb.Reason
	for _, s := range []string{zb.Err, zb.Message} {
		if reason == "" {
			reason = s
		}
	}
	return &CredentialsError{Status: resp.StatusCode, Reason: clip(reason)}
}

// Scopes fetches a token if needed and returns the scopes Zoom granted it,
// as the token answer lists them.
func (c *Client) Scopes(ctx context.Context) ([]string, error) {
	err := c.retry(ctx, "get access token", true, c.opt.Timeout, func(ctx context.Context) error {
		_, err := c.tokens.get(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	c.tokens.lock <- struct{}{}
	defer func() { <-c.tokens.lock }()
	return append([]string(nil), c.tokens.scopes...), nil
}
