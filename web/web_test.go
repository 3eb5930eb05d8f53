package web

import (
	"crypto/sha256"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

const (
	memberToken   = "member-token-0123456789"
	operatorToken = "operator-token-9876543210"
	roomAddr      = "zoom@coop.example"
	hostile       = "<script>alert(1)</script>"
)

var paris = mustLoad("Europe/Paris")

// t0 is the tests' "now": Monday 30 November 2026, 09:00 in Paris.
var t0 = time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// at returns a wall time in Paris in December 2026 (November for day 30).
func at(day, hh, mm int) time.Time {
	m := time.December
	if day >= 30 {
		m = time.November
	}
	return time.Date(2026, m, day, hh, mm, 0, 0, paris)
}

// sampleStore holds a week of bookings around t0, one with a hostile title.
func sampleStore() *fakeStore {
	bk := func(id int64, uid, rid, summary, org, name string, s, e time.Time, st gateway.BookingStatus) gateway.Booking {
		return gateway.Booking{ID: id, UID: uid, RecurrenceID: rid, Room: roomAddr, Organizer: org, OrganizerName: name,
			Summary: summary, Start: s.UTC(), End: e.UTC(), Status: st, Sequence: 1, UpdatedAt: t0.Add(-time.Hour)}
	}
	return &fakeStore{
		bookings: []gateway.Booking{
			bk(1, "alice-1", "", "Point mensuel", "alice@coop.example", "Alice Martin", at(1, 10, 0), at(1, 11, 0), gateway.StatusAccepted),
			bk(2, "mallory-1", "", hostile, "mallory@coop.example", "Mallory <b>bold</b>", at(2, 14, 0), at(2, 15, 30), gateway.StatusAccepted),
			bk(3, "bob-1", "", "Declined meeting", "bob@coop.example", "Bob", at(1, 15, 0), at(1, 16, 0), gateway.StatusDeclined),
			bk(4, "weekly", "20261203T130000Z", "Formation", "carol@coop.example", "", at(3, 14, 0), at(3, 15, 0), gateway.StatusAccepted),
			bk(5, "next-week", "", "Next week", "dave@coop.example", "Dave", at(7, 9, 0), at(7, 10, 0), gateway.StatusAccepted),
		},
		audit: []gateway.AuditEntry{
			{ID: 1, At: t0.Add(-2 * time.Hour), MessageID: "<a1@coop.example>", Kind: gateway.KindRequest, Action: gateway.ActionAccepted,
				UID: "alice-1", Organizer: "alice@coop.example", Room: roomAddr, Start: at(1, 10, 0), End: at(1, 11, 0), Reason: "the account is free"},
			{ID: 2, At: t0.Add(-time.Hour), MessageID: "<bad@x>", Kind: gateway.KindMail, Action: gateway.ActionRejected,
				Organizer: "eve@elsewhere.example", Reason: "invalid calendar: " + hostile},
		},
		outbox: []gateway.OutboxMail{
			{ID: 7, UID: "alice-1", From: roomAddr, To: []string{"alice@coop.example"}, Raw: []byte("Host key: 483920 SECRET-RAW-BYTES"),
				Status: gateway.OutboxSent, Attempts: 1, CreatedAt: t0.Add(-2 * time.Hour), SentAt: t0.Add(-2 * time.Hour)},
			{ID: 8, UID: "bob-1", From: roomAddr, To: []string{"bob@coop.example"}, Raw: []byte("SECRET-RAW-BYTES"),
				Status: gateway.OutboxPending, Attempts: 2, LastError: "421 4.7.0 try again later", CreatedAt: t0.Add(-5 * time.Minute),
				NextAttempt: t0.Add(time.Minute)},
		},
		counts: map[string]int{"accepted": 3, "rejected": 1},
	}
}

// testOptions is the configuration every test starts from.
func testOptions(st Store) Options {
	return Options{Store: st, Token: memberToken, OperatorToken: operatorToken, Lang: "en", Location: paris,
		Rooms: map[string]string{roomAddr: "Salle Opteos"}, Concurrent: 1, Buffer: 10 * time.Minute,
		BookingWindow: 30 * 24 * time.Hour, Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return t0 }}
}

func newServer(t *testing.T, st Store, edit ...func(*Options)) *Server {
	t.Helper()
	opt := testOptions(st)
	for _, e := range edit {
		e(&opt)
	}
	s, err := New(opt)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// get requests a path and returns the response and its body.
func get(t *testing.T, h http.Handler, path string, header ...string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

func wantStatus(t *testing.T, res *http.Response, body string, code int) {
	t.Helper()
	if res.StatusCode != code {
		t.Fatalf("%s %s: status %d, want %d\n%s", res.Request.Method, res.Request.URL, res.StatusCode, code, body)
	}
}

func wantContains(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s lacks %q:\n%s", what, sub, s)
		}
	}
}

func wantLacks(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			t.Errorf("%s contains %q", what, sub)
		}
	}
}

func TestAuth(t *testing.T) {
	s := newServer(t, sampleStore())
	member := []string{"/", "/agenda.ics", "/freebusy.ics"}
	operator := []string{"/operator/", "/operator/audit", "/operator/outbox", "/operator/rejected", "/metrics"}
	tests := []struct {
		name   string
		paths  []string
		query  string
		header []string
		want   int
	}{
		{"member pages without token", member, "", nil, http.StatusUnauthorized},
		{"member pages with a wrong token", member, "?token=nope", nil, http.StatusUnauthorized},
		{"member pages with a token prefix", member, "?token=" + memberToken[:10], nil, http.StatusUnauthorized},
		{"member pages with the token in the URL", member, "?token=" + memberToken, nil, http.StatusOK},
		{"member pages with a Bearer header", member, "", []string{"Authorization", "Bearer " + memberToken}, http.StatusOK},
		{"member pages with the operator token", member, "?token=" + operatorToken, nil, http.StatusOK},
		{"member pages with a Basic header", member, "", []string{"Authorization", "Basic " + memberToken}, http.StatusUnauthorized},
		{"operator pages without token", operator, "", nil, http.StatusUnauthorized},
		{"operator pages with the member token", operator, "?token=" + memberToken, nil, http.StatusUnauthorized},
		{"operator pages with the operator token", operator, "?token=" + operatorToken, nil, http.StatusOK},
		{"operator pages with a Bearer header", operator, "", []string{"Authorization", "bearer " + operatorToken}, http.StatusOK},
		{"health needs no token", []string{"/healthz"}, "", nil, http.StatusServiceUnavailable},
		{"unknown page", []string{"/nope"}, "?token=" + memberToken, nil, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, p := range tt.paths {
				res, body := get(t, s, p+tt.query, tt.header...)
				wantStatus(t, res, body, tt.want)
				if tt.want == http.StatusUnauthorized && res.Header.Get("WWW-Authenticate") != `Bearer realm="roomgate"` {
					t.Errorf("%s: WWW-Authenticate %q", p, res.Header.Get("WWW-Authenticate"))
				}
				if tt.want == http.StatusUnauthorized {
					wantLacks(t, p+" 401 body", body, memberToken, operatorToken)
				}
			}
		})
	}
}

func TestOperatorPagesOffWithoutToken(t *testing.T) {
	s := newServer(t, sampleStore(), func(o *Options) { o.OperatorToken = "" })
	for _, p := range []string{"/operator/", "/operator/audit", "/metrics"} {
		for _, q := range []string{"", "?token=", "?token=" + memberToken} {
			res, body := get(t, s, p+q)
			wantStatus(t, res, body, http.StatusNotFound)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	s := newServer(t, sampleStore())
	res, body := get(t, s, "/?token="+memberToken)
	wantStatus(t, res, body, http.StatusOK)
	h := res.Header
	for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
		"X-Frame-Options": "DENY", "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"} {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	csp := h.Get("Content-Security-Policy")
	wantContains(t, "CSP", csp, "default-src 'none'", "frame-ancestors 'none'", "form-action 'self'")
	wantLacks(t, "CSP", csp, "unsafe-inline", "script-src")
	// The inline stylesheet is allowed by its hash, and is the only one.
	m := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindAllStringSubmatch(body, -1)
	if len(m) != 1 {
		t.Fatalf("%d <style> elements, want 1", len(m))
	}
	sum := sha256.Sum256([]byte(m[0][1]))
	wantContains(t, "CSP", csp, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
	wantLacks(t, "page", body, "<script", " style=")
}

func TestNewChecksOptions(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Options)
	}{
		{"no store", func(o *Options) { o.Store = nil }},
		{"no location", func(o *Options) { o.Location = nil }},
		{"no token", func(o *Options) { o.Token = "" }},
		{"bad show", func(o *Options) { o.Show = "everything" }},
		{"bad language", func(o *Options) { o.Lang = "de" }},
	}
	for _, tt := range tests {
		opt := testOptions(sampleStore())
		tt.edit(&opt)
		if _, err := New(opt); err == nil {
			t.Errorf("%s: New succeeded", tt.name)
		}
	}
}
