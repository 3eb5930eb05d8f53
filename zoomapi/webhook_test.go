package zoomapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/zoomapi"
	"codeberg.org/opteos/roomgate/zoomapi/zoomtest"
)

// The expected values below were computed apart, with Python's hmac and
// hashlib, from the same secret, timestamp and body.
const (
	hookSecret = "R00mgateWebhookSecret"
	hookTS     = "1767225600" // 2026-01-01T00:00:00Z
	hookBody   = `{"event":"meeting.started","event_ts":1767225600123,"payload":{"account_id":"acc-1","object":{"id":"81234567890","uuid":"4444AAAiAAAAAiAiAiiAii==","host_id":"KDcuGIm1QgePTO8WbOqwIQ","topic":"Atelier","type":2,"start_time":"2026-01-01T00:00:00Z","duration":60}}}`
	hookSig    = "v0=477e4f24e8b2efc83dd154a8ab27d14e64a2c04eea2d4e06f4b69647f8a9b71e"
)

var hookTime = time.Unix(1767225600, 0)

func TestSignExact(t *testing.T) {
	if got := zoomapi.Sign(hookSecret, hookTS, []byte(hookBody)); got != hookSig {
		t.Fatalf("Sign = %s, want %s", got, hookSig)
	}
}

func TestValidateURLExact(t *testing.T) {
	got := zoomapi.ValidateURL(hookSecret, "qgg8vlvZRS6UYooatFL8Aw")
	want := zoomapi.URLValidation{PlainToken: "qgg8vlvZRS6UYooatFL8Aw",
		EncryptedToken: "1fa46cb85ffcee8c0018f42a7ded6d7fad8cb964178bf0568fb5e8f9ecd316ac"}
	if got != want {
		t.Fatalf("ValidateURL = %+v, want %+v", got, want)
	}
	b, _ := json.Marshal(got)
	if string(b) != `{"plainToken":"qgg8vlvZRS6UYooatFL8Aw","encryptedToken":"1fa46cb85ffcee8c0018f42a7ded6d7fad8cb964178bf0568fb5e8f9ecd316ac"}` {
		t.Fatalf("JSON %s", b)
	}
}

func TestVerifyWebhook(t *testing.T) {
	tests := []struct {
		name    string
		ts, sig string
		body    string
		now     time.Time
		want    error
	}{
		{"valid", hookTS, hookSig, hookBody, hookTime.Add(2 * time.Second), nil},
		{"timestamp in milliseconds", "1767225600000", zoomapi.Sign(hookSecret, "1767225600000", []byte(hookBody)), hookBody, hookTime, nil},
		{"body changed", hookTS, hookSig, strings.Replace(hookBody, "Atelier", "Ateliers", 1), hookTime, zoomapi.ErrBadSignature},
		{"timestamp changed", "1767225601", hookSig, hookBody, hookTime, zoomapi.ErrBadSignature},
		{"signature case", hookTS, strings.ToUpper(hookSig), hookBody, hookTime, zoomapi.ErrBadSignature},
		{"no v0", hookTS, strings.TrimPrefix(hookSig, "v0="), hookBody, hookTime, zoomapi.ErrBadSignature},
		{"no signature", hookTS, "", hookBody, hookTime, zoomapi.ErrUnsigned},
		{"no timestamp", "", hookSig, hookBody, hookTime, zoomapi.ErrUnsigned},
		{"timestamp not a number", "1767225600.5", hookSig, hookBody, hookTime, zoomapi.ErrBadTimestamp},
		{"negative timestamp", "-1767225600", hookSig, hookBody, hookTime, zoomapi.ErrBadTimestamp},
		{"replayed 6 minutes later", hookTS, hookSig, hookBody, hookTime.Add(6 * time.Minute), zoomapi.ErrStale},
		{"from the future", hookTS, hookSig, hookBody, hookTime.Add(-6 * time.Minute), zoomapi.ErrStale},
		{"just within 5 minutes", hookTS, hookSig, hookBody, hookTime.Add(5 * time.Minute), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			h.Set("X-Zm-Request-Timestamp", tt.ts)
			h.Set("X-Zm-Signature", tt.sig)
			err := zoomapi.VerifyWebhook(hookSecret, h, []byte(tt.body), tt.now, 0)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("VerifyWebhook = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestParseEvents(t *testing.T) {
	e, err := zoomapi.ParseEvent([]byte(hookBody))
	if err != nil {
		t.Fatal(err)
	}
	acct, m, err := e.Meeting()
	if err != nil || e.Name != zoomapi.EventMeetingStarted || acct != "acc-1" || m.ID != 81234567890 ||
		m.Topic != "Atelier" || !m.StartTime.Equal(hookTime) || e.Time() != time.UnixMilli(1767225600123) {
		t.Fatalf("event %+v, meeting %+v, %v", e, m, err)
	}

	srv := zoomtest.New(zoomtest.Options{})
	defer srv.Close()
	rec := `{"event":"recording.completed","event_ts":1767229200000,"download_token":"fake-dl-abc","payload":{"account_id":"acc-1","object":{"id":81234567890,"uuid":"4444AAAiAAAAAiAiAiiAii==","topic":"Atelier","start_time":"2026-01-01T00:00:00Z","duration":60,"recording_files":[{"id":"f1","file_type":"MP4","file_size":1234,"file_extension":"MP4","download_url":"https://zoom.us/rec/download/f1","status":"completed","recording_type":"shared_screen_with_speaker_view","recording_end":""}]}}}`
	e, err = zoomapi.ParseEvent([]byte(rec))
	if err != nil {
		t.Fatal(err)
	}
	_, r, err := e.Recording()
	if err != nil || r.ID != 81234567890 || len(r.Files) != 1 || r.Files[0].FileSize != 1234 ||
		!r.Files[0].RecordingEnd.IsZero() || e.DownloadToken.Reveal() != "fake-dl-abc" || e.DownloadToken.String() != "[redacted]" {
		t.Fatalf("recording %+v, %v", r, err)
	}
	joined := `{"event":"meeting.participant_joined","event_ts":1,"payload":{"account_id":"a","object":{"id":"81234567890","uuid":"u","participant":{"user_id":"16778240","user_name":"Alice","email":"alice@coop.example","join_time":"2026-01-01T00:01:00Z"}}}}`
	e, _ = zoomapi.ParseEvent([]byte(joined))
	if _, m, err = e.Meeting(); err != nil || m.Participant == nil || m.Participant.Email != "alice@coop.example" {
		t.Fatalf("participant %+v, %v", m, err)
	}
	for _, bad := range []string{``, `[]`, `{"event":""}`, `{"event":"` + strings.Repeat("x", 101) + `"}`, `{"event":1}`} {
		if _, err := zoomapi.ParseEvent([]byte(bad)); err == nil {
			t.Errorf("ParseEvent(%q) accepted", bad)
		}
	}
	e, _ = zoomapi.ParseEvent([]byte(`{"event":"meeting.started","payload":{"object":{"id":"12ab"}}}`))
	if _, _, err := e.Meeting(); err == nil {
		t.Error("a meeting ID with letters was accepted")
	}
}

// hook runs a webhook handler with a recorded callback.
type hook struct {
	h      http.Handler
	mu     sync.Mutex
	events []*zoomapi.Event
	fail   error
	panics bool
}

func newHook(t *testing.T, now time.Time) *hook {
	k := &hook{}
	h, err := zoomapi.NewWebhookHandler(zoomapi.WebhookOptions{Secret: hookSecret,
		Now: func() time.Time { return now },
		OnEvent: func(_ context.Context, e *zoomapi.Event) error {
			k.mu.Lock()
			defer k.mu.Unlock()
			if k.panics {
				panic("boom")
			}
			k.events = append(k.events, e)
			return k.fail
		}, MaxBody: 4096})
	if err != nil {
		t.Fatal(err)
	}
	k.h = h
	return k
}

func (k *hook) serve(r *http.Request) (int, string) {
	w := httptest.NewRecorder()
	k.h.ServeHTTP(w, r)
	b, _ := io.ReadAll(w.Result().Body)
	return w.Code, strings.TrimSpace(string(b))
}

func TestWebhookHandlerURLValidation(t *testing.T) {
	k := newHook(t, hookTime)
	body := zoomtest.URLValidationEvent("qgg8vlvZRS6UYooatFL8Aw", hookTime)
	code, out := k.serve(zoomtest.WebhookRequest("/zoom/events", hookSecret, hookTime, body))
	want := `{"plainToken":"qgg8vlvZRS6UYooatFL8Aw","encryptedToken":"1fa46cb85ffcee8c0018f42a7ded6d7fad8cb964178bf0568fb5e8f9ecd316ac"}`
	if code != 200 || out != want {
		t.Fatalf("%d %s, want 200 %s", code, out, want)
	}
	if len(k.events) != 0 {
		t.Fatal("the challenge reached OnEvent")
	}
	unsigned := httptest.NewRequest(http.MethodPost, "/zoom/events", strings.NewReader(string(body)))
	if code, _ := k.serve(unsigned); code != http.StatusUnauthorized {
		t.Fatalf("an unsigned challenge got %d", code)
	}
}

func TestWebhookHandlerEvents(t *testing.T) {
	srv := zoomtest.New(zoomtest.Options{})
	defer srv.Close()
	k := newHook(t, hookTime)
	tests := []struct {
		name     string
		req      func() *http.Request
		setup    func()
		wantCode int
		wantSeen int
	}{
		{"signed event", func() *http.Request {
			return zoomtest.WebhookRequest("/zoom/events", hookSecret, hookTime, []byte(hookBody))
		}, nil, 200, 1},
		{"wrong secret", func() *http.Request {
			return zoomtest.WebhookRequest("/zoom/events", "another", hookTime, []byte(hookBody))
		}, nil, 401, 1},
		{"replayed", func() *http.Request {
			return zoomtest.WebhookRequest("/zoom/events", hookSecret, hookTime.Add(-time.Hour), []byte(hookBody))
		}, nil, 401, 1},
		{"GET", func() *http.Request { return httptest.NewRequest(http.MethodGet, "/zoom/events", nil) }, nil, 405, 1},
		{"too large", func() *http.Request {
			return zoomtest.WebhookRequest("/zoom/events", hookSecret, hookTime, []byte(`{"event":"x","pad":"`+strings.Repeat("a", 5000)+`"}`))
		}, nil, 413, 1},
		{"signed but not JSON", func() *http.Request {
			return zoomtest.WebhookRequest("/zoom/events", hookSecret, hookTime, []byte(`not json`))
		}, nil, 400, 1},
		{"the same request again", func() *http.Request {
			return zoomtest.WebhookRequest("/zoom/events", hookSecret, hookTime, []byte(hookBody))
		}, nil, 200, 1},
		// Zoom's next delivery of what failed is handled (a request whose
		// event was not recorded is forgotten).
		{"callback fails", func() *http.Request {
			return zoomtest.WebhookRequest("/zoom/events", hookSecret, hookTime.Add(time.Second), []byte(hookBody))
		}, func() { k.fail = errors.New("database down") }, 500, 2},
		{"callback panics", func() *http.Request {
			return zoomtest.WebhookRequest("/zoom/events", hookSecret, hookTime.Add(time.Second), []byte(hookBody))
		}, func() { k.fail, k.panics = nil, true }, 500, 2},
		{"delivered at last", func() *http.Request {
			return zoomtest.WebhookRequest("/zoom/events", hookSecret, hookTime.Add(time.Second), []byte(hookBody))
		}, func() { k.panics = false }, 200, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup()
			}
			code, _ := k.serve(tt.req())
			if code != tt.wantCode || len(k.events) != tt.wantSeen {
				t.Fatalf("code %d seen %d, want %d and %d", code, len(k.events), tt.wantCode, tt.wantSeen)
			}
		})
	}
	if k.events[0].Name != zoomapi.EventMeetingStarted {
		t.Fatalf("first event %q", k.events[0].Name)
	}
}

func TestWebhookFromTheFake(t *testing.T) {
	f := newFixture(t, zoomtest.Options{}, nil)
	m, _, _ := recorded(t, f)
	at := f.clock.Now()
	k := newHook(t, at)
	for _, body := range [][]byte{f.srv.MeetingEvent(zoomapi.EventMeetingEnded, m.ID, at), f.srv.RecordingCompletedEvent(m.ID, at)} {
		if code, out := k.serve(zoomtest.WebhookRequest("/zoom/events", hookSecret, at, body)); code != 200 {
			t.Fatalf("%d %s", code, out)
		}
	}
	_, ended, err := k.events[0].Meeting()
	if err != nil || int64(ended.ID) != m.ID || ended.EndTime.IsZero() {
		t.Fatalf("ended %+v, %v", ended, err)
	}
	_, rec, err := k.events[1].Recording()
	if err != nil || len(rec.Files) != 2 || k.events[1].DownloadToken == "" {
		t.Fatalf("recording %+v, %v", rec, err)
	}
	// The event's files download with the event's token.
	d, err := f.c.Download(ctx(t), rec.Files[1], t.TempDir(), "a.m4a", zoomapi.DownloadOptions{Token: k.events[1].DownloadToken})
	if err != nil || d.Size != rec.Files[1].FileSize {
		t.Fatalf("download = %+v, %v", d, err)
	}
}
