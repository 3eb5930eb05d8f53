package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-message"

	"codeberg.org/opteos/roomgate/db/dbtest"
	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/meetings"
	"codeberg.org/opteos/roomgate/meetings/zoom"
	"codeberg.org/opteos/roomgate/web"
	"codeberg.org/opteos/roomgate/zoomapi"
	"codeberg.org/opteos/roomgate/zoomapi/zoomtest"
)

// Zoom API mode tested end to end in one process: the real gateway,
// database, templates and zoomapi client against zoomtest, on a clock the
// test moves. Nothing sleeps: each test runs the job runner, the watch
// and the outbox itself, when it wants them to run.

// fakeClock is a clock the test moves.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *fakeClock) Add(d time.Duration) { c.Set(c.Now().Add(d)) }

// zoomSent is one mail handed to the captureSender.
type zoomSent struct {
	To  []string
	Raw []byte
}

// captureSender is a gateway.Sender that keeps what it is given.
type captureSender struct {
	mu   sync.Mutex
	sent []zoomSent
}

func (s *captureSender) Send(_ context.Context, _ string, to []string, raw []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, zoomSent{To: to, Raw: raw})
	return nil
}

// zoomEnv is a roomgate in Zoom API mode against a fake Zoom.
type zoomEnv struct {
	t     *testing.T
	clock *fakeClock
	zoom  *zoomtest.Server
	cfg   *Config
	app   *app
	out   *captureSender
	seen  int // mails already returned by flush
}

// fixedJoin is the fixed room's link, which the fallback mail gives.
const fixedJoin = "https://zoom.us/j/85550001111?pwd=fixed"

func newZoomEnv(t *testing.T, edit func(*Config)) *zoomEnv {
	t.Helper()
	return newZoomEnvWith(t, zoomtest.Options{}, edit)
}

// newZoomEnvWith is newZoomEnv with a fake Zoom of those options; gw
// edits the gateway's options.
func newZoomEnvWith(t *testing.T, zo zoomtest.Options, edit func(*Config), gw ...func(*gateway.Options)) *zoomEnv {
	t.Helper()
	clock := &fakeClock{t: time.Now().UTC().Truncate(time.Second)}
	zo.Now = clock.Now
	fake := zoomtest.New(zo)
	t.Cleanup(fake.Close)
	driver, dsn := dbtest.New(t)
	cfg := &Config{Language: "en", Timezone: "Europe/Paris", LogLevel: "warn",
		Database: DatabaseConfig{Driver: driver, DSN: dsn},
		IMAP:     IMAPConfig{Address: "127.0.0.1:1", Security: "insecure", Username: "zoom@coop.example", Password: "pw"},
		SMTP:     SMTPConfig{Address: "127.0.0.1:1", Security: "insecure"},
		Account:  AccountConfig{HostKey: "483920"},
		Policy:   PolicyConfig{Organizers: []string{"@coop.example"}, Buffer: Duration{10 * time.Minute}},
		Rooms: []RoomConfig{{Name: "Salle Opteos", Address: "zoom@coop.example", JoinURL: fixedJoin,
			MeetingID: "855 5000 1111", Passcode: "opteos"}},
		HTTP: HTTPConfig{Listen: "127.0.0.1:0", Token: "member-token-0123456789", OperatorToken: "operator-token-0123456789",
			PublicURL: "https://salles.coop.example"},
		Relay: RelayConfig{Facilitators: []string{"facil@coop.example"}},
		Auth:  AuthConfig{AuthservID: testMX},
	}
	cfg.ZoomAPI = ZoomAPIConfig{Enabled: true, AccountID: zoomtest.DefaultAccountID, ClientID: zoomtest.DefaultClientID,
		ClientSecret: zoomtest.DefaultClientSecret, User: zoomtest.DefaultUser.Email, APIURL: fake.APIURL(),
		OAuthURL: fake.TokenURL(), PerBookingMeetings: true, StartLinks: true, Recordings: true, Attendance: true,
		ReleaseNoShows: true, RecordingsDir: t.TempDir(),
		clientEdit: func(o *zoomapi.Options) {
			o.Now = clock.Now
			o.Sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
		}}
	if edit != nil {
		edit(cfg)
	}
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := openApp(context.Background(), cfg, log, clock.Now, gw...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return &zoomEnv{t: t, clock: clock, zoom: fake, cfg: cfg, app: a, out: &captureSender{}}
}

// handle decides one invitation.
func (e *zoomEnv) handle(inv sampleInvite) gateway.Outcome {
	e.t.Helper()
	raw := inv.mail()
	out, err := e.app.gw.HandleSafe(context.Background(), gateway.Incoming{Ref: inv.UID, Raw: raw, Size: int64(len(raw))})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// handleRaw decides one message given as text.
func (e *zoomEnv) handleRaw(raw string) gateway.Outcome {
	e.t.Helper()
	out, err := e.app.gw.HandleSafe(context.Background(), gateway.Incoming{Ref: "raw", Raw: []byte(raw), Size: int64(len(raw))})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// jobs runs the due sync, release and attendance jobs.
func (e *zoomEnv) jobs() {
	e.t.Helper()
	if _, err := e.app.meet.JobsOnce(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

// recordings runs the due recordings jobs.
func (e *zoomEnv) recordings() {
	e.t.Helper()
	if _, err := e.app.meet.RecordingsOnce(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

// watch looks at the live meetings once.
func (e *zoomEnv) watch() {
	e.t.Helper()
	if err := e.app.meet.WatchOnce(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

// flush sends what is due and returns the mails sent since the last call.
func (e *zoomEnv) flush() []zoomSent {
	e.t.Helper()
	if _, err := e.app.gw.FlushOutbox(context.Background(), e.out, gateway.OutboxOptions{}); err != nil {
		e.t.Fatal(err)
	}
	e.out.mu.Lock()
	defer e.out.mu.Unlock()
	got := e.out.sent[e.seen:]
	e.seen = len(e.out.sent)
	return got
}

// flushN is flush, failing unless exactly n mails left.
func (e *zoomEnv) flushN(n int) []zoomSent {
	e.t.Helper()
	got := e.flush()
	if len(got) != n {
		var subjects []string
		for _, m := range got {
			_, s, _ := describeReply(m.Raw)
			subjects = append(subjects, s)
		}
		e.t.Fatalf("%d mails sent, want %d: %q", len(got), n, subjects)
	}
	return got
}

// booking returns the booking of a single event by UID.
func (e *zoomEnv) booking(uid string) gateway.Booking {
	e.t.Helper()
	bs, err := e.app.store.ListBookings(context.Background(), e.clock.Now().Add(-48*time.Hour), e.clock.Now().Add(72*time.Hour))
	if err != nil {
		e.t.Fatal(err)
	}
	for _, b := range bs {
		if b.UID == uid {
			return b
		}
	}
	e.t.Fatalf("no booking %s", uid)
	return gateway.Booking{}
}

// meeting returns the Zoom meeting the fake holds for booking uid.
func (e *zoomEnv) meeting(uid string) zoomtest.Meeting {
	e.t.Helper()
	_, m, err := e.app.store.ZoomBooking(context.Background(), e.booking(uid).ID)
	if err != nil || m == nil || m.MeetingID == 0 {
		e.t.Fatalf("booking %s has no meeting (%v)", uid, err)
	}
	zm, ok := e.zoom.Meeting(m.MeetingID)
	if !ok {
		e.t.Fatalf("the fake has no meeting %d", m.MeetingID)
	}
	return zm
}

// web returns the web server of the daemon, on the test's clock.
func (e *zoomEnv) web() http.Handler {
	e.t.Helper()
	opt := e.cfg.webOptions(e.app.store, web.NewMetrics(), e.app.log)
	opt.Zoom, opt.Now = e.app.zoomWeb(), e.clock.Now
	h, err := web.New(opt)
	if err != nil {
		e.t.Fatal(err)
	}
	return h
}

// get asks the web server for a path.
func get(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

// mailText returns the subject and text part of a mail.
func mailText(t *testing.T, m zoomSent) (partstat, subject, text string) {
	t.Helper()
	partstat, subject, text = describeReply(m.Raw)
	return partstat, subject, strings.NewReplacer("\u00a0", " ", "\u2060", "").Replace(text)
}

// attachment returns the first attached file of a mail and its name.
func attachment(t *testing.T, raw []byte) (name string, data []byte) {
	t.Helper()
	e, err := message.Read(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	_ = e.Walk(func(_ []int, part *message.Entity, _ error) error {
		if disp, params, err := part.Header.ContentDisposition(); err == nil && disp == "attachment" && name == "" {
			name = params["filename"]
			data, _ = io.ReadAll(part.Body)
		}
		return nil
	})
	return name, data
}

var startLinkRE = regexp.MustCompile(`https://salles\.coop\.example(/start/\d+/[A-Za-z0-9_-]+)`)

// startPath finds the start link in a mail's text.
func startPath(t *testing.T, text string) string {
	t.Helper()
	m := startLinkRE.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no start link in:\n%s", text)
	}
	return m[1]
}

func wantIn(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s lacks %q:\n%s", what, sub, s)
		}
	}
}

func wantOut(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			t.Errorf("%s holds %q:\n%s", what, sub, s)
		}
	}
}

// newZoomClient is a client of the fake, as the daemon's.
func newZoomClient(env *zoomEnv) (*zoom.Provider, error) {
	z := &env.cfg.ZoomAPI
	o := z.clientOptions(nil)
	z.clientEdit(&o)
	c, err := zoomapi.New(o)
	return zoom.New(c, z.User, z.meetingSettings(), meetings.Recordings{Root: z.RecordingsDir}).WithHosts(env.cfg.hostUsers()...), err
}
