package jitsi

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/meetings/internal/vtool"
	"codeberg.org/opteos/roomgate/meetings/room"
)

// ProviderName is Room.Provider for this package's rooms.
const ProviderName = "jitsi"

// roomNameLen is the length of a room name: 26 base32 characters, 130
// bits of an HMAC of the booking key.
const roomNameLen = 26

// Provider opens Jitsi rooms. It is safe for concurrent use.
type Provider struct {
	base          *url.URL
	iss, aud, sub string
	secret        []byte
	guests        string
	early, late   time.Duration
}

// New returns a Provider for c, after defaults and validation. c's
// secret must have been read (Config.ReadSecrets).
func New(c Config) (*Provider, error) {
	c.SetDefaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	base, _ := url.Parse(c.BaseURL)
	base.Path = ""
	sub := c.Subject
	if sub == "" {
		sub = strings.ToLower(base.Hostname())
	}
	return &Provider{base: base, iss: c.Issuer, aud: c.Audience, sub: sub,
		secret: []byte(c.AppSecret.Reveal()), guests: c.Guests,
		early: c.Early.Duration, late: c.Late.Duration}, nil
}

// Open returns the room of s: its name derived from s.Key, the booker's
// link with a moderator token and the guests' link. It makes no call:
// the same Spec always gives the same Room.
func (p *Provider) Open(_ context.Context, s room.Spec) (room.Room, error) {
	if err := checkSpec(s); err != nil {
		return room.Room{}, err
	}
	name := vtool.RoomID(p.secret, "roomgate jitsi room", s.Key, roomNameLen)
	from, until := s.Start.Add(-p.early), s.End.Add(p.late)
	host, err := p.link(name, from, until, s.Host, true)
	if err != nil {
		return room.Room{}, err
	}
	guest := p.base.JoinPath(name).String()
	if p.guests == GuestsToken {
		if guest, err = p.link(name, from, until, room.Person{}, false); err != nil {
			return room.Room{}, err
		}
	}
	return room.Room{Provider: ProviderName, ID: name, JoinURL: guest, HostURL: host,
		ValidFrom: time.Unix(from.Unix(), 0), ValidUntil: time.Unix(until.Unix(), 0)}, nil
}

// checkSpec refuses a Spec no room can be opened for.
func checkSpec(s room.Spec) error {
	switch {
	case strings.TrimSpace(s.Key) == "":
		return errors.New("jitsi: open: empty booking key")
	case !s.End.After(s.Start):
		return fmt.Errorf("jitsi: open: end %s is not after start %s", s.End.Format(time.RFC3339), s.Start.Format(time.RFC3339))
	}
	return nil
}

// link returns https://HOST/ROOM?jwt=TOKEN (lib-jitsi-meet doc/tokens.md,
// "Jitsi-meet options") for who, moderator or not.
func (p *Provider) link(name string, from, until time.Time, who room.Person, moderator bool) (string, error) {
	c := claims{Iss: p.iss, Aud: p.aud, Sub: p.sub, Room: name,
		Nbf: from.Unix(), Exp: until.Unix(), Moderator: moderator}
	c.Context.User = jUser{Name: displayName(who), Email: who.Email,
		Moderator: "false", Affiliation: "member"}
	if moderator {
		c.Context.User.Moderator, c.Context.User.Affiliation = "true", "owner"
	}
	tok, err := signHS256(c, p.secret)
	if err != nil {
		return "", fmt.Errorf("jitsi: sign token: %w", err)
	}
	u := p.base.JoinPath(name)
	u.RawQuery = url.Values{"jwt": {tok}}.Encode()
	return u.String(), nil
}

// displayName is the name Jitsi shows: the person's, else their address;
// "" for guests, whom Jitsi then asks for a name.
func displayName(who room.Person) string {
	if n := vtool.Title(who.Name, 64); n != "" {
		return n
	}
	return who.Email
}
