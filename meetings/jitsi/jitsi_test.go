package jitsi_test

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/meetings/internal/vtool"
	"codeberg.org/opteos/roomgate/meetings/jitsi"
	"codeberg.org/opteos/roomgate/meetings/room"
)

const secret = "s3cr3t-app-secret-of-at-least-32-chars!"

var (
	start = time.Date(2026, 12, 8, 14, 0, 0, 0, time.UTC)
	end   = start.Add(90 * time.Minute)
	spec  = room.Spec{Key: "alice@coop.example/uid-1/", Title: "Assemblée générale", Start: start, End: end,
		Host: room.Person{Name: "Alice Martin", Email: "alice@coop.example"}, Lang: "fr"}
)

func newProvider(t *testing.T, mod func(*jitsi.Config)) *jitsi.Provider {
	t.Helper()
	c := jitsi.Config{BaseURL: "https://meet.coop.example", AppID: "roomgate", AppSecret: secret}
	if mod != nil {
		mod(&c)
	}
	p, err := jitsi.New(c)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func open(t *testing.T, p *jitsi.Provider, s room.Spec) room.Room {
	t.Helper()
	r, err := p.Open(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// token splits a room link into its room name and token.
func token(t *testing.T, link string) (string, string) {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || u.Scheme != "https" || u.Host != "meet.coop.example" {
		t.Fatalf("link %q", link)
	}
	return strings.TrimPrefix(u.Path, "/"), u.Query().Get("jwt")
}

func TestHostTokenIsModeratorForTheRoomOfTheLink(t *testing.T) {
	r := open(t, newProvider(t, nil), spec)
	name, tok := token(t, r.HostURL)
	p, err := verify(tok, []byte(secret), start)
	if err != nil {
		t.Fatal(err)
	}
	if name != r.ID || p.Room != name {
		t.Fatalf("room claim %q, path %q, ID %q: all three must match", p.Room, name, r.ID)
	}
	if p.Iss != "roomgate" || p.Aud != "roomgate" || p.Sub != "meet.coop.example" {
		t.Fatalf("iss %q aud %q sub %q", p.Iss, p.Aud, p.Sub)
	}
	u := p.Context.User
	if !p.Moderator || u.Moderator != "true" || u.Affiliation != "owner" {
		t.Fatalf("host claims moderator=%v context.user.moderator=%q affiliation=%q", p.Moderator, u.Moderator, u.Affiliation)
	}
	if u.Name != "Alice Martin" || u.Email != "alice@coop.example" {
		t.Fatalf("context.user %+v", u)
	}
}

func TestGuestTokenIsNotModerator(t *testing.T) {
	r := open(t, newProvider(t, nil), spec)
	name, tok := token(t, r.JoinURL)
	p, err := verify(tok, []byte(secret), start)
	if err != nil {
		t.Fatal(err)
	}
	u := p.Context.User
	if p.Moderator || u.Moderator != "false" || u.Affiliation != "member" {
		t.Fatalf("guest claims moderator=%v context.user.moderator=%q affiliation=%q", p.Moderator, u.Moderator, u.Affiliation)
	}
	if p.Room != name || name != r.ID || u.Name != "" || u.Email != "" {
		t.Fatalf("guest room %q path %q user %+v", p.Room, name, u)
	}
}

func TestAnonymousGuestsGetTheBareRoom(t *testing.T) {
	r := open(t, newProvider(t, func(c *jitsi.Config) { c.Guests = jitsi.GuestsAnonymous }), spec)
	if want := "https://meet.coop.example/" + r.ID; r.JoinURL != want {
		t.Fatalf("JoinURL %q, want %q", r.JoinURL, want)
	}
}

func TestValidityWindow(t *testing.T) {
	r := open(t, newProvider(t, func(c *jitsi.Config) {
		c.Early.Duration, c.Late.Duration = 10*time.Minute, 20*time.Minute
	}), spec)
	from, until := start.Add(-10*time.Minute), end.Add(20*time.Minute)
	if !r.ValidFrom.Equal(from) || !r.ValidUntil.Equal(until) {
		t.Fatalf("valid %s–%s, want %s–%s", r.ValidFrom, r.ValidUntil, from, until)
	}
	_, tok := token(t, r.HostURL)
	for _, c := range []struct {
		name string
		at   time.Time
		ok   bool
	}{
		{"a second before nbf", from.Add(-time.Second), false},
		{"at nbf", from, true},
		{"during", start.Add(time.Hour), true},
		{"a second before exp", until.Add(-time.Second), true},
		{"at exp", until, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := verify(tok, []byte(secret), c.at); (err == nil) != c.ok {
				t.Fatalf("verify at %s: %v, want ok=%v", c.at, err, c.ok)
			}
		})
	}
}

func TestSignatureMatchesOpenSSL(t *testing.T) {
	r := open(t, newProvider(t, nil), spec)
	_, tok := token(t, r.HostURL)
	i := strings.LastIndexByte(tok, '.')
	if got, want := tok[i+1:], opensslMAC(t, tok[:i], []byte(secret)); got != want {
		t.Fatalf("signature %s, openssl %s", got, want)
	}
}

func TestWrongSecretFails(t *testing.T) {
	r := open(t, newProvider(t, nil), spec)
	_, tok := token(t, r.HostURL)
	if _, err := verify(tok, []byte(secret+"x"), start); err == nil {
		t.Fatal("a token verified with another secret")
	}
}

func TestRoomNameStableUnguessableURLSafe(t *testing.T) {
	p := newProvider(t, nil)
	a, b := open(t, p, spec), open(t, p, spec)
	if a != b {
		t.Fatalf("same key, different rooms:\n%+v\n%+v", a, b)
	}
	other := spec
	other.Key += "x"
	if c := open(t, p, other); c.ID == a.ID {
		t.Fatal("two keys give one room")
	}
	other = spec
	other.Title = "Another title"
	if c := open(t, p, other); c.ID != a.ID {
		t.Fatal("the title changed the room name")
	}
	if len(a.ID) != 26 || strings.Trim(a.ID, "abcdefghijklmnopqrstuvwxyz234567") != "" {
		t.Fatalf("room name %q is not 26 base32 characters", a.ID)
	}
	q := newProvider(t, func(c *jitsi.Config) { c.AppSecret = secret + "2" })
	if c := open(t, q, spec); c.ID == a.ID {
		t.Fatal("the room name does not depend on the secret")
	}
}

func TestNoSecretInLinks(t *testing.T) {
	r := open(t, newProvider(t, nil), spec)
	for _, s := range []string{r.HostURL, r.JoinURL, r.ID, r.Passcode} {
		if strings.Contains(s, secret) || strings.Contains(s, url.QueryEscape(secret)) {
			t.Fatalf("the secret is in %q", s)
		}
	}
}

func TestOpenRefusesBadSpecs(t *testing.T) {
	p := newProvider(t, nil)
	for name, mod := range map[string]func(*room.Spec){
		"empty key":        func(s *room.Spec) { s.Key = " " },
		"end before start": func(s *room.Spec) { s.End = s.Start.Add(-time.Minute) },
		"empty slot":       func(s *room.Spec) { s.End = s.Start },
	} {
		t.Run(name, func(t *testing.T) {
			s := spec
			mod(&s)
			if _, err := p.Open(context.Background(), s); err == nil {
				t.Fatal("opened")
			}
		})
	}
}

func TestConfigProblemsNameTheirKeys(t *testing.T) {
	c := jitsi.Config{BaseURL: "http://meet.coop.example/x", AppSecret: "short", Guests: "all",
		Early: vtool.Duration{Duration: -time.Minute}}
	_, err := jitsi.New(c)
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"video.jitsi.base_url", "video.jitsi.app_id", "video.jitsi.app_secret",
		"video.jitsi.guests", "video.jitsi.early"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q missing from %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "short") {
		t.Errorf("the secret is quoted: %v", err)
	}
}

func TestSecretFromFileOrEnvironment(t *testing.T) {
	f := filepath.Join(t.TempDir(), "jitsi_secret")
	if err := os.WriteFile(f, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := jitsi.Config{AppSecretFile: f}
	if err := c.ReadSecrets(nil); err != nil || c.AppSecret.Reveal() != secret {
		t.Fatalf("from file: %v, %d characters", err, len(c.AppSecret))
	}
	t.Setenv(jitsi.EnvAppSecret, "from-env")
	c = jitsi.Config{}
	if err := c.ReadSecrets(nil); err != nil || c.AppSecret.Reveal() != "from-env" {
		t.Fatalf("from env: %v", err)
	}
	c = jitsi.Config{AppSecretFile: f + ".missing"}
	if err := c.ReadSecrets(nil); err == nil || !strings.Contains(err.Error(), "video.jitsi.app_secret_file") {
		t.Fatalf("missing file: %v", err)
	}
}
