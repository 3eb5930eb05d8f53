package zoomtest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// do sends a raw request to the fake, as a careless client would.
func do(t *testing.T, method, u, auth, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if method == http.MethodPost && strings.HasSuffix(u, "/oauth/token") {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

func TestFakeEnforces(t *testing.T) {
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	s := New(Options{Now: func() time.Time { return now }})
	defer s.Close()
	basic := "Basic " + "Y2xpLVIwME1HQVRFOnNlYy1mYWtlLWNsaWVudC1zZWNyZXQ=" // cli-R00MGATE:sec-fake-client-secret
	code, tok := do(t, http.MethodPost, s.TokenURL()+"?grant_type=account_credentials&account_id="+DefaultAccountID, basic, "")
	if code != 200 || tok["token_type"] != "bearer" || tok["expires_in"] != 3600.0 || tok["scope"] != strings.Join(AllScopes, " ") {
		t.Fatalf("token by query: %d %v", code, tok)
	}
	at := tok["access_token"].(string)
	tests := []struct {
		name, method, url, auth, body string
		wantCode                      int
		wantZoomCode                  float64
	}{
		{"token in the query", "GET", s.APIURL() + "/users/me?access_token=" + url.QueryEscape(at), "", "", 401, 124},
		{"no token", "GET", s.APIURL() + "/users/" + DefaultUser.ID, "", "", 401, 124},
		{"user by ID", "GET", s.APIURL() + "/users/" + DefaultUser.ID, "Bearer " + at, "", 200, 0},
		{"body not JSON", "POST", s.APIURL() + "/users/" + DefaultUser.ID + "/meetings", "Bearer " + at, "topic=x", 400, 300},
		{"wrong grant", "POST", s.TokenURL() + "?grant_type=client_credentials", basic, "", 400, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := do(t, tt.method, tt.url, tt.auth, tt.body)
			if code != tt.wantCode || (tt.wantZoomCode != 0 && body["code"] != tt.wantZoomCode) {
				t.Fatalf("%d %v, want %d code %v", code, body, tt.wantCode, tt.wantZoomCode)
			}
		})
	}
	now = now.Add(time.Hour)
	if code, body := do(t, "GET", s.APIURL()+"/users/"+DefaultUser.ID, "Bearer "+at, ""); code != 401 {
		t.Fatalf("an expired token got %d %v", code, body)
	}
	if got := s.Count("GET", "/v2/users/"); got != 4 {
		t.Fatalf("Count = %d, want 4", got)
	}
}
