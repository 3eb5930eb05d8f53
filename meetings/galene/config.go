package galene

import (
	"time"

	"codeberg.org/opteos/roomgate/meetings/internal/vtool"
)

// Environment variables read when a secret is neither written nor in a
// file.
const (
	EnvAdminPassword = "ROOMGATE_GALENE_ADMIN_PASSWORD"
	EnvAPIToken      = "ROOMGATE_GALENE_API_TOKEN"
)

// Defaults of Config.
const (
	DefaultPrefix  = "roomgate-"
	DefaultEarly   = 15 * time.Minute
	DefaultLate    = 30 * time.Minute
	DefaultTimeout = 15 * time.Second
)

// Config is the [video.galene] section.
type Config struct {
	// URL is the Galène server, e.g. https://galene.coop.example:8443.
	URL string `toml:"url"`
	// AdminUser and AdminPassword: an administrator of data/config.json
	// (HTTP Basic). APIToken: a token with the admin permission
	// (bearer). One of the two is required.
	AdminUser         string       `toml:"admin_user"`
	AdminPassword     vtool.Secret `toml:"admin_password"`
	AdminPasswordFile string       `toml:"admin_password_file"`
	APIToken          vtool.Secret `toml:"api_token"`
	APITokenFile      string       `toml:"api_token_file"`
	// Prefix starts every group name roomgate creates.
	Prefix string `toml:"prefix"`
	// Early and Late widen the group's and tokens' validity around the
	// booking.
	Early vtool.Duration `toml:"early"`
	Late  vtool.Duration `toml:"late"`
	// Timeout bounds one API call.
	Timeout vtool.Duration `toml:"timeout"`
	// RoomKey keys the HMAC that names groups. It defaults to the admin
	// password or API token; set it to keep group names when those
	// change.
	RoomKey     vtool.Secret `toml:"room_key"`
	RoomKeyFile string       `toml:"room_key_file"`
}

const section = "video.galene"

// ReadSecrets fills the secrets from their files or the environment when
// they are not written in the configuration. read reads a file (nil:
// os.ReadFile).
func (c *Config) ReadSecrets(read vtool.ReadFunc) error {
	p := vtool.Problems{Section: section}
	p.AddErr(vtool.ResolveSecret(&c.AdminPassword, c.AdminPasswordFile, EnvAdminPassword, section+".admin_password", read))
	p.AddErr(vtool.ResolveSecret(&c.APIToken, c.APITokenFile, EnvAPIToken, section+".api_token", read))
	p.AddErr(vtool.ResolveSecret(&c.RoomKey, c.RoomKeyFile, "", section+".room_key", read))
	return p.Err()
}

// SetDefaults fills the keys left out.
func (c *Config) SetDefaults() {
	def := func(d *vtool.Duration, v time.Duration) {
		if d.Duration == 0 {
			d.Duration = v
		}
	}
	if c.Prefix == "" {
		c.Prefix = DefaultPrefix
	}
	def(&c.Early, DefaultEarly)
	def(&c.Late, DefaultLate)
	def(&c.Timeout, DefaultTimeout)
	if c.RoomKey == "" {
		c.RoomKey = c.AdminPassword + c.APIToken
	}
}

// Validate reports every problem at once, each naming its key; secrets
// are never quoted.
func (c *Config) Validate() error {
	p := vtool.Problems{Section: section}
	if u, err := vtool.CheckURL(section+".url", c.URL); err != nil {
		p.AddErr(err)
	} else if u.Path != "" && u.Path != "/" {
		p.Add("url", "must have no path")
	}
	basic := c.AdminUser != "" || c.AdminPassword != ""
	switch {
	case basic && c.APIToken != "":
		p.Add("api_token", "give either admin_user and admin_password, or api_token, not both")
	case basic && (c.AdminUser == "" || c.AdminPassword == ""):
		p.Add("admin_password", "admin_user and admin_password go together (admin_password, admin_password_file or %s)", EnvAdminPassword)
	case !basic && c.APIToken == "":
		p.Add("admin_user", "an administrator is required: admin_user and admin_password, or api_token (api_token_file or %s)", EnvAPIToken)
	}
	if len(c.RoomKey) < 16 {
		p.Add("room_key", "at least 16 characters are required (it defaults to the admin password or API token)")
	}
	if !groupNameOK(c.Prefix + "x") {
		p.Add("prefix", "%q: letters, digits, '-' and '_' only", c.Prefix)
	}
	for _, d := range []struct {
		key      string
		v, limit time.Duration
	}{{"early", c.Early.Duration, 24 * time.Hour}, {"late", c.Late.Duration, 24 * time.Hour}, {"timeout", c.Timeout.Duration, 5 * time.Minute}} {
		if d.v < 0 || d.v > d.limit {
			p.Add(d.key, "%s is not between 0 and %s", d.v, d.limit)
		}
	}
	return p.Err()
}

// groupNameOK allows the characters roomgate's group names use: they
// sit in a URL path and in a file name under Galène's groups/.
func groupNameOK(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return s != "" && len(s) <= 64
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
