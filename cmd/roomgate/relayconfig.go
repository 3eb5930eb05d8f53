package main

import (
	"net/url"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/ical"
	"codeberg.org/opteos/roomgate/zoommail"
)

// RelayConfig is the [relay] section: Zoom's own mail (sign-in codes,
// security alerts, recording notices) and the reminders.
type RelayConfig struct {
	ZoomSenders  []string `toml:"zoom_senders"`
	Facilitators []string `toml:"facilitators"`
	From         string   `toml:"from"`
	// AuthservID and VerifyDKIM are deprecated: [authentication] holds
	// them for all mail. They are still read.
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
		if _, err := ical.ParseMailbox(a); err != nil {
			bad("relay: %v", err)
		}
	}
	if r.From != "" {
		if _, err := ical.ParseMailbox(r.From); err != nil {
			bad("relay.from: %v", err)
		}
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
		Facilitators: lower(r.Facilitators), From: strings.ToLower(r.From),
		RecordingsAccess: r.RecordingsAccess, ReminderBefore: dur(r.ReminderBefore),
		RecordingReminderAfter: dur(r.RecordingReminderAfter),
	}
}

// zoomRelay is the handler of Zoom's own mail, nil when nothing is relayed
// (no facilitator or no Zoom sender).
func (r *RelayConfig) zoomRelay() gateway.NoticeHandler {
	if len(r.Facilitators) == 0 || len(r.ZoomSenders) == 0 {
		return nil
	}
	return zoommail.New(zoommail.Options{Senders: lower(r.ZoomSenders), CodeValidity: r.CodeValidity.Duration,
		Webhook: r.WebhookURL != "", WebhookChannel: r.WebhookChannel})
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
