package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/meetings/layer"
	"codeberg.org/opteos/roomgate/zoomapi"
)

// ZoomAPIConfig is the [zoom_api] section: Zoom API mode, off by
// default. With a Server-to-Server OAuth app on the account, roomgate
// gives each booking a meeting of its own (per_booking_meetings), start
// links instead of the host key, keeps recordings, reports attendance and
// releases no-shows (see zoomapiserve.go for the wiring).
type ZoomAPIConfig struct {
	Enabled bool `toml:"enabled"`
	// The app's credentials; each also from a file or the environment
	// (ROOMGATE_ZOOM_ACCOUNT_ID, _CLIENT_ID, _CLIENT_SECRET).
	AccountID        string `toml:"account_id"`
	AccountIDFile    string `toml:"account_id_file"`
	ClientID         string `toml:"client_id"`
	ClientIDFile     string `toml:"client_id_file"`
	ClientSecret     string `toml:"client_secret"`
	ClientSecretFile string `toml:"client_secret_file"`
	// User is the licensed user who hosts the meetings (e-mail or ID).
	User string `toml:"user"`
	// APIURL and OAuthURL are Zoom's unless set (a regional API, tests).
	APIURL   string `toml:"api_url"`
	OAuthURL string `toml:"oauth_url"`

	MeetingSettings ZoomMeetingSettings `toml:"meeting_settings"`

	PerBookingMeetings bool `toml:"per_booking_meetings"`
	StartLinks         bool `toml:"start_links"`
	Recordings         bool `toml:"recordings"`
	Attendance         bool `toml:"attendance"`
	ReleaseNoShows     bool `toml:"release_no_shows"`
	Webhook            bool `toml:"webhook"`

	CreateTimeout  Duration `toml:"create_timeout"`
	ReleaseAfter   Duration `toml:"release_after"`
	RecordingsKeep Duration `toml:"recordings_keep"`
	RecordingsDir  string   `toml:"recordings_dir"`

	WebhookSecret     string `toml:"webhook_secret"`
	WebhookSecretFile string `toml:"webhook_secret_file"`

	// PollInterval is how often live meetings are looked at.
	PollInterval Duration `toml:"poll_interval"`
	// JobLease is how long a claimed meeting job is kept from the other
	// instances (layer.Options.JobLease): after a crash, its job is
	// taken over that long after the claim at most.
	JobLease Duration `toml:"job_lease"`
	// Overrun is end, warn or off; OverrunWarning how long before the next
	// booking an overrunning meeting's organizer is warned.
	Overrun        string   `toml:"overrun"`
	OverrunWarning Duration `toml:"overrun_warning"`

	// Tests only: adjust the client (clock, waits) and the job interval.
	clientEdit  func(*zoomapi.Options)
	jobInterval time.Duration

	// arriveEarly is [policy] arrive_early: start links open that long
	// before a booking. publicURL is [http] public_url, the base of the
	// start and recordings links.
	arriveEarly time.Duration
	publicURL   string
}

// ZoomMeetingSettings is [zoom_api.meeting_settings], applied to every
// meeting roomgate creates.
type ZoomMeetingSettings struct {
	WaitingRoom      *bool  `toml:"waiting_room"`
	JoinBeforeHost   *bool  `toml:"join_before_host"`
	MuteUponEntry    *bool  `toml:"mute_upon_entry"`
	HostVideo        *bool  `toml:"host_video"`
	ParticipantVideo *bool  `toml:"participant_video"`
	AutoRecording    string `toml:"auto_recording"`
}

// prepare completes the section, reads its secrets and validates it; it
// is the one call config.go makes.
func (z *ZoomAPIConfig) prepare(c *Config, bad func(string, ...any)) {
	z.setDefaults()
	z.arriveEarly, z.publicURL = c.Policy.ArriveEarly.Duration, c.HTTP.PublicURL
	if !z.Enabled {
		if z.anyFeature() {
			bad("zoom_api: a feature is switched on but enabled = false")
		}
		return
	}
	z.readSecrets(bad)
	z.validate(c.HTTP.Listen != "", bad)
}

func (z *ZoomAPIConfig) setDefaults() {
	def := func(d *Duration, v time.Duration) {
		if d.Duration == 0 {
			d.Duration = v
		}
	}
	def(&z.CreateTimeout, 30*time.Second)
	def(&z.ReleaseAfter, 15*time.Minute)
	def(&z.RecordingsKeep, 30*24*time.Hour)
	def(&z.PollInterval, time.Minute)
	def(&z.JobLease, 20*time.Second)
	def(&z.OverrunWarning, 5*time.Minute)
	if strings.TrimSpace(z.Overrun) == "" {
		z.Overrun = layer.OverrunEnd
	}
	s := &z.MeetingSettings
	defBool := func(b **bool, v bool) {
		if *b == nil {
			*b = ptr(v)
		}
	}
	// As the cooperative's rooms: waiting room on (the link is the
	// member's own now), muted on entry, video off until turned on.
	defBool(&s.WaitingRoom, true)
	defBool(&s.JoinBeforeHost, false)
	defBool(&s.MuteUponEntry, true)
	defBool(&s.HostVideo, false)
	defBool(&s.ParticipantVideo, false)
	if strings.TrimSpace(s.AutoRecording) == "" {
		s.AutoRecording = "none"
	}
}

func (z *ZoomAPIConfig) anyFeature() bool {
	return z.PerBookingMeetings || z.StartLinks || z.Recordings || z.Attendance || z.ReleaseNoShows || z.Webhook
}

// readSecrets fills the credentials from their files or the environment
// when they are not written in the file itself.
func (z *ZoomAPIConfig) readSecrets(bad func(string, ...any)) {
	get := func(val *string, file, env, key string) {
		switch {
		case *val != "":
		case file != "":
			b, err := readSecretFile(file)
			if err != nil {
				bad("zoom_api.%s_file: %v", key, err)
				return
			}
			*val = strings.TrimSpace(string(b))
		default:
			*val = os.Getenv(env)
		}
	}
	get(&z.AccountID, z.AccountIDFile, "ROOMGATE_ZOOM_ACCOUNT_ID", "account_id")
	get(&z.ClientID, z.ClientIDFile, "ROOMGATE_ZOOM_CLIENT_ID", "client_id")
	get(&z.ClientSecret, z.ClientSecretFile, "ROOMGATE_ZOOM_CLIENT_SECRET", "client_secret")
	get(&z.WebhookSecret, z.WebhookSecretFile, "ROOMGATE_ZOOM_WEBHOOK_SECRET", "webhook_secret")
}

// validate reports every problem of an enabled section; secrets are never
// quoted.
func (z *ZoomAPIConfig) validate(web bool, bad func(string, ...any)) {
	for _, k := range []struct{ val, key, env string }{
		{z.AccountID, "account_id", "ROOMGATE_ZOOM_ACCOUNT_ID"},
		{z.ClientID, "client_id", "ROOMGATE_ZOOM_CLIENT_ID"},
		{z.ClientSecret, "client_secret", "ROOMGATE_ZOOM_CLIENT_SECRET"},
	} {
		if k.val == "" {
			bad("zoom_api.%s is required: the Server-to-Server OAuth app's %s (%s, %s_file or %s)",
				k.key, strings.ReplaceAll(k.key, "_", " "), k.key, k.key, k.env)
		}
	}
	if z.User == "" {
		bad("zoom_api.user is required: the e-mail (or ID) of the licensed user who hosts the meetings")
	}
	for _, k := range []struct{ key, u string }{{"api_url", z.APIURL}, {"oauth_url", z.OAuthURL}} {
		if k.u != "" && !secureURL(k.u) {
			bad("zoom_api.%s must be an https:// URL (http only on a loopback address)", k.key)
		}
	}
	switch z.MeetingSettings.AutoRecording {
	case "none", "local", "cloud":
	default:
		bad("zoom_api.meeting_settings.auto_recording: %q is not none, local or cloud", z.MeetingSettings.AutoRecording)
	}
	z.validateFeatures(web, bad)
}

// validateFeatures checks that each switch has what it needs.
func (z *ZoomAPIConfig) validateFeatures(web bool, bad func(string, ...any)) {
	needs := func(on bool, name string, ok bool, what string) {
		if on && !ok {
			bad("zoom_api.%s needs %s", name, what)
		}
	}
	needs(z.StartLinks, "start_links", z.PerBookingMeetings, "per_booking_meetings = true")
	needs(z.StartLinks, "start_links", web, "the web server ([http] listen)")
	needs(z.Recordings, "recordings", z.PerBookingMeetings, "per_booking_meetings = true")
	needs(z.Recordings, "recordings", z.RecordingsDir != "", "recordings_dir")
	needs(z.Recordings, "recordings", web, "the web server ([http] listen) to serve the copies")
	needs(z.Attendance, "attendance", z.PerBookingMeetings, "per_booking_meetings = true")
	needs(z.ReleaseNoShows, "release_no_shows", z.PerBookingMeetings, "per_booking_meetings = true")
	needs(z.Webhook, "webhook", z.WebhookSecret != "",
		"webhook_secret (the app's secret token; webhook_secret, webhook_secret_file or ROOMGATE_ZOOM_WEBHOOK_SECRET)")
	needs(z.Webhook, "webhook", web, "the web server ([http] listen)")
	needs(z.StartLinks, "start_links", z.publicURL != "", "http.public_url (the web server's address as members reach it)")
	needs(z.Recordings, "recordings", z.publicURL != "", "http.public_url (the web server's address as members reach it)")
	if (z.StartLinks || z.Recordings) && z.publicURL != "" && !secureURL(z.publicURL) {
		bad("http.public_url must be an https:// URL (http only on a loopback address) for the start and recordings links")
	}
	switch z.Overrun {
	case layer.OverrunEnd, layer.OverrunWarn, layer.OverrunOff:
	default:
		bad("zoom_api.overrun: %q is not end, warn or off", z.Overrun)
	}
	if z.PollInterval.Duration < 10*time.Second {
		bad("zoom_api.poll_interval: at least 10s (Zoom's rate limits)")
	}
	if z.JobLease.Duration < time.Second {
		bad("zoom_api.job_lease: at least 1s (a job runs for three quarters of it)")
	}
	if z.CreateTimeout.Duration <= 0 || z.ReleaseAfter.Duration <= 0 || z.RecordingsKeep.Duration <= 0 {
		bad("zoom_api: create_timeout, release_after and recordings_keep must be positive")
	}
}

func secureURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.Host != "" && (u.Scheme == "https" || u.Scheme == "http" && isLoopback(u.Hostname()))
}

// clientOptions are the zoomapi client's options.
func (z *ZoomAPIConfig) clientOptions(log *slog.Logger) zoomapi.Options {
	return zoomapi.Options{AccountID: z.AccountID, ClientID: z.ClientID, ClientSecret: zoomapi.Secret(z.ClientSecret),
		BaseURL: z.APIURL, TokenURL: z.OAuthURL, Logger: log}
}

// meetingSettings are the settings every created meeting gets.
func (z *ZoomAPIConfig) meetingSettings() *zoomapi.Settings {
	s := z.MeetingSettings
	return &zoomapi.Settings{WaitingRoom: s.WaitingRoom, JoinBeforeHost: s.JoinBeforeHost,
		MuteUponEntry: s.MuteUponEntry, HostVideo: s.HostVideo, ParticipantVideo: s.ParticipantVideo,
		AutoRecording: s.AutoRecording}
}

// check is `roomgate check`'s step: it gets a token, reads the user and,
// for per-booking meetings, lists the user's meetings, and does the same
// for each pool host's zoom_user (checkHosts), so that a missing scope, a
// wrong credential or a wrong host shows now rather than at the first
// booking.
func (z *ZoomAPIConfig) check(ctx context.Context, log *slog.Logger, hosts []HostConfig) (string, error) {
	c, err := zoomapi.New(z.clientOptions(log))
	if err != nil {
		return "", err
	}
	scopes, err := c.Scopes(ctx)
	if err != nil {
		return "", err
	}
	u, err := c.GetUser(ctx, z.User)
	if err != nil {
		return "", fmt.Errorf("zoom_api.user %q: %w", z.User, err)
	}
	if u.Type != zoomapi.Licensed {
		return "", fmt.Errorf("zoom_api.user %q is not a licensed user (Zoom type %d): meetings need a licensed host", z.User, u.Type)
	}
	if z.PerBookingMeetings {
		if _, err := c.ListMeetings(ctx, z.User, zoomapi.ListUpcoming); err != nil {
			return "", err
		}
	}
	if z.Recordings {
		if err := writableDir(z.RecordingsDir); err != nil {
			return "", fmt.Errorf("zoom_api.recordings_dir: %w", err)
		}
	}
	what := fmt.Sprintf("user %s (licensed), %d scope(s) granted", u.Email, len(scopes))
	if n, err := z.checkHosts(ctx, c, hosts); err != nil {
		return "", err
	} else if n > 0 {
		what += fmt.Sprintf(", %d pool host(s) licensed", n)
	}
	return what, nil
}

// checkHosts reads each pool host's zoom_user (GET /users/{userId}): a
// pool host must be an active licensed user (Zoom type 2) of the account,
// whose meetings the app may list when each booking gets its meeting.
// Every wrong host is named, with why. It returns how many were checked.
func (z *ZoomAPIConfig) checkHosts(ctx context.Context, c *zoomapi.Client, hosts []HostConfig) (int, error) {
	var errs []error
	n := 0
	for _, h := range hosts {
		if h.ZoomUser == "" {
			continue
		}
		n++
		u, err := c.GetUser(ctx, h.ZoomUser)
		switch {
		case errors.Is(err, zoomapi.ErrNotFound):
			errs = append(errs, fmt.Errorf("host %q: zoom_user %q is no user of the account (Zoom answers 404)", h.Name, h.ZoomUser))
			continue
		case err != nil:
			errs = append(errs, fmt.Errorf("host %q: zoom_user %q: %w", h.Name, h.ZoomUser, err))
			continue
		case u.Type != zoomapi.Licensed:
			errs = append(errs, fmt.Errorf("host %q: zoom_user %q is not a licensed user (Zoom type %d): a pool host needs a licence of its own",
				h.Name, h.ZoomUser, u.Type))
			continue
		case u.Status != "" && u.Status != "active":
			errs = append(errs, fmt.Errorf("host %q: zoom_user %q is %s, not active: it cannot host", h.Name, h.ZoomUser, u.Status))
			continue
		}
		if z.PerBookingMeetings {
			if _, err := c.ListMeetings(ctx, h.ZoomUser, zoomapi.ListUpcoming); err != nil {
				errs = append(errs, fmt.Errorf("host %q: zoom_user %q: its meetings cannot be listed: %w", h.Name, h.ZoomUser, err))
			}
		}
	}
	return n, errors.Join(errs...)
}

// writableDir makes dir if needed and checks that a file can be written
// in it, as the copies of recordings are.
func writableDir(dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".roomgate-check-*")
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(f.Name())
}

// linkKey derives the key that signs start links from the app's client
// secret: no key of its own to configure, and regenerating the secret
// invalidates the links mailed before.
func (z *ZoomAPIConfig) linkKey() []byte {
	m := hmac.New(sha256.New, []byte(z.ClientSecret))
	m.Write([]byte("roomgate start links v1"))
	return m.Sum(nil)
}
