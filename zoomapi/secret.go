package zoomapi

import (
	"encoding/json"
	"log/slog"
	"time"
)

// Secret is a string that must never be logged: the client secret, access
// and download tokens, a start_url (which starts the meeting as the
// account's user). Formatting it with fmt or slog prints "[redacted]";
// Reveal returns the value for the one place that needs it.
type Secret string

const redacted = "[redacted]"

// String hides the value.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString hides the value from %#v as well.
func (s Secret) GoString() string { return s.String() }

// LogValue hides the value from slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// Reveal returns the secret itself.
func (s Secret) Reveal() string { return string(s) }

// Time is a timestamp in Zoom's answers. Zoom writes times as
// "2021-02-11T11:40:39Z" and sends "" for a time not known yet (the end of
// a recording still being processed), which Time reads as the zero time.
type Time struct{ time.Time }

// UnmarshalJSON accepts an RFC 3339 string, "" or null.
func (t *Time) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		t.Time = time.Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if s == "" {
		t.Time = time.Time{}
		return nil
	}
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}

// MarshalJSON writes the time as Zoom does, in UTC, or "" when zero.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte(`""`), nil
	}
	return json.Marshal(t.UTC().Format(zoomTimeLayout))
}

// zoomTimeLayout is "yyyy-MM-ddTHH:mm:ssZ", the GMT form of start_time in
// Zoom's create-meeting reference.
const zoomTimeLayout = "2006-01-02T15:04:05Z"
