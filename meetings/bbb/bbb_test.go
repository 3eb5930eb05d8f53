package bbb_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/meetings/bbb"
	"codeberg.org/opteos/roomgate/meetings/bbb/bbbtest"
	"codeberg.org/opteos/roomgate/meetings/internal/vtool"
	"codeberg.org/opteos/roomgate/meetings/room"
)

const secret = "8cd8ef52e8e101574e400365b55e11a6"

var (
	now   = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	start = time.Date(2026, 12, 8, 14, 0, 0, 0, time.UTC)
	spec  = room.Spec{Key: "alice@coop.example/uid-1/", Title: "Assemblée générale & budget", Start: start,
		End: start.Add(90 * time.Minute), Host: room.Person{Name: "Alice Martin", Email: "alice@coop.example"}, Lang: "fr"}
)

func newFake(t *testing.T, o bbbtest.Options) *bbbtest.Server {
	t.Helper()
	if o.Secret == "" {
		o.Secret = secret
	}
	s := bbbtest.New(o)
	t.Cleanup(s.Close)
	return s
}

func newProvider(t *testing.T, apiURL string, mod func(*bbb.Config)) *bbb.Provider {
	t.Helper()
	c := bbb.Config{URL: apiURL, Secret: secret}
	if mod != nil {
		mod(&c)
	}
	p, err := bbb.New(c, bbb.Deps{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func ctx(t *testing.T) context.Context { return t.Context() }

// follow opens a join URL as a browser would, without following the
// redirect to the client.
func follow(t *testing.T, link string) *http.Response {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

func TestChecksumOfTheReferenceExample(t *testing.T) {
	// "API Security Model", steps 1–4.
	got := bbb.Checksum(bbb.SHA1, "create", "name=Test+Meeting&meetingID=abc123&attendeePW=111222&moderatorPW=333444",
		[]byte("639259d4-9dd8-4b25-bf01-95f9567eaf4b"))
	if want := "1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17"; got != want {
		t.Fatalf("checksum %s, want %s", got, want)
	}
}

func TestOpenCreatesAndLinksJoinWithTheirRoles(t *testing.T) {
	s := newFake(t, bbbtest.Options{})
	p := newProvider(t, s.APIURL(), nil)
	r, err := p.Open(ctx(t), spec)
	if err != nil {
		t.Fatal(err)
	}
	name, _, ok := s.Meeting(r.ID)
	if !ok || name != "Assemblée générale & budget" || r.Provider != "bbb" {
		t.Fatalf("meeting %q exists=%v name %q", r.ID, ok, name)
	}
	for _, c := range []struct{ link, role, name string }{
		{r.HostURL, "MODERATOR", "Alice Martin"}, {r.JoinURL, "VIEWER", bbb.DefaultGuestName}} {
		if res := follow(t, c.link); res.StatusCode != http.StatusFound {
			t.Fatalf("join %s: HTTP %d", c.role, res.StatusCode)
		}
		j := s.Joins()
		if got := j[len(j)-1]; got != (bbbtest.Join{MeetingID: r.ID, FullName: c.name, Role: c.role}) {
			t.Fatalf("joined %+v, want %s as %s", got, c.name, c.role)
		}
	}
	if !r.ValidFrom.Equal(start.Add(-bbb.DefaultEarly)) || !r.ValidUntil.Equal(spec.End.Add(bbb.DefaultLate)) {
		t.Fatalf("valid %s–%s", r.ValidFrom, r.ValidUntil)
	}
}

func TestOpenIsIdempotentAndRecreatesALostMeeting(t *testing.T) {
	s := newFake(t, bbbtest.Options{})
	p := newProvider(t, s.APIURL(), nil)
	a, err := p.Open(ctx(t), spec)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Open(ctx(t), spec)
	if err != nil || a != b {
		t.Fatalf("second open: %v\n%+v\n%+v", err, a, b)
	}
	s.Forget(a.ID) // a server restart
	if c, err := p.Open(ctx(t), spec); err != nil || c != a {
		t.Fatalf("after restart: %v %+v", err, c)
	}
	if res := follow(t, a.JoinURL); res.StatusCode != http.StatusFound {
		t.Fatalf("a link mailed before the restart: HTTP %d", res.StatusCode)
	}
	if n := s.Calls("create"); n != 3 {
		t.Fatalf("%d creates", n)
	}
}

func TestTamperedJoinURLIsRefused(t *testing.T) {
	s := newFake(t, bbbtest.Options{})
	r, err := newProvider(t, s.APIURL(), nil).Open(ctx(t), spec)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(r.JoinURL)
	q := u.Query()
	q.Set("role", "MODERATOR")
	cs := q.Get("checksum")
	q.Del("checksum")
	u.RawQuery = q.Encode() + "&checksum=" + cs
	follow(t, u.String())
	if len(s.Joins()) != 0 {
		t.Fatalf("a guest link turned moderator joined: %+v", s.Joins())
	}
}

func TestWrongSecretIsAChecksumError(t *testing.T) {
	s := newFake(t, bbbtest.Options{Secret: "another-secret-of-the-server"})
	_, err := newProvider(t, s.APIURL(), nil).Open(ctx(t), spec)
	var e *bbb.Error
	if !errors.Is(err, bbb.ErrChecksum) || !errors.As(err, &e) || e.Call != "create" {
		t.Fatalf("got %v", err)
	}
}

func TestEveryAlgorithmAndAServerThatNarrowsThem(t *testing.T) {
	for _, a := range []bbb.Algorithm{bbb.SHA1, bbb.SHA256, bbb.SHA384, bbb.SHA512} {
		t.Run(string(a), func(t *testing.T) {
			s := newFake(t, bbbtest.Options{Algorithms: []string{"sha512"}})
			p := newProvider(t, s.APIURL(), func(c *bbb.Config) { c.Checksum = string(a) })
			_, err := p.Open(ctx(t), spec)
			if ok := a == bbb.SHA512; (err == nil) != ok {
				t.Fatalf("open with %s on a sha512-only server: %v", a, err)
			}
			all := newFake(t, bbbtest.Options{})
			if _, err := newProvider(t, all.APIURL(), func(c *bbb.Config) { c.Checksum = string(a) }).Open(ctx(t), spec); err != nil {
				t.Fatalf("open with %s: %v", a, err)
			}
		})
	}
}

func TestXMLErrorIsTyped(t *testing.T) {
	s := newFake(t, bbbtest.Options{})
	s.FailNext("create", "idNotUnique", "A meeting already exists with that meeting ID.")
	_, err := newProvider(t, s.APIURL(), nil).Open(ctx(t), spec)
	var e *bbb.Error
	if !errors.Is(err, bbb.ErrIDNotUnique) || !errors.As(err, &e) || e.Message != "A meeting already exists with that meeting ID." {
		t.Fatalf("got %v", err)
	}
	if errors.Is(err, bbb.ErrChecksum) || errors.Is(err, bbb.ErrUnavailable) {
		t.Fatalf("%v matches another key", err)
	}
}

func TestServerDownIsUnavailableAndQuotesNoURL(t *testing.T) {
	s := newFake(t, bbbtest.Options{})
	p := newProvider(t, s.APIURL(), nil)
	s.Close()
	_, err := p.Open(ctx(t), spec)
	if !errors.Is(err, bbb.ErrUnavailable) || !strings.Contains(err.Error(), "create") {
		t.Fatalf("got %v", err)
	}
	if strings.Contains(err.Error(), "checksum") || strings.Contains(err.Error(), secret) {
		t.Fatalf("the error quotes the signed URL: %v", err)
	}
}

func TestCancelledCall(t *testing.T) {
	s := newFake(t, bbbtest.Options{})
	p := newProvider(t, s.APIURL(), nil)
	arrived, release := s.Stall()
	defer release()
	c, cancel := context.WithCancel(ctx(t))
	go func() { <-arrived; cancel() }()
	if _, err := p.Live(c, "rg-x"); !errors.Is(err, context.Canceled) || !errors.Is(err, bbb.ErrUnavailable) {
		t.Fatalf("got %v", err)
	}
}

func TestTimeoutBoundsACall(t *testing.T) {
	s := newFake(t, bbbtest.Options{})
	p := newProvider(t, s.APIURL(), func(c *bbb.Config) { c.Timeout.Duration = time.Millisecond })
	_, release := s.Stall()
	defer release()
	if _, err := p.Live(ctx(t), "rg-x"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
}

func TestAnswerSizeIsBounded(t *testing.T) {
	s := newFake(t, bbbtest.Options{})
	c, err := bbb.NewClient(bbb.Options{URL: s.APIURL(), Secret: secret, MaxAnswer: 1 << 10})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.IsMeetingRunning(ctx(t), "rg-x"); err != nil {
		t.Fatalf("small answer: %v", err)
	}
	s.Pad(2 << 10)
	if _, err := c.IsMeetingRunning(ctx(t), "rg-x"); !errors.Is(err, vtool.ErrTooLarge) || !errors.Is(err, bbb.ErrUnavailable) {
		t.Fatalf("got %v", err)
	}
}

func TestNotTheAPI(t *testing.T) {
	for name, h := range map[string]http.HandlerFunc{
		"HTML":     func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("<html>maintenance</html>")) },
		"HTTP 502": func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusBadGateway) },
		"redirect": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://elsewhere.example/", http.StatusFound)
		},
		"no code": func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte("<response><running>true</running></response>"))
		},
	} {
		t.Run(name, func(t *testing.T) {
			srv := newHTTP(t, h)
			p := newProvider(t, srv+"/bigbluebutton/api/", nil)
			if _, err := p.Live(ctx(t), "rg-x"); !errors.Is(err, bbb.ErrUnavailable) {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func TestLiveAndClose(t *testing.T) {
	s := newFake(t, bbbtest.Options{})
	p := newProvider(t, s.APIURL(), nil)
	r, err := p.Open(ctx(t), spec)
	if err != nil {
		t.Fatal(err)
	}
	live := func(want bool) {
		t.Helper()
		if got, err := p.Live(ctx(t), r.ID); err != nil || got != want {
			t.Fatalf("live %v, %v; want %v", got, err, want)
		}
	}
	live(false)
	follow(t, r.HostURL)
	live(true)
	if err := p.Close(ctx(t), r.ID); err != nil {
		t.Fatal(err)
	}
	live(false)
	if err := p.Close(ctx(t), r.ID); err != nil {
		t.Fatalf("closing a closed meeting: %v", err)
	}
}

func TestNoSecretInLinksAndIDsFromTheKey(t *testing.T) {
	s := newFake(t, bbbtest.Options{})
	p := newProvider(t, s.APIURL(), nil)
	r, err := p.Open(ctx(t), spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{r.HostURL, r.JoinURL, r.ID} {
		if strings.Contains(v, secret) {
			t.Fatalf("secret in %q", v)
		}
	}
	if strings.Contains(strings.ToLower(r.ID), "assembl") || !strings.HasPrefix(r.ID, "rg-") || len(r.ID) != 35 {
		t.Fatalf("meeting ID %q", r.ID)
	}
	other := spec
	other.Key = "bob@coop.example/uid-2/"
	if o, err := p.Open(ctx(t), other); err != nil || o.ID == r.ID {
		t.Fatalf("another key: %v %q", err, o.ID)
	}
}

func TestConfigProblemsNameTheirKeys(t *testing.T) {
	_, err := bbb.New(bbb.Config{URL: "http://bbb.coop.example/bigbluebutton/", Secret: "short", Checksum: "md5",
		GuestName: "x", Timeout: vtool.Duration{Duration: time.Hour}}, bbb.Deps{})
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"video.bbb.url", "video.bbb.secret", "video.bbb.checksum", "video.bbb.guest_name", "video.bbb.timeout"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q missing from %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "short") {
		t.Errorf("the secret is quoted: %v", err)
	}
}

func TestAPIURLFromBBBConf(t *testing.T) {
	for _, in := range []string{"https://bbb.coop.example/bigbluebutton/", "https://bbb.coop.example/bigbluebutton",
		"https://bbb.coop.example/bigbluebutton/api", "https://bbb.coop.example/bigbluebutton/api/"} {
		c, err := bbb.NewClient(bbb.Options{URL: in, Secret: secret})
		if err != nil {
			t.Fatal(err)
		}
		if got := c.URL("isMeetingRunning", url.Values{"meetingID": {"m"}}); !strings.HasPrefix(got, "https://bbb.coop.example/bigbluebutton/api/isMeetingRunning?meetingID=m&checksum=") {
			t.Fatalf("%s: %s", in, got)
		}
	}
}
