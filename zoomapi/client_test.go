package zoomapi_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/zoomapi"
	"codeberg.org/opteos/roomgate/zoomapi/zoomtest"
)

func TestTokenCachedUntilShortlyBeforeExpiry(t *testing.T) {
	f := newFixture(t, zoomtest.Options{}, nil)
	for range 3 {
		if _, err := f.c.GetUser(ctx(t), zoomtest.DefaultUser.Email); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.srv.Count(http.MethodPost, "/oauth/token"); n != 1 {
		t.Fatalf("token requests = %d, want 1 for three calls", n)
	}
	f.clock.Advance(59*time.Minute + time.Second) // within the 60s margin of the hour
	if _, err := f.c.GetUser(ctx(t), zoomtest.DefaultUser.Email); err != nil {
		t.Fatal(err)
	}
	if n := f.srv.Count(http.MethodPost, "/oauth/token"); n != 2 {
		t.Fatalf("token requests = %d, want 2 after 59m01s", n)
	}
	token := f.srv.Calls()[0]
	if token.Auth != "basic" || string(token.Body) != "account_id="+zoomtest.DefaultAccountID+"&grant_type=account_credentials" {
		t.Fatalf("token request auth %q body %q", token.Auth, token.Body)
	}
	f.noSecrets(t)
}

func TestTokenRenewedOn401(t *testing.T) {
	f := newFixture(t, zoomtest.Options{}, nil)
	if _, err := f.c.GetUser(ctx(t), "host@coop.example"); err != nil {
		t.Fatal(err)
	}
	f.srv.RevokeTokens()
	if _, err := f.c.GetUser(ctx(t), "host@coop.example"); err != nil {
		t.Fatalf("after revocation: %v", err)
	}
	var got []int
	for _, c := range f.srv.Calls() {
		got = append(got, c.Status)
	}
	want := []int{200, 200, 401, 200, 200} // token, get, get refused, new token, get
	if !slices.Equal(got, want) {
		t.Fatalf("statuses = %v, want %v", got, want)
	}
	if len(f.Waits()) != 0 {
		t.Fatalf("waited %v; a 401 is renewed at once", f.Waits())
	}
}

func TestBadCredentials(t *testing.T) {
	f := newFixture(t, zoomtest.Options{ClientSecret: "the-right-one"}, nil)
	_, err := f.c.GetUser(ctx(t), "host@coop.example")
	var ce *zoomapi.CredentialsError
	if !errors.As(err, &ce) || ce.Status != http.StatusUnauthorized {
		t.Fatalf("err = %v, want a CredentialsError 401", err)
	}
	for _, want := range []string{"account_id, client_id and client_secret", "Invalid client_id or client_secret"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
	if n := len(f.srv.Calls()); n != 1 {
		t.Fatalf("%d requests; bad credentials must not be retried", n)
	}
	f.noSecrets(t, err.Error())
}

func TestWrongAccount(t *testing.T) {
	f := newFixture(t, zoomtest.Options{}, func(o *zoomapi.Options) { o.AccountID = "acc-other" })
	_, err := f.c.GetUser(ctx(t), "host@coop.example")
	var ce *zoomapi.CredentialsError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "Invalid account_id") {
		t.Fatalf("err = %v, want a CredentialsError naming account_id", err)
	}
}

func TestMissingScope(t *testing.T) {
	f := newFixture(t, zoomtest.Options{Scopes: []string{"user:read:admin"}}, nil)
	_, err := f.c.CreateMeeting(ctx(t), "host@coop.example", booking("roomgate:b1"))
	var se *zoomapi.ScopeError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a ScopeError", err)
	}
	if want := []string{"meeting:write:admin", "meeting:write:meeting:admin"}; !slices.Equal(se.Missing, want) {
		t.Fatalf("missing = %q, want %q", se.Missing, want)
	}
	if !strings.Contains(err.Error(), "meeting:write:admin") || !strings.Contains(err.Error(), "Scopes page") {
		t.Fatalf("message %q does not say what to add where", err)
	}
	scopes, err := f.c.Scopes(ctx(t))
	if err != nil || !slices.Equal(scopes, []string{"user:read:admin"}) {
		t.Fatalf("Scopes = %q, %v", scopes, err)
	}
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name      string
		fault     zoomtest.Fault
		create    bool // POST create meeting instead of GET user
		wantErr   bool
		wantWaits []time.Duration
		wantCalls int // to the API path
	}{
		{"503 twice then ok", zoomtest.Fault{Path: "/v2/users/", Status: 503, Times: 2}, false, false,
			[]time.Duration{time.Second, 2 * time.Second}, 3},
		{"500 every time", zoomtest.Fault{Path: "/v2/users/", Status: 500, Times: 9}, false, true,
			[]time.Duration{time.Second, 2 * time.Second, 4 * time.Second}, 4},
		{"429 with Retry-After", zoomtest.Fault{Path: "/v2/users/", Status: 429, RetryAfter: "7"}, false, false,
			[]time.Duration{7 * time.Second}, 2},
		{"429 per second", zoomtest.Fault{Path: "/v2/users/", Status: 429}, false, false,
			[]time.Duration{time.Second}, 2},
		{"429 daily limit", zoomtest.Fault{Path: "/v2/users/", Status: 429, LimitType: "Daily-limit"}, false, true, nil, 1},
		{"404 not retried", zoomtest.Fault{Path: "/v2/users/", Status: 404, Code: 1001, Message: "User does not exist."},
			false, true, nil, 1},
		{"create: 502 not retried", zoomtest.Fault{Path: "/v2/users/", Status: 502}, true, true, nil, 1},
		{"create: 429 retried", zoomtest.Fault{Path: "/v2/users/", Status: 429}, true, false,
			[]time.Duration{time.Second}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, zoomtest.Options{}, nil)
			f.srv.Fail(tt.fault)
			var err error
			if tt.create {
				_, err = f.c.CreateMeeting(ctx(t), "host@coop.example", booking("m"))
			} else {
				_, err = f.c.GetUser(ctx(t), "host@coop.example")
			}
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tt.wantErr)
			}
			if !slices.Equal(f.Waits(), tt.wantWaits) {
				t.Fatalf("waits = %v, want %v", f.Waits(), tt.wantWaits)
			}
			if n := f.srv.Count("", "/v2/users/"); n != tt.wantCalls {
				t.Fatalf("%d calls, want %d", n, tt.wantCalls)
			}
			f.noSecrets(t)
		})
	}
}

func TestDailyLimitReturnsRetryAfter(t *testing.T) {
	f := newFixture(t, zoomtest.Options{}, nil)
	// As Zoom sends it: no Retry-After, the time in the message.
	f.srv.Fail(zoomtest.Fault{Path: "/v2/users/", Status: 429, LimitType: "Daily-limit"})
	_, err := f.c.GetUser(ctx(t), "host@coop.example")
	d, ok := zoomapi.RetryAfter(err)
	var e *zoomapi.Error
	if !ok || d != 16*time.Hour || !errors.As(err, &e) || !e.Temporary() || !zoomapi.IsDailyLimit(err) {
		t.Fatalf("RetryAfter = %s, %v (err %v); want 16h and a temporary error", d, ok, err)
	}
}

func TestRateLimitOfTheFake(t *testing.T) {
	f := newFixture(t, zoomtest.Options{RateLimit: 2}, nil)
	for i := range 3 {
		if _, err := f.c.GetUser(ctx(t), "host@coop.example"); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if w := f.Waits(); !slices.Equal(w, []time.Duration{time.Second}) {
		t.Fatalf("waits = %v, want one second for the third call of the same second", w)
	}
}

func TestServerDownThenContextEnds(t *testing.T) {
	f := newFixture(t, zoomtest.Options{}, func(o *zoomapi.Options) {
		o.Sleep = func(ctx context.Context, d time.Duration) error { <-ctx.Done(); return ctx.Err() }
	})
	f.srv.Fail(zoomtest.Fault{Path: "/v2/", Status: 503, Times: 99})
	c, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := f.c.GetUser(c, "host@coop.example")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's deadline", err)
	}
}

func TestUnreachable(t *testing.T) {
	f := newFixture(t, zoomtest.Options{}, nil)
	f.srv.Close()
	_, err := f.c.GetUser(ctx(t), "host@coop.example")
	if err == nil || len(f.Waits()) != 3 {
		t.Fatalf("err = %v after waits %v; want 4 attempts", err, f.Waits())
	}
	if tmp, ok := err.(interface{ Temporary() bool }); !ok || !tmp.Temporary() {
		t.Fatalf("err %T is not temporary", err)
	}
}

func TestNewRefuses(t *testing.T) {
	tests := []struct {
		name string
		o    zoomapi.Options
	}{
		{"no secret", zoomapi.Options{AccountID: "a", ClientID: "c"}},
		{"http API", zoomapi.Options{AccountID: "a", ClientID: "c", ClientSecret: "s", BaseURL: "http://api.zoom.us/v2"}},
		{"relative token URL", zoomapi.Options{AccountID: "a", ClientID: "c", ClientSecret: "s", TokenURL: "/oauth/token"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := zoomapi.New(tt.o); err == nil {
				t.Fatal("New accepted it")
			}
		})
	}
}

func TestConcurrentCallsShareOneToken(t *testing.T) {
	f := newFixture(t, zoomtest.Options{}, nil)
	errs := make(chan error, 20)
	for range 20 {
		go func() {
			_, err := f.c.GetUser(ctx(t), "host@coop.example")
			errs <- err
		}()
	}
	for range 20 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := f.srv.Count(http.MethodPost, "/oauth/token"); n != 1 {
		t.Fatalf("%d token requests for 20 concurrent calls, want 1", n)
	}
}
