package galene_test

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/meetings/galene"
	"codeberg.org/opteos/roomgate/meetings/galene/galenetest"
	"codeberg.org/opteos/roomgate/meetings/room"
)

const password = "admin-password-of-galene"

var (
	start = time.Date(2026, 12, 8, 14, 0, 0, 0, time.UTC)
	spec  = room.Spec{Key: "alice@coop.example/uid-1/", Title: "Conseil\r\nd'administration", Start: start,
		End: start.Add(time.Hour), Host: room.Person{Name: "Alice Martin", Email: "alice@coop.example"}}
)

func setup(t *testing.T, o galenetest.Options, mod func(*galene.Config)) (*galenetest.Server, *galene.Provider) {
	t.Helper()
	if o.User == "" && o.Token == "" {
		o.User, o.Password = "admin", password
	}
	s := galenetest.New(o)
	t.Cleanup(s.Close)
	c := galene.Config{URL: s.URL, AdminUser: "admin", AdminPassword: password}
	if mod != nil {
		mod(&c)
	}
	p, err := galene.New(c, galene.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	return s, p
}

// tokenOf returns the token a link carries, checking the link's form.
func tokenOf(t *testing.T, srv, name, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || srv+"/group/"+name+"/" != u.Scheme+"://"+u.Host+u.Path {
		t.Fatalf("link %q", link)
	}
	return u.Query().Get("token")
}

func TestOpenCreatesTheGroupAndTwoTokens(t *testing.T) {
	s, p := setup(t, galenetest.Options{}, nil)
	r, err := p.Open(t.Context(), spec)
	if err != nil {
		t.Fatal(err)
	}
	g, ok := s.Group(r.ID)
	from, until := start.Add(-galene.DefaultEarly), spec.End.Add(galene.DefaultLate)
	if !ok || g.DisplayName != "Conseil d'administration" || !g.NotBefore.Equal(from) || !g.Expires.Equal(until) {
		t.Fatalf("group %q: %v %+v", r.ID, ok, g)
	}
	host, guest := tokenOf(t, s.URL, r.ID, r.HostURL), tokenOf(t, s.URL, r.ID, r.JoinURL)
	toks := s.Tokens(r.ID)
	if len(toks) != 2 {
		t.Fatalf("%d tokens", len(toks))
	}
	for _, tk := range toks {
		switch tk.Token {
		case host:
			if !slices.Equal(tk.Permissions, []string{"op", "present", "message"}) || tk.Username == nil || *tk.Username != "Alice Martin" {
				t.Fatalf("host token %+v", tk)
			}
		case guest:
			if slices.Contains(tk.Permissions, "op") || tk.Username != nil {
				t.Fatalf("guest token %+v", tk)
			}
		default:
			t.Fatalf("token %q in no link", tk.Token)
		}
		if !tk.Expires.Equal(until) || !tk.NotBefore.Equal(from) {
			t.Fatalf("token validity %s–%s", tk.NotBefore, tk.Expires)
		}
	}
}

func TestOpenIsIdempotentAndCompletesAHalfOpenedRoom(t *testing.T) {
	s, p := setup(t, galenetest.Options{}, nil)
	a, err := p.Open(t.Context(), spec)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Open(t.Context(), spec)
	if err != nil || a != b || len(s.Tokens(a.ID)) != 2 {
		t.Fatalf("second open: %v, %d tokens\n%+v\n%+v", err, len(s.Tokens(a.ID)), a, b)
	}
	// The guests' token fails after the host's was made: the next Open
	// keeps the host's token and adds the guests'.
	other := spec
	other.Key = "bob@coop.example/uid-2/"
	name := groupOf(t, other)
	s.FailNth("POST /galene-api/v0/.groups/"+name+"/.tokens/", 2, http.StatusServiceUnavailable)
	if _, err := p.Open(t.Context(), other); !errors.Is(err, galene.ErrUnavailable) {
		t.Fatalf("half open: %v", err)
	}
	half := s.Tokens(name)
	c, err := p.Open(t.Context(), other)
	if err != nil || len(half) != 1 || len(s.Tokens(name)) != 2 || tokenOf(t, s.URL, name, c.HostURL) != half[0].Token {
		t.Fatalf("completed: %v, %d then %d tokens", err, len(half), len(s.Tokens(name)))
	}
}

// groupOf opens s on a scratch server to learn its group name.
func groupOf(t *testing.T, s room.Spec) string {
	t.Helper()
	_, q := setup(t, galenetest.Options{}, nil)
	r, err := q.Open(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	return r.ID
}

func TestGroupNameFromTheKeyNotTheTitle(t *testing.T) {
	_, p := setup(t, galenetest.Options{}, nil)
	a, _ := p.Open(t.Context(), spec)
	other := spec
	other.Title = "Autre"
	b, _ := p.Open(t.Context(), other)
	if a.ID != b.ID || !strings.HasPrefix(a.ID, "roomgate-") || len(a.ID) != len("roomgate-")+26 {
		t.Fatalf("%q %q", a.ID, b.ID)
	}
}

func TestBearerToken(t *testing.T) {
	_, p := setup(t, galenetest.Options{Token: "admin-token-of-galene-api"}, func(c *galene.Config) {
		c.AdminUser, c.AdminPassword, c.APIToken = "", "", "admin-token-of-galene-api"
	})
	if _, err := p.Open(t.Context(), spec); err != nil {
		t.Fatal(err)
	}
}

func TestWrongPasswordIsUnauthorized(t *testing.T) {
	_, p := setup(t, galenetest.Options{User: "admin", Password: "another-password"}, nil)
	_, err := p.Open(t.Context(), spec)
	var e *galene.Error
	if !errors.Is(err, galene.ErrUnauthorized) || !errors.As(err, &e) || e.Op != "create group" {
		t.Fatalf("got %v", err)
	}
}

func TestServerDownAndServerErrors(t *testing.T) {
	s, p := setup(t, galenetest.Options{}, nil)
	s.FailNth("PUT /galene-api/v0/.groups/"+groupOf(t, spec)+"/", 1, http.StatusInternalServerError)
	if _, err := p.Open(t.Context(), spec); !errors.Is(err, galene.ErrUnavailable) {
		t.Fatalf("HTTP 500: %v", err)
	}
	s.Close()
	_, err := p.Open(t.Context(), spec)
	if !errors.Is(err, galene.ErrUnavailable) || strings.Contains(err.Error(), password) {
		t.Fatalf("down: %v", err)
	}
}

func TestCloseDeletesTokensAndGroup(t *testing.T) {
	s, p := setup(t, galenetest.Options{}, nil)
	r, err := p.Open(t.Context(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Close(t.Context(), r.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Group(r.ID); ok || len(s.Tokens(r.ID)) != 0 {
		t.Fatalf("left: group %v, %d tokens", ok, len(s.Tokens(r.ID)))
	}
	if err := p.Close(t.Context(), r.ID); err != nil {
		t.Fatalf("closing twice: %v", err)
	}
	if err := p.Close(t.Context(), "../config"); err == nil {
		t.Fatal("closed a foreign name")
	}
}

func TestNoSecretInLinks(t *testing.T) {
	_, p := setup(t, galenetest.Options{}, nil)
	r, err := p.Open(t.Context(), spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{r.HostURL, r.JoinURL, r.ID} {
		if strings.Contains(v, password) {
			t.Fatalf("secret in %q", v)
		}
	}
}

func TestConfigProblemsNameTheirKeys(t *testing.T) {
	_, err := galene.New(galene.Config{URL: "http://galene.coop.example", AdminUser: "admin", Prefix: "a/b"}, galene.Deps{})
	for _, want := range []string{"video.galene.url", "video.galene.admin_password", "video.galene.prefix", "video.galene.room_key"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q missing from %v", want, err)
		}
	}
}
