package galene

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"codeberg.org/opteos/roomgate/meetings/internal/vtool"
)

// maxAnswer bounds an answer of the API: token lists and definitions are
// small.
const maxAnswer = 64 << 10

// ErrUnavailable matches, with errors.Is, a call that got no usable
// answer: the server unreachable, a 5xx status, an answer too large or
// not JSON. Such a call may be retried later.
var ErrUnavailable = errors.New("galene: server unavailable")

// Error is an answer of the API with a 4xx status. Message is Galène's
// text (http.Error's body), cleaned and cut.
type Error struct {
	Op      string
	Status  int
	Message string
}

// Error describes the failure.
func (e *Error) Error() string {
	s := fmt.Sprintf("galene: %s: HTTP %d", e.Op, e.Status)
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Is matches ErrUnauthorized and ErrNotFound by status.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Op == "" && t.Status == e.Status
}

// Statuses the callers branch on.
var (
	// ErrUnauthorized: the administrator's name, password or token was
	// refused.
	ErrUnauthorized = &Error{Status: http.StatusUnauthorized}
	// ErrNotFound: no such group or token.
	ErrNotFound = &Error{Status: http.StatusNotFound}
	// ErrPrecondition: If-None-Match or If-Match failed (the group exists).
	ErrPrecondition = &Error{Status: http.StatusPreconditionFailed}
)

// api is a client of /galene-api/v0/.
type api struct {
	base    *url.URL
	auth    func(*http.Request)
	hc      *http.Client
	timeout time.Duration
}

// answer is what a call returns: its status, headers and bounded body.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// do sends one request; in is marshalled as JSON when not nil. A 4xx
// answer is an *Error, a 5xx or a failed call matches ErrUnavailable.
func (a *api) do(ctx context.Context, op, method, path string, hdr http.Header, in any) (*answer, error) {
	ctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("galene: %s: %w", op, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base.JoinPath(path).String(), body)
	if err != nil {
		return nil, fmt.Errorf("galene: %s: %w", op, err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	a.auth(req)
	return a.send(op, req)
}

func (a *api) send(op string, req *http.Request) (*answer, error) {
	res, err := a.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL may name a token
		}
		return nil, fmt.Errorf("%w: %s: %w", ErrUnavailable, op, err)
	}
	defer res.Body.Close()
	b, err := vtool.ReadBounded(res.Body, maxAnswer)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrUnavailable, op, err)
	}
	switch {
	case res.StatusCode >= 500 || res.StatusCode < 200 || res.StatusCode >= 300 && res.StatusCode < 400:
		return nil, fmt.Errorf("%w: %s: HTTP %d", ErrUnavailable, op, res.StatusCode)
	case res.StatusCode >= 400:
		return nil, &Error{Op: op, Status: res.StatusCode, Message: vtool.Title(string(b), 200)}
	}
	return &answer{status: res.StatusCode, header: res.Header, body: b}, nil
}

// getJSON decodes a 200 answer's JSON into out.
func (a *api) getJSON(ctx context.Context, op, path string, out any) error {
	ans, err := a.do(ctx, op, http.MethodGet, path, nil, nil)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(ans.body, out); err != nil {
		return fmt.Errorf("%w: %s: answer is not the API's JSON: %v", ErrUnavailable, op, err)
	}
	return nil
}
