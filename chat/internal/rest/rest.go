// Package rest sends the JSON requests of roomgate's chat clients
// (chat/mattermost, chat/rocketchat): one body out, one bounded answer
// in, errors that name the server and never a secret. Each client keeps
// its own authentication headers and its own error type.
package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// Call is one request.
type Call struct {
	Client *http.Client
	// Name prefixes errors: "mattermost", "rocketchat".
	Name        string
	Method, URL string
	Header      map[string]string
	// In is sent as JSON, Out decoded from a 2xx answer; nil for none.
	In, Out any
	// Limit bounds the answer read, in octets.
	Limit int64
	// Show is what errors say of the URL (nil: scheme, host and path).
	Show func(*url.URL) string
}

// Do sends c. A 2xx answer is decoded into c.Out and gives status and a
// nil error; any other answer gives its status and body, with a nil error,
// for the caller's error type. err is for what never got an answer, or
// an answer that could not be read.
func Do(ctx context.Context, c Call) (status int, body []byte, err error) {
	var in io.Reader
	if c.In != nil {
		b, err := json.Marshal(c.In)
		if err != nil {
			return 0, nil, fmt.Errorf("%s: %w", c.Name, err)
		}
		in = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, c.Method, c.URL, in)
	if err != nil {
		return 0, nil, fmt.Errorf("%s: %w", c.Name, err)
	}
	for k, v := range c.Header {
		req.Header.Set(k, v)
	}
	if c.In != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	show := c.Show
	if show == nil {
		show = func(u *url.URL) string { return u.Scheme + "://" + u.Host + u.Path }
	}
	resp, err := c.Client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%s: %s %s: %w", c.Name, c.Method, show(req.URL), err)
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(io.LimitReader(resp.Body, c.Limit))
	if err != nil {
		return 0, nil, fmt.Errorf("%s: %s %s: %w", c.Name, c.Method, show(req.URL), err)
	}
	if resp.StatusCode/100 != 2 || c.Out == nil {
		return resp.StatusCode, body, nil
	}
	if err := json.Unmarshal(body, c.Out); err != nil {
		return 0, nil, fmt.Errorf("%s: %s %s: answer: %w", c.Name, c.Method, show(req.URL), err)
	}
	return resp.StatusCode, body, nil
}
