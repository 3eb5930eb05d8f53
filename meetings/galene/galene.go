package galene

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/meetings/internal/vtool"
	"codeberg.org/opteos/roomgate/meetings/room"
)

// ProviderName is Room.Provider for this package's rooms.
const ProviderName = "galene"

// Permissions of the two tokens (galene.md, "Group description
// reference": op is a group operator; present publishes audio, video and
// chat; message sends chat messages).
var (
	hostPermissions  = []string{"op", "present", "message"}
	guestPermissions = []string{"present", "message"}
)

// Provider opens Galène rooms. It is safe for concurrent use.
type Provider struct {
	a    *api
	site *url.URL
	cfg  Config
}

// Deps are what New takes beside the configuration; all are optional.
type Deps struct{ HTTPClient *http.Client }

// New returns a Provider for c, after defaults and validation. c's
// secrets must have been read (Config.ReadSecrets).
func New(c Config, d Deps) (*Provider, error) {
	c.SetDefaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	site, _ := url.Parse(c.URL)
	site.Path = ""
	hc := d.HTTPClient
	if hc == nil {
		hc = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	auth := func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+c.APIToken.Reveal()) }
	if c.AdminUser != "" {
		auth = func(r *http.Request) { r.SetBasicAuth(c.AdminUser, c.AdminPassword.Reveal()) }
	}
	a := &api{base: site.JoinPath("galene-api", "v0"), auth: auth, hc: hc, timeout: c.Timeout.Duration}
	return &Provider{a: a, site: site, cfg: c}, nil
}

// group is the part of a group definition roomgate writes.
type group struct {
	DisplayName string     `json:"displayName,omitempty"`
	NotBefore   *time.Time `json:"not-before,omitempty"`
	Expires     *time.Time `json:"expires,omitempty"`
}

// stateful is a stateful token as the API carries it (token/stateful.go).
type stateful struct {
	Username    *string    `json:"username,omitempty"`
	Permissions []string   `json:"permissions"`
	Expires     *time.Time `json:"expires"`
	NotBefore   *time.Time `json:"not-before,omitempty"`
	IssuedBy    *string    `json:"issuedBy,omitempty"`
}

// Open creates the group of s and its two tokens, or finds them: the
// same Spec gives the same group and links.
func (p *Provider) Open(ctx context.Context, s room.Spec) (room.Room, error) {
	if err := checkSpec(s); err != nil {
		return room.Room{}, err
	}
	name := p.RoomID(s.Key)
	from, until := s.Start.Add(-p.cfg.Early.Duration).UTC(), s.End.Add(p.cfg.Late.Duration).UTC()
	g := group{DisplayName: vtool.Title(s.Title, 100), NotBefore: &from, Expires: &until}
	_, err := p.a.do(ctx, "create group", http.MethodPut, ".groups/"+name+"/", http.Header{"If-None-Match": {"*"}}, g)
	if err != nil && !errors.Is(err, ErrPrecondition) {
		return room.Room{}, err
	}
	host, guest, err := p.tokens(ctx, name, from, until, hostName(s.Host))
	if err != nil {
		return room.Room{}, err
	}
	return room.Room{Provider: ProviderName, ID: name, HostURL: p.link(name, host), JoinURL: p.link(name, guest),
		ValidFrom: from, ValidUntil: until}, nil
}

// RoomID is the group name of booking key, with no call.
func (p *Provider) RoomID(key string) string {
	return p.cfg.Prefix + vtool.RoomID([]byte(p.cfg.RoomKey.Reveal()), "roomgate galene group", key, 26)
}

// AsksName is false: Galène asks each guest for a name itself.
func (p *Provider) AsksName() bool { return false }

// Enter creates the group of s and its tokens, or finds them, and
// returns the booker's link (operator) or the guests'. name is not used:
// the guests' token carries no user name and Galène asks for one. It is
// what a roomgate door calls when clicked.
func (p *Provider) Enter(ctx context.Context, s room.Spec, host bool, _ string) (string, error) {
	r, err := p.Open(ctx, s)
	if err != nil {
		return "", err
	}
	if host {
		return r.HostURL, nil
	}
	return r.JoinURL, nil
}

// tokens finds the group's host and guest tokens, creating the missing
// ones, so that a second Open (or one after a crash between two calls)
// neither duplicates nor loses a token.
func (p *Provider) tokens(ctx context.Context, name string, from, until time.Time, host string) (string, string, error) {
	var hostTok, guestTok string
	names, err := p.tokenNames(ctx, name)
	if err != nil {
		return "", "", err
	}
	for _, n := range names {
		var t stateful
		if err := p.a.getJSON(ctx, "read token", ".groups/"+name+"/.tokens/"+n, &t); err != nil {
			return "", "", err
		}
		if slices.Contains(t.Permissions, "op") {
			hostTok = n
		} else {
			guestTok = n
		}
	}
	issuer := "roomgate"
	if hostTok == "" {
		t := stateful{Username: &host, Permissions: hostPermissions, NotBefore: &from, Expires: &until, IssuedBy: &issuer}
		if hostTok, err = p.createToken(ctx, name, t); err != nil {
			return "", "", err
		}
	}
	if guestTok == "" {
		t := stateful{Permissions: guestPermissions, NotBefore: &from, Expires: &until, IssuedBy: &issuer}
		if guestTok, err = p.createToken(ctx, name, t); err != nil {
			return "", "", err
		}
	}
	return hostTok, guestTok, nil
}

func (p *Provider) tokenNames(ctx context.Context, name string) ([]string, error) {
	var names []string
	if err := p.a.getJSON(ctx, "list tokens", ".groups/"+name+"/.tokens/", &names); err != nil {
		return nil, err
	}
	for _, n := range names {
		if !tokenNameOK(n) {
			return nil, fmt.Errorf("%w: list tokens: unexpected token name", ErrUnavailable)
		}
	}
	return names, nil
}

// createToken POSTs t and returns the new token's name, which Galène
// gives in the Location header.
func (p *Provider) createToken(ctx context.Context, name string, t stateful) (string, error) {
	ans, err := p.a.do(ctx, "create token", http.MethodPost, ".groups/"+name+"/.tokens/", nil, t)
	if err != nil {
		return "", err
	}
	n := path.Base(ans.header.Get("Location"))
	if ans.status != http.StatusCreated || !tokenNameOK(n) {
		return "", fmt.Errorf("%w: create token: HTTP %d without a token name", ErrUnavailable, ans.status)
	}
	return n, nil
}

// tokenNameOK accepts a name Galène makes (base64url) and refuses
// anything that would change the path it is put in.
func tokenNameOK(n string) bool {
	return n != "" && len(n) <= 128 && strings.Trim(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == ""
}

// link is https://HOST/group/NAME/?token=TOKEN (galene.md, "Inviting
// users").
func (p *Provider) link(name, tok string) string {
	u := p.site.JoinPath("group", name+"/")
	u.RawQuery = url.Values{"token": {tok}}.Encode()
	return u.String()
}

// Probe makes one call that proves the server answers the API and
// accepts the administrator: it reads a group that does not exist (404),
// where a refused administrator gets 401.
func (p *Provider) Probe(ctx context.Context) error {
	_, err := p.a.do(ctx, "probe", http.MethodGet, ".groups/"+p.cfg.Prefix+"check/", nil, nil)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// Close deletes the group's tokens, then the group; a group already gone
// is not an error.
func (p *Provider) Close(ctx context.Context, id string) error {
	if !groupNameOK(id) || !strings.HasPrefix(id, p.cfg.Prefix) {
		return fmt.Errorf("galene: close: %q is not a group of roomgate's", id)
	}
	names, err := p.tokenNames(ctx, id)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	for _, n := range names {
		if _, err := p.a.do(ctx, "delete token", http.MethodDelete, ".groups/"+id+"/.tokens/"+n, nil, nil); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	if _, err := p.a.do(ctx, "delete group", http.MethodDelete, ".groups/"+id+"/", nil, nil); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	return nil
}

func checkSpec(s room.Spec) error {
	switch {
	case strings.TrimSpace(s.Key) == "":
		return errors.New("galene: open: empty booking key")
	case !s.End.After(s.Start):
		return fmt.Errorf("galene: open: end %s is not after start %s", s.End.Format(time.RFC3339), s.Start.Format(time.RFC3339))
	}
	return nil
}

// hostName is the booker's Galène user name: their name, else their
// address.
func hostName(h room.Person) string {
	if n := vtool.Title(h.Name, 64); n != "" {
		return n
	}
	if e := vtool.Title(h.Email, 64); e != "" {
		return e
	}
	return "host"
}
