package bbb

import (
	"time"

	"codeberg.org/opteos/roomgate/meetings/internal/vtool"
)

// EnvSecret is the environment variable read when neither secret nor
// secret_file is set.
const EnvSecret = "ROOMGATE_BBB_SECRET"

// Defaults of Config.
const (
	DefaultGuestName = "Invité·e / Guest"
	DefaultEarly     = 15 * time.Minute
	DefaultLate      = 30 * time.Minute
	DefaultLinger    = 15 * time.Minute
)

// minSecret is the shortest shared secret accepted; bbb-conf makes 32
// characters.
const minSecret = 16

// Config is the [video.bbb] section.
type Config struct {
	// URL is the server's API address, as `bbb-conf --secret` prints it:
	// https://HOST/bigbluebutton/ (or …/bigbluebutton/api/).
	URL string `toml:"url"`
	// Secret is the shared secret (securitySalt); SecretFile or EnvSecret
	// may hold it instead.
	Secret     vtool.Secret `toml:"secret"`
	SecretFile string       `toml:"secret_file"`
	// Checksum is sha1, sha256 (default), sha384 or sha512.
	Checksum string `toml:"checksum"`
	// Record lets moderators record (create's record=true).
	Record bool `toml:"record"`
	// GuestName is the name guests joining by the guests' link have.
	GuestName string `toml:"guest_name"`
	// Early and Late are the margins of Room.ValidFrom and ValidUntil;
	// Late also keeps an unjoined meeting that long after the end.
	Early vtool.Duration `toml:"early"`
	Late  vtool.Duration `toml:"late"`
	// Linger keeps a meeting that long after its last user left, so that
	// a dropped connection can come back (default 15m).
	Linger vtool.Duration `toml:"linger"`
	// Timeout bounds one API call (default 15s).
	Timeout vtool.Duration `toml:"timeout"`
}

const section = "video.bbb"

// ReadSecrets fills Secret from SecretFile or EnvSecret when it is not
// written in the configuration. read reads the file (nil: os.ReadFile);
// cmd/roomgate passes its reader of *_file keys.
func (c *Config) ReadSecrets(read vtool.ReadFunc) error {
	return vtool.ResolveSecret(&c.Secret, c.SecretFile, EnvSecret, section+".secret", read)
}

// SetDefaults fills the keys left out.
func (c *Config) SetDefaults() {
	def := func(d *vtool.Duration, v time.Duration) {
		if d.Duration == 0 {
			d.Duration = v
		}
	}
	if c.Checksum == "" {
		c.Checksum = string(SHA256)
	}
	if c.GuestName == "" {
		c.GuestName = DefaultGuestName
	}
	def(&c.Early, DefaultEarly)
	def(&c.Late, DefaultLate)
	def(&c.Linger, DefaultLinger)
	def(&c.Timeout, DefaultTimeout)
}

// Validate reports every problem at once, each naming its key; the
// secret is never quoted.
func (c *Config) Validate() error {
	p := vtool.Problems{Section: section}
	if _, err := vtool.CheckURL(section+".url", c.URL); err != nil {
		p.AddErr(err)
	}
	if len(c.Secret) < minSecret {
		p.Add("secret", "at least %d characters are required: the server's shared secret, from `bbb-conf --secret` (secret, secret_file or %s)", minSecret, EnvSecret)
	}
	if Algorithm(c.Checksum).hash() == nil {
		p.Add("checksum", "%q is not sha1, sha256, sha384 or sha512", c.Checksum)
	}
	if n := len([]rune(c.GuestName)); n < 2 || n > 64 || vtool.Title(c.GuestName, 64) != c.GuestName {
		p.Add("guest_name", "must be 2 to 64 characters without control characters")
	}
	for _, d := range []struct {
		key string
		v   time.Duration
		max time.Duration
	}{{"early", c.Early.Duration, 24 * time.Hour}, {"late", c.Late.Duration, 24 * time.Hour},
		{"linger", c.Linger.Duration, 24 * time.Hour}, {"timeout", c.Timeout.Duration, 5 * time.Minute}} {
		if d.v < 0 || d.v > d.max {
			p.Add(d.key, "%s is not between 0 and %s", d.v, d.max)
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
