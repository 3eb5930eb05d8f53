package bbb

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/meetings/internal/vtool"
	"codeberg.org/opteos/roomgate/meetings/room"
)

// ProviderName is Room.Provider for this package's rooms.
const ProviderName = "bbb"

// maxUnjoined caps meetingExpireIfNoUserJoinedInMinutes for a booking
// far ahead.
const maxUnjoined = 120 * 24 * time.Hour

// Provider opens BigBlueButton rooms. It is safe for concurrent use.
type Provider struct {
	c      *Client
	cfg    Config
	secret []byte
	now    func() time.Time
}

// Deps are what New takes beside the configuration; all are optional.
type Deps struct {
	HTTPClient *http.Client
	// Now is the clock (time.Now by default).
	Now func() time.Time
}

// New returns a Provider for c, after defaults and validation. c's
// secret must have been read (Config.ReadSecrets).
func New(c Config, d Deps) (*Provider, error) {
	c.SetDefaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	cl, err := NewClient(Options{URL: c.URL, Secret: c.Secret, Checksum: Algorithm(c.Checksum),
		HTTPClient: d.HTTPClient, Timeout: c.Timeout.Duration})
	if err != nil {
		return nil, err
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Provider{c: cl, cfg: c, secret: []byte(c.Secret.Reveal()), now: d.Now}, nil
}

// Client is the provider's API client, for calls beyond the provider's.
func (p *Provider) Client() *Client { return p.c }

// Open creates the meeting of s (or finds it: the same Spec gives the
// same meeting and links) and returns the booker's and the guests' join
// URLs.
func (p *Provider) Open(ctx context.Context, s room.Spec) (room.Room, error) {
	id, apw, mpw, _, err := p.create(ctx, s)
	if err != nil {
		return room.Room{}, err
	}
	host := p.c.JoinURL(JoinParams{MeetingID: id, FullName: hostName(s.Host), Role: Moderator, Password: mpw})
	guest := p.c.JoinURL(JoinParams{MeetingID: id, FullName: p.cfg.GuestName, Role: Viewer, Password: apw})
	return room.Room{Provider: ProviderName, ID: id, JoinURL: guest, HostURL: host,
		ValidFrom: s.Start.Add(-p.cfg.Early.Duration), ValidUntil: s.End.Add(p.cfg.Late.Duration)}, nil
}

// create creates the meeting of s, or finds it ("The create call is
// idempotent"), and returns its ID, passwords and session.
func (p *Provider) create(ctx context.Context, s room.Spec) (id, apw, mpw string, m Meeting, err error) {
	if err := checkSpec(s); err != nil {
		return "", "", "", Meeting{}, err
	}
	until := s.End.Add(p.cfg.Late.Duration)
	id = p.RoomID(s.Key)
	apw, mpw = p.derive("attendee", s.Key, 20), p.derive("moderator", s.Key, 20)
	m, err = p.c.Create(ctx, CreateParams{MeetingID: id, Name: meetingName(s.Title),
		AttendeePW: apw, ModeratorPW: mpw, Record: p.cfg.Record,
		ExpireIfNoUserJoined:   min(max(until.Sub(p.now()), 5*time.Minute), maxUnjoined),
		ExpireWhenLastUserLeft: p.cfg.Linger.Duration,
		Meta:                   map[string]string{"bbb-origin": "roomgate"}})
	return id, apw, mpw, m, err
}

// RoomID is the meeting ID of booking key, with no call.
func (p *Provider) RoomID(key string) string { return p.derive("meeting", key, 32) }

// AsksName is true: a join URL names its user, so a guest's door asks
// for the name.
func (p *Provider) AsksName() bool { return true }

// Enter creates the meeting of s, or finds it, and returns a join URL
// for this session of it (createTime): the booker's as moderator under
// their name, or a guest's as viewer under name (GuestName when "").
// It is what a roomgate door calls when clicked.
func (p *Provider) Enter(ctx context.Context, s room.Spec, host bool, name string) (string, error) {
	id, apw, mpw, m, err := p.create(ctx, s)
	if err != nil {
		return "", err
	}
	j := JoinParams{MeetingID: id, FullName: hostName(s.Host), Role: Moderator, Password: mpw, CreateTime: m.CreateTime}
	if !host {
		j.FullName, j.Role, j.Password = vtool.Title(name, 64), Viewer, apw
		if len([]rune(j.FullName)) < 2 {
			j.FullName = p.cfg.GuestName
		}
	}
	return p.c.JoinURL(j), nil
}

// derive is an identifier of the booking key for purpose, an HMAC keyed
// with the shared secret: "rg-" and n base32 characters.
func (p *Provider) derive(purpose, key string, n int) string {
	return "rg-" + vtool.RoomID(p.secret, "roomgate bbb "+purpose, key, n)
}

// Probe makes one call that proves the server answers the API and
// accepts the shared secret: isMeetingRunning of a meeting that does not
// exist (a wrong secret answers checksumError).
func (p *Provider) Probe(ctx context.Context) error {
	_, err := p.c.IsMeetingRunning(ctx, p.derive("meeting", "roomgate check", 32))
	return err
}

// Close ends the meeting; a meeting already gone is not an error.
func (p *Provider) Close(ctx context.Context, id string) error {
	if err := p.c.End(ctx, id); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	return nil
}

// Live reports whether someone is in the meeting.
func (p *Provider) Live(ctx context.Context, id string) (bool, error) {
	return p.c.IsMeetingRunning(ctx, id)
}

func checkSpec(s room.Spec) error {
	switch {
	case strings.TrimSpace(s.Key) == "":
		return errors.New("bbb: open: empty booking key")
	case !s.End.After(s.Start):
		return fmt.Errorf("bbb: open: end %s is not after start %s", s.End.Format(time.RFC3339), s.Start.Format(time.RFC3339))
	}
	return nil
}

// meetingName is the title cut to create's 64 characters; a title too
// short for the 2-character minimum gets a neutral name.
func meetingName(title string) string {
	if n := vtool.Title(title, 64); len([]rune(n)) >= 2 {
		return n
	}
	return "Réunion / Meeting"
}

// hostName is the booker's name for join's fullName, else their address.
func hostName(h room.Person) string {
	if n := vtool.Title(h.Name, 64); n != "" {
		return n
	}
	if e := vtool.Title(h.Email, 64); e != "" {
		return e
	}
	return "Organisateur·rice / Host"
}
