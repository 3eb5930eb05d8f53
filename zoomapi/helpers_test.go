package zoomapi_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/zoomapi"
	"codeberg.org/opteos/roomgate/zoomapi/zoomtest"
)

// clock is a test clock that only moves when told, or when the client
// "sleeps".
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fixture is a client talking to a fake, sharing one clock; the client's
// waits are recorded and advance the clock instead of sleeping.
type fixture struct {
	srv   *zoomtest.Server
	c     *zoomapi.Client
	clock *clock
	log   *bytes.Buffer
	// contract validates the traffic against Zoom's document; nil when
	// the document is absent.
	contract *contractTransport

	mu    sync.Mutex
	waits []time.Duration
}

func newFixture(t *testing.T, so zoomtest.Options, mod func(*zoomapi.Options)) *fixture {
	t.Helper()
	f := &fixture{clock: newClock(), log: &bytes.Buffer{}}
	so.Now = f.clock.Now
	f.srv = zoomtest.New(so)
	t.Cleanup(f.srv.Close)
	o := zoomapi.Options{
		AccountID: zoomtest.DefaultAccountID, ClientID: zoomtest.DefaultClientID,
		ClientSecret: zoomtest.DefaultClientSecret, BaseURL: f.srv.APIURL(), TokenURL: f.srv.TokenURL(),
		Now: f.clock.Now, Jitter: func(d time.Duration) time.Duration { return d },
		Logger: slog.New(slog.NewTextHandler(f.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Sleep: func(ctx context.Context, d time.Duration) error {
			f.mu.Lock()
			f.waits = append(f.waits, d)
			f.mu.Unlock()
			f.clock.Advance(d)
			return ctx.Err()
		},
	}
	if f.contract = withContract(t); f.contract != nil {
		o.HTTPClient = &http.Client{Transport: f.contract}
	}
	if mod != nil {
		mod(&o)
	}
	c, err := zoomapi.New(o)
	if err != nil {
		t.Fatal(err)
	}
	f.c = c
	return f
}

func (f *fixture) Waits() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.waits...)
}

// noSecrets fails when the log or the given texts hold a secret.
func (f *fixture) noSecrets(t *testing.T, texts ...string) {
	t.Helper()
	all := f.log.String() + strings.Join(texts, "\n")
	for _, s := range []string{zoomtest.DefaultClientSecret, "fake-at-", "fake-zak-", "fake-dl-"} {
		if strings.Contains(all, s) {
			t.Fatalf("a secret (%s…) was logged or returned in an error:\n%s", s, all)
		}
	}
}

// booking is a meeting request as roomgate sends it.
func booking(marker string) zoomapi.MeetingRequest {
	yes, no := true, false
	return zoomapi.MeetingRequest{
		Topic: "Atelier compta", StartTime: time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC),
		Duration: time.Hour, Timezone: "Europe/Paris", Password: "k7Hq2mPz9a", Agenda: marker,
		Settings: &zoomapi.Settings{WaitingRoom: &yes, JoinBeforeHost: &no, MuteUponEntry: &yes,
			HostVideo: &no, ParticipantVideo: &no, AutoRecording: "cloud"},
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}
