package door_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/meetings/bbb"
	"codeberg.org/opteos/roomgate/meetings/bbb/bbbtest"
	"codeberg.org/opteos/roomgate/meetings/door"
	"codeberg.org/opteos/roomgate/meetings/galene"
	"codeberg.org/opteos/roomgate/meetings/galene/galenetest"
	"codeberg.org/opteos/roomgate/meetings/room"
)

const (
	bbbSecret = "bbb-shared-secret-0123456789abcdef"
	public    = "https://salles.coop.example"
	key       = "0123456789abcdef01234567"
)

var spec = room.Spec{Key: key, Title: "Conseil", Start: time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC),
	End: time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC), Host: room.Person{Name: "Bob", Email: "bob@coop.example"}, Lang: "fr"}

func newBBB(t *testing.T) (*door.Door, *bbbtest.Server) {
	t.Helper()
	srv := bbbtest.New(bbbtest.Options{Secret: bbbSecret})
	t.Cleanup(srv.Close)
	p, err := bbb.New(bbb.Config{URL: srv.APIURL(), Secret: bbb.Secret(bbbSecret)}, bbb.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := door.New(door.Config{Name: "bbb", PublicURL: public + "/", Key: door.LinkKey(bbbSecret)}, p)
	if err != nil {
		t.Fatal(err)
	}
	return d, srv
}

// token is the last path segment of a door's link.
func token(t *testing.T, d *door.Door, link string) string {
	t.Helper()
	tok, ok := strings.CutPrefix(link, public+"/door/"+d.Name()+"/")
	if !ok {
		t.Fatalf("door %q is not under %s/door/%s/", link, public, d.Name())
	}
	return tok
}

// TestOpenCheck: Open signs two doors with no call; each reads back as
// its booking, slot and role; a changed field, another tool's key or
// another tool's name is refused.
func TestOpenCheck(t *testing.T) {
	d, srv := newBBB(t)
	r, err := d.Open(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if len(srv.Joins())+srv.Calls("create") != 0 {
		t.Errorf("Open called the server")
	}
	if again, _ := d.Open(context.Background(), spec); again != r {
		t.Errorf("a second Open gives other links: %+v, %+v", again, r)
	}
	if !r.ValidFrom.Equal(spec.Start.Add(-door.DefaultEarly)) || !r.ValidUntil.Equal(spec.End) || r.ID != d.RoomID(key) {
		t.Errorf("room %+v", r)
	}
	for _, c := range []struct {
		link string
		host bool
	}{{r.HostURL, true}, {r.JoinURL, false}} {
		tk, err := d.Check(token(t, d, c.link))
		if err != nil || tk.Key != key || !tk.Start.Equal(spec.Start) || !tk.End.Equal(spec.End) || tk.Host != c.host {
			t.Errorf("Check(%s) = %+v, %v", c.link, tk, err)
		}
	}
	g := token(t, d, r.JoinURL)
	other, _ := door.New(door.Config{Name: "bbb", PublicURL: public, Key: door.LinkKey("another secret, 32 characters..")}, fakeProvider{})
	named, _ := door.New(door.Config{Name: "galene", PublicURL: public, Key: door.LinkKey(bbbSecret)}, fakeProvider{})
	for name, c := range map[string]struct {
		d   *door.Door
		tok string
	}{
		"role":        {d, strings.Replace(g, ".g.", ".h.", 1)},
		"key":         {d, "1" + g[1:]},
		"start":       {d, strings.Replace(g, ".1773", ".1774", 1)},
		"mac":         {d, flipMAC(g)},
		"short":       {d, "abc"},
		"long":        {d, strings.Repeat("a", 300)},
		"other key":   {other, g},
		"other tool":  {named, g},
		"empty field": {d, strings.Replace(g, ".g.", "..", 1)},
	} {
		if _, err := c.d.Check(c.tok); !errors.Is(err, door.ErrInvalid) {
			t.Errorf("%s: Check(%q) = %v, want ErrInvalid", name, c.tok, err)
		}
	}
}

// TestEnterBBB: the booker's door creates the meeting and gives a join
// URL as moderator; a guest's joins the same meeting as viewer under the
// cleaned name; both are accepted by the server (checksum and createTime).
func TestEnterBBB(t *testing.T) {
	d, srv := newBBB(t)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, c := range []struct {
		host bool
		name string
	}{{true, ""}, {false, " Chloé\u200b\tMartin\n"}, {false, "x"}} {
		u, err := d.Enter(context.Background(), spec, c.host, c.name)
		if err != nil {
			t.Fatal(err)
		}
		res, err := noFollow.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusFound {
			t.Errorf("join refused: %d", res.StatusCode)
		}
	}
	j := srv.Joins()
	if len(j) != 3 || j[0].Role != "MODERATOR" || j[0].FullName != "Bob" || j[1].Role != "VIEWER" || j[1].FullName != "Chloé Martin" ||
		j[2].FullName != bbb.DefaultGuestName || j[0].MeetingID != d.RoomID(key) || j[1].MeetingID != j[0].MeetingID {
		t.Errorf("joins %+v", j)
	}
	if name, _, ok := srv.Meeting(d.RoomID(key)); !ok || name != "Conseil" {
		t.Errorf("meeting %q %v", name, ok)
	}
	srv.FailNext("create", "internalError", "down")
	if _, err := d.Enter(context.Background(), spec, true, ""); err == nil || strings.Contains(err.Error(), "checksum=") {
		t.Errorf("a failing create: %v", err)
	}
}

// TestEnterGalene: a door creates the group and its tokens once and
// gives the booker's (op) and the guests' links.
func TestEnterGalene(t *testing.T) {
	srv := galenetest.New(galenetest.Options{User: "admin", Password: "admin-password-0123456789"})
	defer srv.Close()
	p, err := galene.New(galene.Config{URL: srv.URL, AdminUser: "admin", AdminPassword: "admin-password-0123456789"}, galene.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := door.New(door.Config{Name: "galene", PublicURL: public, Key: door.LinkKey("admin-password-0123456789")}, p)
	if err != nil {
		t.Fatal(err)
	}
	if d.AsksName() {
		t.Errorf("Galène asks names itself")
	}
	host, err := d.Enter(context.Background(), spec, true, "")
	if err != nil {
		t.Fatal(err)
	}
	guest, err := d.Enter(context.Background(), spec, false, "ignored")
	if err != nil {
		t.Fatal(err)
	}
	name := d.RoomID(key)
	if _, ok := srv.Group(name); !ok {
		t.Fatalf("group %s not created", name)
	}
	toks := srv.Tokens(name)
	if len(toks) != 2 || host == guest || !strings.HasPrefix(host, srv.URL+"/group/"+name+"/?token=") {
		t.Errorf("tokens %d, links %s %s", len(toks), host, guest)
	}
}

func TestCleanName(t *testing.T) {
	for in, want := range map[string]string{
		"  Chloé   Martin ":          "Chloé Martin",
		"a\x00b\u202ec":              "abc",
		"\t\n":                       "",
		strings.Repeat("é", 100):     strings.Repeat("é", 64),
		"Anne-Marie d'Arc\r\nX-Evil": "Anne-Marie d'Arc X-Evil",
	} {
		if got := door.CleanName(in); got != want {
			t.Errorf("CleanName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNew(t *testing.T) {
	for name, c := range map[string]door.Config{
		"name":  {Name: "B B", PublicURL: public, Key: make([]byte, 16)},
		"key":   {Name: "bbb", PublicURL: public, Key: make([]byte, 8)},
		"url":   {Name: "bbb", PublicURL: "salles.coop.example", Key: make([]byte, 16)},
		"early": {Name: "bbb", PublicURL: public, Key: make([]byte, 16), Early: -time.Minute},
	} {
		if _, err := door.New(c, fakeProvider{}); err == nil {
			t.Errorf("%s: New accepted %+v", name, c)
		}
	}
}

// fakeProvider is a provider that is never entered.
type fakeProvider struct{}

func (fakeProvider) RoomID(key string) string { return "room-" + key }
func (fakeProvider) AsksName() bool           { return false }
func (fakeProvider) Enter(context.Context, room.Spec, bool, string) (string, error) {
	return "", errors.New("not entered")
}

// flipMAC changes the first character of a token's MAC.
func flipMAC(tok string) string {
	i := strings.LastIndexByte(tok, '.') + 1
	c := byte('A')
	if tok[i] == 'A' {
		c = 'B'
	}
	return tok[:i] + string(c) + tok[i+1:]
}
