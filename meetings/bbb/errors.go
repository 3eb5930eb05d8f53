package bbb

import (
	"errors"
	"fmt"
)

// Error is an answer of the API with returncode FAILED. MessageKey is
// the stable key the reference promises to keep ("Error handling");
// Message is the server's English text, cleaned and cut.
type Error struct {
	Call       string
	MessageKey string
	Message    string
}

// Error describes the failure.
func (e *Error) Error() string {
	s := fmt.Sprintf("bbb: %s: %s", e.Call, e.MessageKey)
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Is matches the package's sentinel values by message key, so that
// errors.Is(err, bbb.ErrChecksum) holds for any call.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Call == "" && t.MessageKey == e.MessageKey
}

// Message keys the callers branch on.
var (
	// ErrChecksum: the server refused the checksum (a wrong shared secret,
	// or an algorithm it does not support).
	ErrChecksum = &Error{MessageKey: "checksumError"}
	// ErrIDNotUnique: a meeting with this meetingID exists with other
	// passwords.
	ErrIDNotUnique = &Error{MessageKey: "idNotUnique"}
	// ErrNotFound: end found no meeting with this meetingID.
	ErrNotFound = &Error{MessageKey: "notFound"}
)

// ErrUnavailable matches, with errors.Is, a call that got no usable
// answer: the server unreachable, an HTTP status other than 200, an
// answer that is not the API's XML or too large. Such a call may be
// retried later.
var ErrUnavailable = errors.New("bbb: server unavailable")
