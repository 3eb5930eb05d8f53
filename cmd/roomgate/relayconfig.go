package main

import (
	"net/mail"
	"net/url"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// RelayConfig is the [relay] section: Zoom's own mail (sign-in codes,
// security alerts, recording notices) and the reminders.
type RelayConfig struct {
	ZoomSenders    []string `toml:"zoom_senders"`
	Facilitators   []string `toml:"facilitators"`
	From           string   `toml:"from"`
	AuthservID     string   `toml:"authserv_id"`
	VerifyDKIM     bool     `toml:"verify_dkim"`
	WebhookURL     string   `toml:"webhook_url"`
	WebhookURLFile string   `toml:"webhook_url_file"`
	WebhookChannel string   `toml:"webhook_channel"`
	CodeValidity   Duration `toml:"code_validity"`
	// ReminderBefore and RecordingReminderAfter are pointers so that an
	// explicit "0" (off) differs from a missing key (the default).
	ReminderBefore         *Duration `toml:"reminder_before"`
	RecordingReminderAfter *Duration `toml:"recording_reminder_after"`
	RecordingsAccess       string    `toml:"recordings_access"`
}

func (r *RelayConfig) setDefaults() {
	if r.ZoomSenders == nil {
		r.ZoomSenders = []string{"no-reply@zoom.us"}
	}
	if r.CodeValidity.Duration == 0 {
		r.CodeValidity.Duration = 10 * time.Minute
	}
	if r.ReminderBefore == nil {
		r.ReminderBefore = &Duration{15 * time.Minute}
	}
	if r.RecordingReminderAfter == nil {
		r.RecordingReminderAfter = &Duration{12 * time.Hour}
	}
}

// validate checks the section; secrets are never quoted in errors.
func (r *RelayConfig) validate(bad func(string, ...any)) {
	for _, a := range append(append([]string{}, r.ZoomSenders...), r.Facilitators...) {
		if p, err := mail.ParseAddress(a); err != nil || p.Address != a {
			bad("relay: %q is not a plain e-mail address", a)
		}
	}
	if r.From != "" {
		if p, err := mail.ParseAddress(r.From); err != nil || p.Address != r.From {
			bad("relay.from: %q is not a plain e-mail address", r.From)
		}
	}
	if len(r.Facilitators) > 0 && r.AuthservID == "" && !r.VerifyDKIM {
		bad("relay: set authserv_id (your receiving server's Authentication-Results id) or verify_dkim = true, " +
			"or Zoom mail can never be authenticated")
	}
	if r.WebhookURL != "" {
		if u, err := url.Parse(r.WebhookURL); err != nil || u.Host == "" ||
			(u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) {
			bad("relay.webhook_url must be an https:// URL (http only on a loopback address)")
		}
	}
	if r.CodeValidity.Duration <= 0 || dur(r.ReminderBefore) < 0 || dur(r.RecordingReminderAfter) < 0 {
		bad("relay: code_validity must be positive, reminder_before and recording_reminder_after not negative")
	}
}

// options turns the section into the gateway's relay options.
func (r *RelayConfig) options() gateway.RelayOptions {
	return gateway.RelayOptions{
		ZoomSenders: lower(r.ZoomSenders), Facilitators: r.Facilitators, From: r.From,
		AuthservID: r.AuthservID, VerifyDKIM: r.VerifyDKIM, Webhook: r.WebhookURL != "",
		WebhookChannel: r.WebhookChannel, CodeValidity: r.CodeValidity.Duration,
		RecordingsAccess: r.RecordingsAccess, ReminderBefore: dur(r.ReminderBefore),
		RecordingReminderAfter: dur(r.RecordingReminderAfter),
	}
}

// dur is the duration of an optional key, 0 when unset.
func dur(d *Duration) time.Duration {
	if d == nil {
		return 0
	}
	return d.Duration
}

func lower(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = strings.ToLower(strings.TrimSpace(s))
	}
	return out
}
