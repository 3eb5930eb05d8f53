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

// RelayOptions configures what the gateway tells people beside answering
// invitations: alerts to the facilitators and the reminders. The zero
// value sends no alert and no reminder.
type RelayOptions struct {
	// Facilitators administer the account: they get the alerts about
	// forged mail (and, through the NoticeHandler, Zoom's codes).
	Facilitators []string
	// From is the sender of notices that concern no room; the first
	// room's address when "".
	From string
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

// relayFrom is the sender of notices that concern no room.
func (o *Options) relayFrom() Address {
	if o.Relay.From != "" {
		return Address{Name: "roomgate", Addr: o.Relay.From}
	}
	return Address{Name: "roomgate", Addr: o.Rooms[0].Address}
}

// Template names of the alerts and the reminders.
const (
	TmplAlert             = "alert"              // a forged mail, to the facilitators
	TmplReminder          = "reminder"           // before a booking: link, host key, steps
	TmplRecordingReminder = "recording-reminder" // after a booking: download the recording
)

// RelayView is the part of MailView the relay and reminder templates use.
type RelayView struct {
	// Code is the sign-in code; Expires when it stops being valid (display
	// zone); Expired is set when it already had when read.
	Code    string
	Expires time.Time
	Expired bool
	// Forged is set for an alert about a mail that claimed to come from
	// Zoom (or from a member) and failed authentication; Why says what
	// failed.
	Forged bool
	Why    string
	// AuthservSeen is the authserv-id of the top Authentication-Results
	// field of a rejected member's mail when it is not AuthservWant, the
	// configured one (a likely misconfiguration, said first).
	AuthservSeen, AuthservWant string
	// Sender, Subject and Received describe the mail; Excerpt is its
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
