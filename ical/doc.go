// Package ical reads and writes the iCalendar objects roomgate exchanges
// with organizers: it finds the calendar in an invitation e-mail (RFC 6047),
// parses it (RFC 5545), resolves its time zones, expands recurring series and
// builds iTIP replies (RFC 5546).
//
// The package knows nothing of mail transport, databases or policy. Its
// public entry points never panic: a panic inside is turned into an error.
//
// Parsing uses its own content-line reader rather than a general iCalendar
// library, so that every property keeps its exact text and parameters and can
// be copied into a reply unchanged.
package ical

//go:generate go run ./internal/gen/windowszones -in /usr/share/unicode/cldr/common/supplemental/windowsZones.xml -o windowszones.go

import (
	"errors"
	"fmt"

	_ "time/tzdata" // IANA zones must resolve on hosts without zoneinfo files.
)

// ErrNoCalendar is returned by FindCalendar when the message holds no
// text/calendar or application/ics part.
var ErrNoCalendar = errors.New("ical: no calendar in message")

// Errors for events that cannot be used. Parse wraps them in an *EventError.
var (
	ErrMissingUID      = errors.New("missing UID")
	ErrMissingDTStart  = errors.New("missing DTSTART")
	ErrEndBeforeStart  = errors.New("end before start")
	ErrUnknownTimeZone = errors.New("unknown time zone")
)

// ErrTooManyOccurrences is returned by Event.Occurrences when a series has
// more occurrences in the asked window than the caller allows, or is too
// costly to expand.
var ErrTooManyOccurrences = errors.New("ical: too many occurrences")

// SyntaxError reports a malformed content line (RFC 5545 §3.1).
type SyntaxError struct {
	Line int    // 1-based line number after unfolding
	Msg  string // what is wrong
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("ical: line %d: %s", e.Line, e.Msg)
}

// EventError reports a VEVENT that cannot be used.
type EventError struct {
	Index int    // position of the VEVENT in the file, from 0
	UID   string // its UID, "" if missing
	Err   error  // the cause, often one of the Err* values of this package
}

func (e *EventError) Error() string {
	if e.UID == "" {
		return fmt.Sprintf("ical: VEVENT #%d: %v", e.Index+1, e.Err)
	}
	return fmt.Sprintf("ical: VEVENT %q: %v", e.UID, e.Err)
}

// Unwrap returns the cause.
func (e *EventError) Unwrap() error { return e.Err }

// recoverError turns a panic into an error stored in *err. Deferred by every
// public entry point that reads untrusted input.
func recoverError(what string, err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("ical: %s: internal error: %v", what, r)
	}
}
