// Package door offers a video tool whose rooms need a server call
// (BigBlueButton's create, Galène's group and tokens) as a free tool whose
// links need none: a booking's links are "doors", signed addresses on
// roomgate's own web server. Opening a room (Door.Open) only signs two
// doors, the booker's and the guests', so a decision can hold a room
// inside its transaction; a click on a door, within the booking's window,
// makes the tool's call (Provider.Enter, idempotent on the tool's side)
// and redirects to the tool's own link.
//
// A door is
//
//	PUBLIC/door/TOOL/KEY.START.END.ROLE.MAC
//
// KEY: the booking's key (room.Spec.Key: hex digits, nothing of it can be
// read back); START and END: the slot, Unix seconds; ROLE: "h" for the
// booker (moderator), "g" for guests; MAC: base64url (no padding) of the
// first 16 bytes of HMAC-SHA256, under Config.Key, of macLabel, the tool's
// name and the first four fields. The key is derived from the tool's own
// secret (as Zoom start links are from the app's client secret), so that
// it needs no configuration and changing the secret voids the doors mailed
// before.
package door

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"codeberg.org/opteos/roomgate/meetings/room"
)

// Provider is a tool whose room is made by a server call, at the door.
type Provider interface {
	// RoomID is the tool's identifier of the room of booking key, with no
	// call: the same key gives the same room.
	RoomID(key string) string
	// Enter makes the room of s exist on the tool's server (idempotent)
	// and returns the tool's link for the booker (host) or a guest; name
	// is the guest's name ("" when the tool asks it itself).
	Enter(ctx context.Context, s room.Spec, host bool, name string) (string, error)
	// AsksName is true when the tool needs the guest's name in its link
	// (BigBlueButton's join); the door then asks it.
	AsksName() bool
}

// Config configures a Door. All fields are required but Early.
type Config struct {
	// Name is the tool's name in bookings and door paths ("bbb").
	Name string
	// PublicURL is the web server's address as members reach it.
	PublicURL string
	// Key signs the doors: at least 16 bytes (LinkKey derives one).
	Key []byte
	// Early is how long before the start a door opens (DefaultEarly); a
	// door closes at the booking's end.
	Early time.Duration
}

// DefaultEarly is Config.Early's default.
const DefaultEarly = 15 * time.Minute

// macLabel separates the doors' MACs from any other use of the key.
const macLabel = "roomgate door v1\n"

// LinkKey derives the key that signs a tool's doors from its secret.
func LinkKey(secret string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("roomgate door links v1"))
	return m.Sum(nil)
}

// Door is one tool behind doors; it implements the gateway's FreeTool
// (through cmd/roomgate's adapter) with Open. It is safe for concurrent
// use.
type Door struct {
	cfg Config
	p   Provider
}

// New checks c and returns the Door of p.
func New(c Config, p Provider) (*Door, error) {
	if c.Early == 0 {
		c.Early = DefaultEarly
	}
	switch {
	case c.Name == "" || strings.Trim(c.Name, "abcdefghijklmnopqrstuvwxyz0123456789") != "":
		return nil, fmt.Errorf("door: tool name %q: lower-case letters and digits only", c.Name)
	case len(c.Key) < 16:
		return nil, errors.New("door: the signing key is shorter than 16 bytes")
	case c.Early < 0 || c.Early > 24*time.Hour:
		return nil, fmt.Errorf("door: early %s is not between 0 and 24h", c.Early)
	case p == nil:
		return nil, errors.New("door: no provider")
	}
	u, err := url.Parse(c.PublicURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("door: public URL %q is not an http(s) address", c.PublicURL)
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	return &Door{cfg: c, p: p}, nil
}

// Name is the tool's name.
func (d *Door) Name() string { return d.cfg.Name }

// AsksName is the provider's AsksName.
func (d *Door) AsksName() bool { return d.p.AsksName() }

// Open signs the two doors of booking s, with no call: the same spec gives
// the same links. ValidFrom and ValidUntil are the doors' window.
func (d *Door) Open(_ context.Context, s room.Spec) (room.Room, error) {
	if !keyOK(s.Key) {
		return room.Room{}, fmt.Errorf("door: open: booking key %q is not 8 to 64 hex digits", s.Key)
	}
	if !s.End.After(s.Start) {
		return room.Room{}, errors.New("door: open: the end is not after the start")
	}
	t := Ticket{Key: s.Key, Start: s.Start.Truncate(time.Second), End: s.End.Truncate(time.Second)}
	g := t
	t.Host = true
	return room.Room{Provider: d.cfg.Name, ID: d.p.RoomID(s.Key), HostURL: d.Link(t), JoinURL: d.Link(g),
		ValidFrom: t.Start.Add(-d.cfg.Early), ValidUntil: t.End}, nil
}

// Ticket is what a door says: the booking's key and slot, and whose door
// it is.
type Ticket struct {
	Key        string
	Start, End time.Time
	// Host is the booker's door (moderator); false: the guests'.
	Host bool
}

// Link is the address of the door t.
func (d *Door) Link(t Ticket) string {
	return d.cfg.PublicURL + "/door/" + d.cfg.Name + "/" + d.token(t)
}

func (d *Door) token(t Ticket) string {
	role := "g"
	if t.Host {
		role = "h"
	}
	payload := t.Key + "." + strconv.FormatInt(t.Start.Unix(), 10) + "." + strconv.FormatInt(t.End.Unix(), 10) + "." + role
	return payload + "." + d.mac(payload)
}

func (d *Door) mac(payload string) string {
	m := hmac.New(sha256.New, d.cfg.Key)
	m.Write([]byte(macLabel + d.cfg.Name + "\n" + payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// ErrInvalid is Check's error for a malformed or forged door.
var ErrInvalid = errors.New("door: not a valid door")

// maxToken bounds what is read of a token.
const maxToken = 200

// Check verifies a door's token (the path's last segment) and returns
// what it says.
func (d *Door) Check(token string) (Ticket, error) {
	if len(token) > maxToken {
		return Ticket{}, ErrInvalid
	}
	f := strings.Split(token, ".")
	if len(f) != 5 || !keyOK(f[0]) || (f[3] != "h" && f[3] != "g") {
		return Ticket{}, ErrInvalid
	}
	want := d.mac(strings.Join(f[:4], "."))
	if !hmac.Equal([]byte(f[4]), []byte(want)) {
		return Ticket{}, ErrInvalid
	}
	s, err1 := strconv.ParseInt(f[1], 10, 64)
	e, err2 := strconv.ParseInt(f[2], 10, 64)
	if err1 != nil || err2 != nil || e <= s {
		return Ticket{}, ErrInvalid
	}
	return Ticket{Key: f[0], Start: time.Unix(s, 0).UTC(), End: time.Unix(e, 0).UTC(), Host: f[3] == "h"}, nil
}

// Window is when the door t opens and closes: from Early before the start
// to the end.
func (d *Door) Window(t Ticket) (from, until time.Time) {
	return t.Start.Add(-d.cfg.Early), t.End
}

// RoomID is the tool's identifier of the room of booking key.
func (d *Door) RoomID(key string) string { return d.p.RoomID(key) }

// Enter makes the room of s exist on the tool and returns the link to
// redirect to. The caller has checked the door, its window and the
// booking; name is the guest's name (cleaned here).
func (d *Door) Enter(ctx context.Context, s room.Spec, host bool, name string) (string, error) {
	return d.p.Enter(ctx, s, host, CleanName(name))
}

// maxName is the longest guest name kept, in characters.
const maxName = 64

// CleanName is a guest's name as typed, with control and format
// characters dropped, spaces folded and cut to 64 characters; "" when
// nothing is left.
func CleanName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == unicode.ReplacementChar:
		default:
			b.WriteRune(r)
		}
	}
	r := []rune(strings.Join(strings.Fields(b.String()), " "))
	if len(r) > maxName {
		r = r[:maxName]
	}
	return strings.TrimSpace(string(r))
}

// keyOK accepts a booking key: 8 to 64 lower-case hex digits.
func keyOK(k string) bool {
	return len(k) >= 8 && len(k) <= 64 && strings.Trim(k, "0123456789abcdef") == ""
}
