package zoomapi_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/zoomapi"
	"codeberg.org/opteos/roomgate/zoomapi/zoomtest"
)

// clockHook is a webhook handler with a clock the test moves and a log it
// reads.
type clockHook struct {
	mu   sync.Mutex
	now  time.Time
	seen int
	log  bytes.Buffer
	h    http.Handler
}

func newClockHook(t *testing.T, o zoomapi.WebhookOptions) *clockHook {
	t.Helper()
	k := &clockHook{now: hookTime}
	o.Secret = hookSecret
	o.Now = func() time.Time { k.mu.Lock(); defer k.mu.Unlock(); return k.now }
	o.OnEvent = func(context.Context, *zoomapi.Event) error { k.mu.Lock(); defer k.mu.Unlock(); k.seen++; return nil }
	o.Logger = slog.New(slog.NewTextHandler(&k.log, nil))
	h, err := zoomapi.NewWebhookHandler(o)
	if err != nil {
		t.Fatal(err)
	}
	k.h = h
	return k
}

func (k *clockHook) advance(d time.Duration) { k.mu.Lock(); k.now = k.now.Add(d); k.mu.Unlock() }

func (k *clockHook) post(r *http.Request) int {
	w := httptest.NewRecorder()
	k.h.ServeHTTP(w, r)
	return w.Code
}

// TestWebhookReplayWithinWindow: a signed request captured and sent again
// within its five minutes reaches OnEvent once; it is answered 200 (Zoom
// retries what is not answered 2xx) and logged; once stale it is refused
// as before.
func TestWebhookReplayWithinWindow(t *testing.T) {
	k := newClockHook(t, zoomapi.WebhookOptions{})
	req := func() *http.Request {
		return zoomtest.WebhookRequest("/zoom/webhook", hookSecret, hookTime, []byte(hookBody))
	}
	if code := k.post(req()); code != 200 || k.seen != 1 {
		t.Fatalf("first delivery: %d, %d event(s)", code, k.seen)
	}
	for _, after := range []time.Duration{time.Second, 2 * time.Minute, 3 * time.Minute} {
		k.advance(after - (k.now.Sub(hookTime)))
		if code := k.post(req()); code != 200 || k.seen != 1 {
			t.Fatalf("replayed %s later: %d, %d event(s); want 200 and still one", after, code, k.seen)
		}
	}
	if !strings.Contains(k.log.String(), "replayed") {
		t.Errorf("the replay is not logged:\n%s", k.log.String())
	}
	k.advance(hookTime.Add(5*time.Minute + time.Second).Sub(k.now))
	if code := k.post(req()); code != http.StatusUnauthorized || k.seen != 1 {
		t.Fatalf("replayed once stale: %d, %d event(s)", code, k.seen)
	}
	// Another event of the same second is not a replay.
	other := strings.Replace(hookBody, "1767225600123", "1767225600124", 1)
	k.advance(-2 * time.Minute)
	if code := k.post(zoomtest.WebhookRequest("/zoom/webhook", hookSecret, hookTime, []byte(other))); code != 200 || k.seen != 2 {
		t.Fatalf("another event: %d, %d event(s)", code, k.seen)
	}
}

// TestWebhookMemoryBound: the requests remembered are bounded; when the
// memory is full of requests still valid, new ones are answered 503 (Zoom
// sends them again later) rather than forgetting one that could then be
// replayed; expired ones make room.
func TestWebhookMemoryBound(t *testing.T) {
	k := newClockHook(t, zoomapi.WebhookOptions{MaxRemembered: 2})
	send := func(at time.Time) int {
		body := strings.Replace(hookBody, "1767225600123", at.Format("20060102150405"), 1)
		return k.post(zoomtest.WebhookRequest("/zoom/webhook", hookSecret, at, []byte(body)))
	}
	for i, want := range []int{200, 200, 503} {
		if code := send(hookTime.Add(time.Duration(i) * time.Second)); code != want {
			t.Fatalf("request %d: %d, want %d", i, code, want)
		}
	}
	k.advance(5*time.Minute + time.Second) // the first request is stale, but kept a minute more
	if code := send(k.now); code != 503 {
		t.Fatalf("just after the first went stale: %d, want 503", code)
	}
	k.advance(time.Minute) // its place is free
	if code := send(k.now); code != 200 || k.seen != 3 {
		t.Fatalf("after the first expired: %d, %d event(s)", code, k.seen)
	}
}

// TestWebhookRefusalsLogged: a flood of unsigned POSTs writes one WARN
// line a minute per kind of refusal, the next one counting the others.
func TestWebhookRefusalsLogged(t *testing.T) {
	k := newClockHook(t, zoomapi.WebhookOptions{})
	unsigned := func() *http.Request {
		return httptest.NewRequest(http.MethodPost, "/zoom/webhook", strings.NewReader(hookBody))
	}
	for range 500 {
		if code := k.post(unsigned()); code != http.StatusUnauthorized {
			t.Fatalf("unsigned POST: %d", code)
		}
		k.advance(100 * time.Millisecond)
	}
	// A forged signature is another kind: logged at once.
	if code := k.post(zoomtest.WebhookRequest("/zoom/webhook", "guess", k.now, []byte(hookBody))); code != http.StatusUnauthorized {
		t.Fatalf("forged: %d", code)
	}
	lines := strings.Split(strings.TrimSpace(k.log.String()), "\n")
	// 500 POSTs over 50 seconds: one line, then the forged one.
	if len(lines) != 2 || !strings.Contains(lines[0], "no signature") || !strings.Contains(lines[1], "does not match") {
		t.Fatalf("log after 500 unsigned POSTs within a minute:\n%s", k.log.String())
	}
	k.advance(10 * time.Second)
	k.post(unsigned())
	lines = strings.Split(strings.TrimSpace(k.log.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[2], "level=WARN") || !strings.Contains(lines[2], "also_refused=499") {
		t.Fatalf("the minute's summary:\n%s", k.log.String())
	}
}

// TestWebhookReplayConcurrent: the same signed request sent many times at
// once reaches OnEvent once, every copy answered 200.
func TestWebhookReplayConcurrent(t *testing.T) {
	k := newClockHook(t, zoomapi.WebhookOptions{})
	const n = 32
	codes := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			codes <- k.post(zoomtest.WebhookRequest("/zoom/webhook", hookSecret, hookTime, []byte(hookBody)))
		})
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != 200 {
			t.Errorf("a copy answered %d", c)
		}
	}
	if k.seen != 1 {
		t.Errorf("OnEvent called %d times, want once", k.seen)
	}
}
