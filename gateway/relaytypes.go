package gateway

import (
	"context"
	"time"
)

// Outbox channels: how a queued row is delivered.
const (
	// ChannelMail rows are mails handed to the Sender.
	ChannelMail = ""
	// ChannelWebhook rows are JSON bodies posted by the Poster to the chat
	// webhook configured at send time.
	ChannelWebhook = "webhook"
)

// Poster delivers a queued chat message to the configured incoming webhook
// (Mattermost, Rocket.Chat). mailbox.Webhook implements it. Errors may
// implement PermanentError.
type Poster interface {
	Post(ctx context.Context, body []byte) error
}

// RelayOptions configures the handling of the Zoom account's own mail
// (sign-in codes, security alerts, recording notices) and the reminders.
// The zero value relays nothing and sends no reminder.
type RelayOptions struct {
	// ZoomSenders are the From addresses Zoom's mail comes from, e.g.
	// "no-reply@zoom.us". A mail from another address of the same
	// organizational domain is treated as Zoom mail that failed
	// authentication.
	ZoomSenders []string
	// Facilitators receive sign-in codes, security alerts and recording
	// notices that match no booking. Without them nothing is relayed.
	Facilitators []string
	// From is the sender of relayed mails; the first room's address when "".
	From string
	// AuthservID is the authserv-id (RFC 8601 §2.2) of the operator's
	// receiving server: the top Authentication-Results header is trusted
	// only when it carries this id.
	AuthservID string
	// VerifyDKIM also verifies DKIM signatures directly (RFC 6376), with
	// LookupTXT (net.LookupTXT when nil) for the keys.
	VerifyDKIM bool
	LookupTXT  func(domain string) ([]string, error)
	// Webhook is set when a chat webhook is configured: codes still valid
	// are also queued for it (channel ChannelWebhook).
	Webhook bool
	// WebhookChannel, when set, is sent as the "channel" of the message.
	WebhookChannel string
	// CodeValidity is how long a sign-in code is valid (10 minutes when 0).
	CodeValidity time.Duration
	// RecordingsAccess tells members how to reach the recordings.
	RecordingsAccess string

	// ReminderBefore is how long before each accepted booking its
	// organizer is reminded; 0 sends no reminder.
	ReminderBefore time.Duration
	// RecordingReminderAfter is how long after a recording notice the
	// organizer is reminded to download it (never before the booking
	// ends); 0 sends no such reminder.
	RecordingReminderAfter time.Duration
	// ReminderInterval is how often RunReminders looks for due reminders
	// (30 s when 0).
	ReminderInterval time.Duration
}

// relayEnabled reports whether Zoom mail is relayed at all.
func (o *Options) relayEnabled() bool {
	return len(o.Relay.Facilitators) > 0 && len(o.Relay.ZoomSenders) > 0
}

// relayFrom is the sender of relayed mail.
func (o *Options) relayFrom() mailAddr {
	if o.Relay.From != "" {
		return mailAddr{Name: "roomgate", Addr: o.Relay.From}
	}
	return mailAddr{Name: "roomgate", Addr: o.Rooms[0].Address}
}

// codeValidity is how long a sign-in code lasts.
func (o *Options) codeValidity() time.Duration {
	if o.Relay.CodeValidity > 0 {
		return o.Relay.CodeValidity
	}
	return 10 * time.Minute
}

// Template names of the relay and the reminders.
const (
	TmplCode              = "code"               // a sign-in code, to the facilitators
	TmplAlert             = "alert"              // a sign-in alert, or a forged Zoom mail
	TmplRecording         = "recording"          // a recording notice forwarded
	TmplReminder          = "reminder"           // before a booking: link, host key, steps
	TmplRecordingReminder = "recording-reminder" // after a booking: download the recording
	TmplChat              = "chat"               // the chat message of a code (Markdown)
)

// RelayView is the part of MailView the relay and reminder templates use.
type RelayView struct {
	// Code is the sign-in code; Expires when it stops being valid (display
	// zone); Expired is set when it already had when read.
	Code    string
	Expires time.Time
	Expired bool
	// Forged is set for an alert about a mail that claimed to come from
	// Zoom and failed authentication; Why says what failed.
	Forged bool
	Why    string
	// Sender, Subject and Received describe Zoom's mail; Excerpt is its
	// text (for alerts and forwarded notices).
	Sender   string
	Subject  string
	Received time.Time
	Excerpt  string
	// Topic is the meeting topic of a recording notice. Matched is set when
	// the notice was matched to a booking (When, Summary and Organizer are
	// then that booking's).
	Topic   string
	Matched bool
	// RecordingsAccess tells how to reach the recordings (configuration).
	RecordingsAccess string
}
