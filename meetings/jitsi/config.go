package jitsi

import (
	"time"

	"codeberg.org/opteos/roomgate/meetings/internal/vtool"
)

// Guest modes: how a guest's link gets in.
const (
	// GuestsToken gives guests a link whose token is valid for the room
	// but not moderator. It works with allow_empty_token = false.
	GuestsToken = "token"
	// GuestsAnonymous gives guests the bare room link without a token. The
	// server must let tokenless users in (allow_empty_token = true or a
	// guest VirtualHost); it is the choice when guests must not hold a
	// credential at all.
	GuestsAnonymous = "anonymous"
)

// Defaults of the margins around a booking within which its tokens are
// valid.
const (
	DefaultEarly = 15 * time.Minute
	DefaultLate  = 30 * time.Minute
)

// minSecret is the shortest app secret accepted: RFC 7518 §3.2 asks for a
// key of at least the hash's size, 256 bits for HS256.
const minSecret = 32

// EnvAppSecret is the environment variable read when neither app_secret
// nor app_secret_file is set.
const EnvAppSecret = "ROOMGATE_JITSI_APP_SECRET"

// Config is the [video.jitsi] section.
type Config struct {
	// BaseURL is the Jitsi Meet server, e.g. https://meet.example.org
	// (no path: rooms are at its root).
	BaseURL string `toml:"base_url"`
	// AppID is Prosody's app_id. Issuer and Audience default to it.
	AppID    string `toml:"app_id"`
	Issuer   string `toml:"issuer"`
	Audience string `toml:"audience"`
	// Subject is the sub claim: the domain of the MUC (by default
	// BaseURL's host name), or "*".
	Subject string `toml:"subject"`
	// AppSecret is Prosody's app_secret; AppSecretFile or the
	// environment variable EnvAppSecret may hold it instead.
	AppSecret     vtool.Secret `toml:"app_secret"`
	AppSecretFile string       `toml:"app_secret_file"`
	// Guests is GuestsToken (default) or GuestsAnonymous.
	Guests string `toml:"guests"`
	// Early and Late widen the tokens' validity before the start and
	// after the end of the booking.
	Early vtool.Duration `toml:"early"`
	Late  vtool.Duration `toml:"late"`
}

const section = "video.jitsi"

// ReadSecrets fills AppSecret from AppSecretFile or EnvAppSecret when it
// is not written in the configuration. read reads the file (nil:
// os.ReadFile); cmd/roomgate passes its reader of *_file keys.
func (c *Config) ReadSecrets(read vtool.ReadFunc) error {
	return vtool.ResolveSecret(&c.AppSecret, c.AppSecretFile, EnvAppSecret, section+".app_secret", read)
}

// SetDefaults fills the keys left out.
func (c *Config) SetDefaults() {
	if c.Issuer == "" {
		c.Issuer = c.AppID
	}
	if c.Audience == "" {
		c.Audience = c.AppID
	}
	if c.Guests == "" {
		c.Guests = GuestsToken
	}
	if c.Early.Duration == 0 {
		c.Early.Duration = DefaultEarly
	}
	if c.Late.Duration == 0 {
		c.Late.Duration = DefaultLate
	}
}

// Validate reports every problem at once, each naming its key; the
// secret is never quoted.
func (c *Config) Validate() error {
	p := vtool.Problems{Section: section}
	if u, err := vtool.CheckURL(section+".base_url", c.BaseURL); err != nil {
		p.AddErr(err)
	} else if u.Path != "" && u.Path != "/" {
		p.Add("base_url", "must have no path (rooms are at the server's root)")
	}
	if c.AppID == "" {
		p.Add("app_id", "is required: Prosody's app_id (JWT_APP_ID)")
	}
	if len(c.AppSecret) < minSecret {
		p.Add("app_secret", "at least %d characters are required: Prosody's app_secret (app_secret, app_secret_file or %s)", minSecret, EnvAppSecret)
	}
	if c.Guests != GuestsToken && c.Guests != GuestsAnonymous {
		p.Add("guests", "%q is not %s or %s", c.Guests, GuestsToken, GuestsAnonymous)
	}
	for _, d := range []struct {
		key string
		v   time.Duration
	}{{"early", c.Early.Duration}, {"late", c.Late.Duration}} {
		if d.v < 0 || d.v > 24*time.Hour {
			p.Add(d.key, "%s is not between 0 and 24h", d.v)
		}
	}
	return p.Err()
}

// Secret, Duration and ReadFunc are the shared types of the
// configuration, named here so that code outside meetings/ (cmd/roomgate)
// can write them: Secret never prints its value; Duration reads "15m";
// ReadFunc reads a *_file key's file.
type (
	Secret   = vtool.Secret
	Duration = vtool.Duration
	ReadFunc = vtool.ReadFunc
)
