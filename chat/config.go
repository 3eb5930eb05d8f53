package chat

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Kinds of chat server.
const (
	KindMattermost = "mattermost"
	KindRocketChat = "rocketchat"
)

// Announcements a [chat] section may turn on (Config.Announce).
var announceKinds = []string{EventBooked, EventCancelled, EventReleased, EventFreed}

// Config is the [chat] section of roomgate's TOML configuration. Secrets
// are files (a systemd credential, say), never values in the file.
//
//	[chat]
//	kind = "mattermost"                     # or "rocketchat"
//	base_url = "https://chat.coop.example"
//	channel_id = "4xp9…"                    # the #zoom channel (Rocket.Chat: its room ID)
//	private = false                         # Rocket.Chat: the room is a private group
//	bot_user_id = ""                        # Rocket.Chat: the bot's user ID (X-User-Id)
//	token_file = "/etc/roomgate/secrets/chat-token"
//	command_token_file = "/etc/roomgate/secrets/chat-command-token"
//	link_key_file = "/etc/roomgate/secrets/chat-link-key"
//	language = "fr"
//	morning_post = "07:30"                  # "" for none
//	announce = ["booked", "cancelled", "released", "freed"]
//	trigger = "zoom"                        # Rocket.Chat: the integration's trigger word
//	timeout = "10s"
//	agenda_url = "https://coop.example/agenda"  # the header's link, no secret in it
type Config struct {
	Kind             string   `toml:"kind"`
	BaseURL          string   `toml:"base_url"`
	ChannelID        string   `toml:"channel_id"`
	Private          bool     `toml:"private"`
	BotUserID        string   `toml:"bot_user_id"`
	TokenFile        string   `toml:"token_file"`
	CommandTokenFile string   `toml:"command_token_file"`
	LinkKeyFile      string   `toml:"link_key_file"`
	Language         string   `toml:"language"`
	MorningPost      string   `toml:"morning_post"`
	Announce         []string `toml:"announce"`
	Trigger          string   `toml:"trigger"`
	Timeout          string   `toml:"timeout"`
	// AgendaURL is the agenda the header links to ("" for none): an
	// address members may open, never one that carries a secret (the web
	// agenda's member token, a passcode), since everyone in the channel
	// reads the header.
	AgendaURL string `toml:"agenda_url"`
}

// Secrets are the [chat] secrets, read from their files.
type Secrets struct {
	Token        string // the bot's personal access token
	CommandToken string // the slash command's or outgoing integration's token
	LinkKey      []byte // signs link and button tokens
}

// Validate checks the section and reports every problem at once, each
// naming its key ("chat.base_url: …").
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf("chat."+format, a...)) }
	switch c.Kind {
	case KindMattermost, KindRocketChat:
	default:
		bad("kind: %q is not mattermost or rocketchat", c.Kind)
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" {
		bad("base_url: %q is not an http(s) address like https://chat.example.org", c.BaseURL)
	}
	if !isID(c.ChannelID) {
		bad("channel_id: %q is not a channel ID (letters and digits; see docs/chat.md)", c.ChannelID)
	}
	if c.Kind == KindRocketChat && !isID(c.BotUserID) {
		bad("bot_user_id: required for rocketchat: the bot's user ID, sent as X-User-Id")
	}
	if c.Kind == KindMattermost && (c.Private || c.BotUserID != "") {
		bad("private and chat.bot_user_id are for rocketchat only")
	}
	for key, v := range map[string]string{"token_file": c.TokenFile, "command_token_file": c.CommandTokenFile, "link_key_file": c.LinkKeyFile} {
		if strings.TrimSpace(v) == "" {
			bad("%s is required (a file holding the secret)", key)
		}
	}
	if c.Language != "" && !known(c.Language) {
		bad("language: %q is not fr or en", c.Language)
	}
	if _, err := c.MorningTime(); err != nil {
		bad("morning_post: %v", err)
	}
	for _, a := range c.Announce {
		if !contains(announceKinds, a) {
			bad("announce: %q is not one of %s", a, strings.Join(announceKinds, ", "))
		}
	}
	if c.Trigger != "" && (strings.ContainsAny(c.Trigger, " \t/") || len(c.Trigger) > 32) {
		bad("trigger: %q must be one word", c.Trigger)
	}
	if _, err := c.TimeoutOr(DefaultTimeout); err != nil {
		bad("timeout: %v", err)
	}
	if c.AgendaURL != "" {
		if err := CheckAgendaURL(c.AgendaURL); err != nil {
			bad("agenda_url: %v", err)
		} else if strings.Contains(strings.ToLower(c.AgendaURL), "token=") {
			bad("agenda_url: it carries a token=, which everyone in the channel would read")
		}
	}
	return errors.Join(errs...)
}

// isID reports a chat ID: 1 to 64 letters, digits, '-' or '_'.
func isID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// MorningTime is the morning post's time of day after midnight; ok false
// when there is none.
func (c *Config) MorningTime() (time.Duration, error) {
	if c.MorningPost == "" {
		return -1, nil
	}
	m, ok := clockOf(c.MorningPost)
	if !ok || !strings.Contains(c.MorningPost, ":") {
		return 0, fmt.Errorf("%q is not a time like \"07:30\"", c.MorningPost)
	}
	return time.Duration(m) * time.Minute, nil
}

// Announces reports whether posts for an event kind are turned on.
func (c *Config) Announces(kind string) bool { return contains(c.Announce, kind) }

// TimeoutOr is the timeout of one call to the chat server, def when unset;
// between 1 s and 2 min.
func (c *Config) TimeoutOr(def time.Duration) (time.Duration, error) {
	if c.Timeout == "" {
		return def, nil
	}
	d, err := time.ParseDuration(c.Timeout)
	if err != nil || d < time.Second || d > 2*time.Minute {
		return 0, fmt.Errorf("%q is not a duration between 1s and 2m", c.Timeout)
	}
	return d, nil
}

// TriggerWord is the Rocket.Chat trigger word ("zoom" by default).
func (c *Config) TriggerWord() string {
	if c.Trigger == "" {
		return "zoom"
	}
	return c.Trigger
}

// ReadSecrets reads the secrets with read (roomgate passes its function
// that expands $CREDENTIALS_DIRECTORY) and checks them; errors name the
// key, never the secret.
func (c *Config) ReadSecrets(read func(name string) ([]byte, error)) (Secrets, error) {
	var s Secrets
	var errs []error
	get := func(key, file string, min int) []byte {
		b, err := read(file)
		if err != nil {
			errs = append(errs, fmt.Errorf("chat.%s: %w", key, err))
			return nil
		}
		b = []byte(strings.TrimSpace(string(b)))
		if len(b) < min {
			errs = append(errs, fmt.Errorf("chat.%s: the secret in %s is shorter than %d characters", key, file, min))
		}
		return b
	}
	s.Token = string(get("token_file", c.TokenFile, 16))
	s.CommandToken = string(get("command_token_file", c.CommandTokenFile, 16))
	s.LinkKey = get("link_key_file", c.LinkKeyFile, MinKey)
	return s, errors.Join(errs...)
}
