package zoomapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Webhook verification, as Zoom documents it
// (https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events and
// #validate-your-webhook-endpoint) and as its sample does
// (github.com/zoom/webhook-sample, index.js; the same in its SDK,
// rivet-javascript CommonHttpRequest):
//
//   - x-zm-signature is "v0=" + hex(HMAC-SHA256(secret token,
//     "v0:" + x-zm-request-timestamp + ":" + raw body));
//   - the endpoint.url_validation event carries payload.plainToken and
//     expects {"plainToken": …, "encryptedToken": hex(HMAC-SHA256(secret
//     token, plainToken))} in answer; Zoom's sample and SDK check its
//     signature like any other event's, and so does this package.
//
// Zoom's pages do not say how old a request may be; refusing those more
// than MaxSkew (5 minutes) away from our clock, as webhook receivers
// commonly do, is roomgate's choice. The timestamp is in seconds (Zoom's
// samples multiply it by 1000 to compare with milliseconds).

// The webhook headers.
const (
	SignatureHeader = "x-zm-signature"
	TimestampHeader = "x-zm-request-timestamp"
)

// DefaultMaxSkew is how far from now a webhook's timestamp may be.
const DefaultMaxSkew = 5 * time.Minute

// Errors of VerifyWebhook; all of them mean "not from Zoom, or replayed".
var (
	ErrUnsigned     = errors.New("zoom webhook: no signature or timestamp")
	ErrBadTimestamp = errors.New("zoom webhook: the timestamp is not a number of seconds")
	ErrBadSignature = errors.New("zoom webhook: the signature does not match")
	ErrStale        = errors.New("zoom webhook: the timestamp is too far from now")
)

// Sign returns the x-zm-signature of body sent with that timestamp.
func Sign(secret Secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret.Reveal()))
	m.Write([]byte("v0:" + timestamp + ":"))
	m.Write(body)
	return "v0=" + hex.EncodeToString(m.Sum(nil))
}

// VerifyWebhook checks that body came from Zoom (the signature) and
// recently (the timestamp within maxSkew of now; DefaultMaxSkew when 0).
func VerifyWebhook(secret Secret, h http.Header, body []byte, now time.Time, maxSkew time.Duration) error {
	ts, sig := h.Get(TimestampHeader), h.Get(SignatureHeader)
	if ts == "" || sig == "" {
		return ErrUnsigned
	}
	sent, err := parseTimestamp(ts)
	if err != nil {
		return err
	}
	if !hmac.Equal([]byte(sig), []byte(Sign(secret, ts, body))) {
		return ErrBadSignature
	}
	if maxSkew <= 0 {
		maxSkew = DefaultMaxSkew
	}
	if d := now.Sub(sent); d > maxSkew || d < -maxSkew {
		return ErrStale
	}
	return nil
}

// parseTimestamp reads seconds since 1970 (milliseconds are accepted too).
func parseTimestamp(ts string) (time.Time, error) {
	if len(ts) > 16 || strings.TrimLeft(ts, "0123456789") != "" {
		return time.Time{}, ErrBadTimestamp
	}
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return time.Time{}, ErrBadTimestamp
	}
	if n > 1e11 { // milliseconds: seconds reach 1e11 only in the year 5138
		return time.UnixMilli(n), nil
	}
	return time.Unix(n, 0), nil
}

// URLValidation is the answer to Zoom's endpoint.url_validation challenge.
type URLValidation struct {
	PlainToken     string `json:"plainToken"`
	EncryptedToken string `json:"encryptedToken"`
}

// ValidateURL answers the challenge: encryptedToken is the hex
// HMAC-SHA256 of plainToken keyed with the secret token.
func ValidateURL(secret Secret, plainToken string) URLValidation {
	m := hmac.New(sha256.New, []byte(secret.Reveal()))
	m.Write([]byte(plainToken))
	return URLValidation{PlainToken: plainToken, EncryptedToken: hex.EncodeToString(m.Sum(nil))}
}

// Event names roomgate handles (Zoom's event reference,
// https://developers.zoom.us/docs/api/meetings/events/; shapes read in
// rivet-javascript meetings/meetings.d.ts: MeetingStartedEvent,
// MeetingEndedEvent, MeetingParticipantJoinedEvent,
// MeetingParticipantLeftEvent, RecordingCompletedEvent).
const (
	EventURLValidation      = "endpoint.url_validation"
	EventMeetingStarted     = "meeting.started"
	EventMeetingEnded       = "meeting.ended"
	EventParticipantJoined  = "meeting.participant_joined"
	EventParticipantLeft    = "meeting.participant_left"
	EventRecordingCompleted = "recording.completed"
)

// Event is a webhook notification: {"event", "event_ts" (milliseconds),
// "payload": {"account_id", "object"}} and, for recordings, a
// download_token valid 24 hours.
type Event struct {
	Name          string          `json:"event"`
	TS            int64           `json:"event_ts"`
	DownloadToken Secret          `json:"download_token"`
	Payload       json.RawMessage `json:"payload"`
}

// Time is when Zoom emitted the event.
func (e *Event) Time() time.Time { return time.UnixMilli(e.TS) }

// MeetingID is a meeting's number. Zoom writes it as a JSON number in the
// API and as a string in meeting.* events; both are read.
type MeetingID int64

// UnmarshalJSON accepts 81234567890 and "81234567890".
func (id *MeetingID) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*id = 0
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("zoom: %q is not a meeting ID", clip(s))
	}
	*id = MeetingID(n)
	return nil
}

// MeetingObject is the object of meeting.* events.
type MeetingObject struct {
	ID          MeetingID         `json:"id"`
	UUID        string            `json:"uuid"`
	HostID      string            `json:"host_id"`
	Topic       string            `json:"topic"`
	Type        int               `json:"type"`
	StartTime   Time              `json:"start_time"`
	EndTime     Time              `json:"end_time"` // meeting.ended
	Timezone    string            `json:"timezone"`
	Duration    int               `json:"duration"`
	Participant *EventParticipant `json:"participant"` // participant events
}

// EventParticipant is the participant of a join or leave event.
type EventParticipant struct {
	UserID          string `json:"user_id"`
	UserName        string `json:"user_name"`
	ID              string `json:"id"`
	ParticipantUUID string `json:"participant_uuid"`
	Email           string `json:"email"`
	JoinTime        Time   `json:"join_time"`
	LeaveTime       Time   `json:"leave_time"`
}

// RecordingObject is the object of recording.completed.
type RecordingObject struct {
	ID             MeetingID       `json:"id"`
	UUID           string          `json:"uuid"`
	HostID         string          `json:"host_id"`
	HostEmail      string          `json:"host_email"`
	Topic          string          `json:"topic"`
	StartTime      Time            `json:"start_time"`
	Duration       int             `json:"duration"`
	TotalSize      int64           `json:"total_size"`
	RecordingCount int             `json:"recording_count"`
	Files          []RecordingFile `json:"recording_files"`
}

// eventPayload is {"account_id", "object"}.
type eventPayload[T any] struct {
	AccountID string `json:"account_id"`
	Object    T      `json:"object"`
}

// maxEventName bounds the name of an event.
const maxEventName = 100

// ParseEvent reads a webhook body (verify it first).
func ParseEvent(body []byte) (*Event, error) {
	var e Event
	if err := json.Unmarshal(body, &e); err != nil {
		return nil, fmt.Errorf("zoom webhook: not a JSON event: %w", err)
	}
	if e.Name == "" || len(e.Name) > maxEventName {
		return nil, errors.New("zoom webhook: the event has no name")
	}
	return &e, nil
}

// PlainToken returns the challenge of an endpoint.url_validation event.
func (e *Event) PlainToken() (string, error) {
	var p struct {
		PlainToken string `json:"plainToken"`
	}
	if err := json.Unmarshal(e.Payload, &p); err != nil || p.PlainToken == "" || len(p.PlainToken) > 256 {
		return "", errors.New("zoom webhook: the URL validation has no usable plainToken")
	}
	return p.PlainToken, nil
}

// Meeting returns the account and object of a meeting.* event.
func (e *Event) Meeting() (string, *MeetingObject, error) {
	var p eventPayload[MeetingObject]
	if err := json.Unmarshal(e.Payload, &p); err != nil {
		return "", nil, fmt.Errorf("zoom webhook: %s: %w", clip(e.Name), err)
	}
	return p.AccountID, &p.Object, nil
}

// Recording returns the account and object of a recording.* event.
func (e *Event) Recording() (string, *RecordingObject, error) {
	var p eventPayload[RecordingObject]
	if err := json.Unmarshal(e.Payload, &p); err != nil {
		return "", nil, fmt.Errorf("zoom webhook: %s: %w", clip(e.Name), err)
	}
	return p.AccountID, &p.Object, nil
}
