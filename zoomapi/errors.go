package zoomapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// ErrNotFound matches, with errors.Is, an answer 404 of Zoom's API: the
// meeting, user or recording does not exist (Zoom's codes 3001, 1001, 3301).
var ErrNotFound = errors.New("zoom: not found")

// Error is an answer of Zoom's API other than 2xx. Zoom's error body is
// {"code": 300, "message": "…"} with the HTTP status telling the class
// (https://developers.zoom.us/docs/api/errors). Message is Zoom's text,
// which never holds our secrets.
type Error struct {
	Op         string // what was asked, e.g. "create meeting"
	Status     int    // HTTP status
	Code       int    // Zoom's code, 0 when the body had none
	Message    string // Zoom's message
	TrackingID string // x-zm-trackingid, to quote to Zoom's support
	// RetryAfter is how long Zoom asked to wait (429), 0 when unknown.
	RetryAfter time.Duration
	// DailyLimit is set on a 429 of a daily limit (creating and updating
	// meetings: 100 a user a day), RetryAfter then runs until the GMT
	// time its message names.
	DailyLimit bool
	// Fields are the fields a 400 "Validation Failed." names.
	Fields []string
}

// Error describes the failure without any secret.
func (e *Error) Error() string {
	s := fmt.Sprintf("zoom: %s: HTTP %d", e.Op, e.Status)
	if e.Code != 0 {
		s += fmt.Sprintf(" (code %d)", e.Code)
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.RetryAfter > 0 {
		s += fmt.Sprintf("; retry after %s", e.RetryAfter)
	}
	return s
}

// Is makes errors.Is(err, ErrNotFound) true for a 404.
func (e *Error) Is(target error) bool {
	return target == ErrNotFound && e.Status == http.StatusNotFound
}

// Temporary reports whether trying again later can help: rate limits
// (429), timeouts (408) and server errors (5xx).
func (e *Error) Temporary() bool {
	return e.Status == http.StatusTooManyRequests || e.Status == http.StatusRequestTimeout || e.Status >= 500
}

// Permanent is the opposite of Temporary, for callers (like the outbox)
// that ask whether to give up.
func (e *Error) Permanent() bool { return !e.Temporary() }

// CredentialsError is a refusal of the OAuth token endpoint: the account
// ID, client ID or client secret is wrong, or the app is not activated.
// Zoom's codes are 4702/4704 (invalid client), 4705 (grant type), 4706
// (missing client ID or secret), listed on
// https://developers.zoom.us/docs/integrations/oauth-error-messages/.
type CredentialsError struct {
	Status int
	Reason string // Zoom's reason or error text
}

// Error says what to check, never the credentials themselves.
func (e *CredentialsError) Error() string {
	s := fmt.Sprintf("zoom: the OAuth token endpoint refused the Server-to-Server credentials (HTTP %d", e.Status)
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s + "); check account_id, client_id and client_secret, and that the app is activated in the Zoom App Marketplace"
}

// Permanent is true: retrying with the same credentials cannot help.
func (e *CredentialsError) Permanent() bool { return true }

// ScopeError is Zoom's "Invalid access token, does not contain
// scopes:[…]" (code 4700 on https://developers.zoom.us/docs/api/errors,
// 4711 in answers seen in the field): the app lacks a scope the call needs.
type ScopeError struct {
	Op string
	// Missing are the scope names as Zoom wrote them; any one of them
	// would do.
	Missing []string
	Message string
}

// Error names the missing scopes and where to add them.
func (e *ScopeError) Error() string {
	what := "a scope this call needs"
	if len(e.Missing) > 0 {
		what = "a scope this call needs, one of: " + strings.Join(e.Missing, ", ")
	}
	return fmt.Sprintf("zoom: %s: the Server-to-Server app lacks %s; add it on the app's Scopes page in the Zoom App Marketplace (the account admin's role must allow it)", e.Op, what)
}

// Permanent is true: only a change on the app can help.
func (e *ScopeError) Permanent() bool { return true }

// IsDailyLimit reports whether err is Zoom's daily limit on creating and
// updating meetings.
func IsDailyLimit(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.DailyLimit
}

// IsPasscodeRefused reports whether err is Zoom refusing a meeting's
// passcode: the account's passcode rules (minimum length, special
// characters, digits only…) may refuse one roomgate generated. The
// Meetings API document says a passcode "must meet those requirements"
// but names no error code for it; this reads a 400 whose message or
// invalid field names the passcode (not verified on a real account).
func IsPasscodeRefused(err error) bool {
	var e *Error
	if !errors.As(err, &e) || e.Status != http.StatusBadRequest {
		return false
	}
	for _, f := range e.Fields {
		if f == "password" {
			return true
		}
	}
	m := strings.ToLower(e.Message)
	return strings.Contains(m, "passcode") || strings.Contains(m, "password")
}

// IsInProgress reports whether err is Zoom refusing to delete a meeting
// in progress (400 code 3002).
func IsInProgress(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == http.StatusBadRequest && e.Code == 3002
}

// RetryAfter returns how long Zoom asked to wait before trying again, when
// err carries it.
func RetryAfter(err error) (time.Duration, bool) {
	var e *Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		return e.RetryAfter, true
	}
	return 0, false
}

// zoomBody is the error body of the API ({code, message}) and of the
// OAuth endpoint ({reason, error}; the latter as read by Zoom clients such
// as ZoomNet — the OAuth page lists codes and messages, not the JSON keys).
type zoomBody struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Reason  string `json:"reason"`
	Err     string `json:"error"`
	Errors  []struct {
		Field string `json:"field"`
	} `json:"errors"`
}

// maxErrorBody bounds what is read of an error answer.
const maxErrorBody = 64 << 10

// apiError builds the error of a non-2xx answer; body is at most
// maxErrorBody long.
func apiError(op string, resp *http.Response, body []byte) error {
	var zb zoomBody
	_ = json.Unmarshal(body, &zb)
	e := &Error{Op: op, Status: resp.StatusCode, Code: zb.Code, Message: clip(zb.Message),
		TrackingID: resp.Header.Get("x-zm-trackingid")}
	if e.Message == "" {
		e.Message = clip(zb.Reason)
	}
	for _, f := range zb.Errors {
		if len(e.Fields) < 10 {
			e.Fields = append(e.Fields, clip(f.Field))
		}
	}
	if missing, ok := missingScopes(e.Message); ok {
		return &ScopeError{Op: op, Missing: missing, Message: e.Message}
	}
	return e
}

// missingScopes recognises Zoom's scope message and extracts the list
// between brackets: "Invalid access token, does not contain scopes:[a, b]."
func missingScopes(msg string) ([]string, bool) {
	i := strings.Index(strings.ToLower(msg), "does not contain scopes")
	if i < 0 {
		return nil, false
	}
	rest := msg[i:]
	open, end := strings.IndexByte(rest, '['), strings.IndexByte(rest, ']')
	if open < 0 || end < open {
		return nil, true
	}
	var out []string
	for _, s := range strings.Split(rest[open+1:end], ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out, true
}

// clip bounds a message from Zoom quoted in our errors and logs.
func clip(s string) string {
	const max = 300
	s = strings.TrimSpace(s)
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}
