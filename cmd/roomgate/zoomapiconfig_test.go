package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/zoomapi/zoomtest"
)

// zoomSection is an enabled [zoom_api] section; extra lines go before
// the meeting settings.
func zoomSection(extra ...string) string {
	return "[zoom_api]\nenabled = true\naccount_id = \"acc-R00MGATE\"\nclient_id = \"cli-R00MGATE\"\n" +
		"client_secret = \"sec-fake-client-secret\"\nuser = \"host@coop.example\"\n" + strings.Join(extra, "\n") +
		"\n\n[[rooms]]                        # required"
}

func withZoom(t *testing.T, extra ...string) (*Config, error) {
	t.Helper()
	return LoadConfig(writeConfig(t, "[[rooms]]                        # required", zoomSection(extra...)))
}

func TestZoomAPIOffByDefault(t *testing.T) {
	c, err := LoadConfig(writeConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	z := c.ZoomAPI
	if z.Enabled || z.anyFeature() || z.ReleaseAfter.Duration != 15*time.Minute || *z.MeetingSettings.WaitingRoom != true {
		t.Fatalf("zoom_api = %+v", z)
	}
}

func TestZoomAPIConfigLoads(t *testing.T) {
	c, err := withZoom(t, "per_booking_meetings = true", "release_no_shows = true", "attendance = true",
		`create_timeout = "45s"`, "[zoom_api.meeting_settings]", `auto_recording = "cloud"`, "host_video = true")
	if err != nil {
		t.Fatal(err)
	}
	z := c.ZoomAPI
	s := z.meetingSettings()
	checks := []struct {
		name      string
		got, want any
	}{
		{"create timeout", z.CreateTimeout.Duration, 45 * time.Second},
		{"release after", z.ReleaseAfter.Duration, 15 * time.Minute},
		{"recordings keep", z.RecordingsKeep.Duration, 30 * 24 * time.Hour},
		{"arrive early from policy", z.arriveEarly, 5 * time.Minute},
		{"auto recording", s.AutoRecording, "cloud"},
		{"host video", *s.HostVideo, true},
		{"waiting room default", *s.WaitingRoom, true},
		{"join before host default", *s.JoinBeforeHost, false},
		{"mute default", *s.MuteUponEntry, true},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s = %v, want %v", ck.name, ck.got, ck.want)
		}
	}
	o := z.clientOptions(nil)
	if o.ClientSecret.Reveal() != "sec-fake-client-secret" || o.AccountID != "acc-R00MGATE" || o.BaseURL != "" {
		t.Errorf("client options %+v", o)
	}
}

func TestZoomAPISecretsFromFileAndEnvironment(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "secret"), []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ROOMGATE_ZOOM_ACCOUNT_ID", "acc-env")
	t.Setenv("ROOMGATE_ZOOM_WEBHOOK_SECRET", "hook-env")
	section := "[zoom_api]\nenabled = true\nclient_id = \"cli\"\nclient_secret_file = \"" + filepath.Join(dir, "secret") +
		"\"\nuser = \"host@coop.example\"\nwebhook = true\n\n[[rooms]]                        # required"
	c, err := LoadConfig(writeConfig(t, "[[rooms]]                        # required", section,
		`listen = ""`, `listen = "127.0.0.1:8080"`, `token_file = ""`, `token = "0123456789abcdef0123"`))
	if err != nil {
		t.Fatal(err)
	}
	if z := c.ZoomAPI; z.ClientSecret != "from-file" || z.AccountID != "acc-env" || z.WebhookSecret != "hook-env" {
		t.Fatalf("secrets not read: account %q webhook set %v", z.AccountID, z.WebhookSecret != "")
	}
}

func TestZoomAPIConfigErrors(t *testing.T) {
	tests := []struct {
		name     string
		section  string
		wantText string
	}{
		{"no secret", strings.Replace(zoomSection(), "client_secret = \"sec-fake-client-secret\"\n", "", 1),
			"zoom_api.client_secret is required: the Server-to-Server OAuth app's client secret (client_secret, client_secret_file or ROOMGATE_ZOOM_CLIENT_SECRET)"},
		{"no user", strings.Replace(zoomSection(), "user = \"host@coop.example\"\n", "", 1), "zoom_api.user is required"},
		{"feature while disabled", "[zoom_api]\nrecordings = true\n\n[[rooms]]                        # required",
			"a feature is switched on but enabled = false"},
		{"start links without meetings", zoomSection("start_links = true"), "zoom_api.start_links needs per_booking_meetings = true"},
		{"start links without web", zoomSection("per_booking_meetings = true", "start_links = true"), "zoom_api.start_links needs the web server"},
		{"recordings without dir", zoomSection("per_booking_meetings = true", "recordings = true"), "zoom_api.recordings needs recordings_dir"},
		{"webhook without secret", zoomSection("webhook = true"), "zoom_api.webhook needs webhook_secret"},
		{"release without meetings", zoomSection("release_no_shows = true"), "zoom_api.release_no_shows needs per_booking_meetings"},
		{"bad auto recording", zoomSection("[zoom_api.meeting_settings]", `auto_recording = "always"`), `"always" is not none, local or cloud`},
		{"plain http API", zoomSection(`api_url = "http://api.zoom.us/v2"`), "zoom_api.api_url must be an https:// URL"},
		{"negative duration", zoomSection(`release_after = "-1m"`), "must be positive"},
		{"unknown key", zoomSection("meetings = true"), "unknown keys: zoom_api.meetings"},
		{"start links without public url", zoomSection("per_booking_meetings = true", "start_links = true"), "zoom_api.start_links needs http.public_url"},
		{"recordings without public url", zoomSection("per_booking_meetings = true", "recordings = true", `recordings_dir = "/tmp"`),
			"zoom_api.recordings needs http.public_url"},
		{"bad overrun", zoomSection(`overrun = "kill"`), `zoom_api.overrun: "kill" is not end, warn or off`},
		{"poll too often", zoomSection(`poll_interval = "1s"`), "zoom_api.poll_interval: at least 10s"},
		{"job lease too short", zoomSection(`job_lease = "500ms"`), "zoom_api.job_lease: at least 1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadConfig(writeConfig(t, "[[rooms]]                        # required", tt.section))
			if err == nil || !strings.Contains(err.Error(), tt.wantText) {
				t.Fatalf("err = %v, want %q", err, tt.wantText)
			}
			if strings.Contains(err.Error(), "sec-fake-client-secret") {
				t.Fatalf("the secret is quoted: %v", err)
			}
		})
	}
}

func TestZoomAPICheck(t *testing.T) {
	srv := zoomtest.New(zoomtest.Options{Users: []zoomtest.User{zoomtest.DefaultUser,
		{ID: "u-basic", Email: "basic@coop.example", Type: 1}}})
	defer srv.Close()
	tests := []struct {
		name     string
		mod      func(*ZoomAPIConfig)
		scopes   []string
		wantText string // "" for success
	}{
		{"ok", nil, nil, ""},
		{"wrong secret", func(z *ZoomAPIConfig) { z.ClientSecret = "typo" },
			nil, "check account_id, client_id and client_secret"},
		{"unknown user", func(z *ZoomAPIConfig) { z.User = "nobody@coop.example" }, nil, `zoom_api.user "nobody@coop.example"`},
		{"basic user", func(z *ZoomAPIConfig) { z.User = "basic@coop.example" }, nil, "is not a licensed user"},
		{"missing meeting scope", nil, []string{"user:read:admin"}, "lacks a scope this call needs, one of: meeting:read:admin"},
		{"recordings directory writable", func(z *ZoomAPIConfig) { z.Recordings, z.RecordingsDir = true, t.TempDir()+"/rec" }, nil, ""},
		{"recordings directory not writable", func(z *ZoomAPIConfig) { z.Recordings, z.RecordingsDir = true, "/proc/roomgate" }, nil,
			"zoom_api.recordings_dir"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.SetScopes(append([]string(nil), zoomtest.AllScopes...)...)
			if tt.scopes != nil {
				srv.SetScopes(tt.scopes...)
			}
			z := ZoomAPIConfig{Enabled: true, AccountID: zoomtest.DefaultAccountID, ClientID: zoomtest.DefaultClientID,
				ClientSecret: zoomtest.DefaultClientSecret, User: "host@coop.example", PerBookingMeetings: true,
				APIURL: srv.APIURL(), OAuthURL: srv.TokenURL()}
			if tt.mod != nil {
				tt.mod(&z)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			what, err := z.check(ctx, slog.New(slog.DiscardHandler), nil)
			switch {
			case tt.wantText == "" && (err != nil || what != "user host@coop.example (licensed), 6 scope(s) granted"):
				t.Fatalf("check = %q, %v", what, err)
			case tt.wantText != "" && (err == nil || !strings.Contains(err.Error(), tt.wantText)):
				t.Fatalf("err = %v, want %q", err, tt.wantText)
			}
		})
	}
}

// TestZoomAPIKeysDocumented: the example configuration names every key of
// [zoom_api] and [zoom_api.meeting_settings].
func TestZoomAPIKeysDocumented(t *testing.T) {
	b, err := os.ReadFile("../../roomgate.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	example := string(b)
	for _, typ := range []reflect.Type{reflect.TypeOf(ZoomAPIConfig{}), reflect.TypeOf(ZoomMeetingSettings{})} {
		for i := range typ.NumField() {
			key := typ.Field(i).Tag.Get("toml")
			if key == "" || key == "meeting_settings" {
				continue
			}
			if !strings.Contains(example, "# "+key+" = ") && !strings.Contains(example, "# "+key+"_file = ") {
				t.Errorf("roomgate.example.toml does not show zoom_api key %s", key)
			}
		}
	}
}

// TestZoomAPICheckHosts: `roomgate check` reads each pool host's
// zoom_user and names every wrong one with why: no such user, not
// licensed (Zoom type 2 hosts), not active.
func TestZoomAPICheckHosts(t *testing.T) {
	srv := zoomtest.New(zoomtest.Options{Users: []zoomtest.User{zoomtest.DefaultUser,
		{ID: "u-a", Email: "a@coop.example", Type: 2}, {ID: "u-b", Email: "b@coop.example", Type: 2},
		{ID: "u-basic", Email: "basic@coop.example", Type: 1},
		{ID: "u-gone", Email: "gone@coop.example", Type: 2, Status: "inactive"}}})
	defer srv.Close()
	z := ZoomAPIConfig{Enabled: true, AccountID: zoomtest.DefaultAccountID, ClientID: zoomtest.DefaultClientID,
		ClientSecret: zoomtest.DefaultClientSecret, User: "host@coop.example", PerBookingMeetings: true,
		APIURL: srv.APIURL(), OAuthURL: srv.TokenURL()}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	log := slog.New(slog.DiscardHandler)

	good := []HostConfig{{Name: "salle-a", ZoomUser: "a@coop.example"}, {Name: "salle-b", ZoomUser: "u-b"}}
	if what, err := z.check(ctx, log, good); err != nil || !strings.HasSuffix(what, ", 2 pool host(s) licensed") {
		t.Fatalf("check = %q, %v", what, err)
	}
	bad := append(good, HostConfig{Name: "salle-c", ZoomUser: "nobody@coop.example"},
		HostConfig{Name: "salle-d", ZoomUser: "basic@coop.example"}, HostConfig{Name: "salle-e", ZoomUser: "gone@coop.example"})
	_, err := z.check(ctx, log, bad)
	if err == nil {
		t.Fatal("check passed with three wrong hosts")
	}
	for _, want := range []string{
		`host "salle-c": zoom_user "nobody@coop.example" is no user of the account (Zoom answers 404)`,
		`host "salle-d": zoom_user "basic@coop.example" is not a licensed user (Zoom type 1)`,
		`host "salle-e": zoom_user "gone@coop.example" is inactive, not active`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("check error lacks %q:\n%v", want, err)
		}
	}
	for _, ok := range []string{"salle-a", "salle-b"} {
		if strings.Contains(err.Error(), ok) {
			t.Errorf("check blames %s:\n%v", ok, err)
		}
	}
}
