package zoomapi

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	const zoomDaily = "You have exceeded the daily rate limit (100) of Meeting Create/Update API requests permitted for this particular user. You may resume these requests at GMT 00:00:00."
	daily := map[string]string{"X-RateLimit-Category": "Medium", "X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "0"}
	tests := []struct {
		name      string
		header    map[string]string
		msg       string
		want      time.Duration
		wantDaily bool
	}{
		{"daily limit as Zoom sends it", daily, zoomDaily, 15 * time.Hour, true},
		{"daily limit, other hour", daily, "You may resume these requests at GMT 09:30:00.", 30 * time.Minute, true},
		{"daily limit, the hour just passed", daily, "You may resume these requests at GMT 09:00:00.", 24 * time.Hour, true},
		{"daily limit without a time", daily, "Too many requests.", 15 * time.Hour, true},
		{"daily limit, garbled time", nil, "You may resume these requests at GMT 25:00:00. daily", 15 * time.Hour, true},
		{"delta seconds", map[string]string{"Retry-After": "7"}, "", 7 * time.Second, false},
		{"HTTP-date", map[string]string{"Retry-After": "Mon, 02 Mar 2026 09:00:30 GMT"}, "", 30 * time.Second, false},
		{"RFC 3339", map[string]string{"Retry-After": "2026-03-03T00:00:00Z"}, "", 15 * time.Hour, false},
		{"date past", map[string]string{"Retry-After": "2026-03-01T00:00:00Z"}, "", 0, false},
		{"garbage", map[string]string{"Retry-After": "soon"}, "", 0, false},
		{"negative", map[string]string{"Retry-After": "-3"}, "", 0, false},
		{"QPS without Retry-After", map[string]string{"X-RateLimit-Type": "QPS"}, "", time.Second, false},
		{"nothing", nil, "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			if got, daily := retryAfter(h, tt.msg, now); got != tt.want || daily != tt.wantDaily {
				t.Fatalf("retryAfter = %s, %v; want %s, %v", got, daily, tt.want, tt.wantDaily)
			}
		})
	}
}

func TestMissingScopes(t *testing.T) {
	tests := []struct {
		name, msg string
		want      []string
		ok        bool
	}{
		{"two scopes", "Invalid access token, does not contain scopes:[meeting:write:admin, meeting:write].",
			[]string{"meeting:write:admin", "meeting:write"}, true},
		{"one scope spaced", "Invalid access token, does not contain scopes: [user_zak:read].", []string{"user_zak:read"}, true},
		{"no list", "Invalid access token, does not contain scopes", nil, true},
		{"other message", "Invalid access token.", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := missingScopes(tt.msg)
			if ok != tt.ok || !slices.Equal(got, tt.want) {
				t.Fatalf("missingScopes = %q, %v; want %q, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestMeetingPath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"81234567890", "81234567890"},
		{"4444AAAiAAAAAiAiAiiAii==", "4444AAAiAAAAAiAiAiiAii=="},
		{"/ajXp112QmuoKj4854875==", "%252FajXp112QmuoKj4854875=="},
		{"ab//cd==", "ab%252F%252Fcd=="},
		{"ab/cd==", "ab%252Fcd=="}, // any "/": Zoom's own pages ask it so
	}
	for _, tt := range tests {
		if got := meetingPath(tt.in); got != tt.want {
			t.Errorf("meetingPath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMeetingRequestBody(t *testing.T) {
	start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.FixedZone("CET", 3600))
	ok := MeetingRequest{Topic: "Atelier", StartTime: start, Duration: 90 * time.Minute, Password: "aB3@-_*x"}
	tests := []struct {
		name    string
		mod     func(*MeetingRequest)
		create  bool
		wantErr string
	}{
		{"valid", func(*MeetingRequest) {}, true, ""},
		{"passcode too long", func(r *MeetingRequest) { r.Password = "12345678901" }, true, "at most 10"},
		{"passcode bad character", func(r *MeetingRequest) { r.Password = "ab cd" }, true, "may only hold"},
		{"passcode not ASCII", func(r *MeetingRequest) { r.Password = "abcé" }, true, "may only hold"},
		{"duration under a minute", func(r *MeetingRequest) { r.Duration = 30 * time.Second }, true, "minutes"},
		{"create without topic", func(r *MeetingRequest) { r.Topic = " \x01 " }, true, "required"},
		{"update without topic", func(r *MeetingRequest) { r.Topic = "" }, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ok
			tt.mod(&r)
			_, err := r.body(tt.create)
			if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("body() error = %v, want %q", err, tt.wantErr)
			}
		})
	}
	b, _ := ok.body(true)
	if b.StartTime != "2026-03-02T09:00:00Z" || b.Duration != 90 {
		t.Fatalf("start %q duration %d, want 2026-03-02T09:00:00Z and 90", b.StartTime, b.Duration)
	}
}

func TestCleanText(t *testing.T) {
	long := strings.Repeat("é", 250)
	if got := cleanText(long, maxTopic); got != strings.Repeat("é", 200) {
		t.Fatalf("cut to %d runes, want 200", len([]rune(got)))
	}
	if got := cleanText("  Réunion\x00\x1b[31m du\tlundi\r\n", maxTopic); got != "Réunion[31m dulundi" {
		t.Fatalf("cleanText = %q", got)
	}
}

func TestNewPasscode(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		p := NewPasscode()
		if len(p) != 10 || checkPasscode(p) != nil || !strings.ContainsAny(p, "23456789") ||
			strings.ContainsAny(p, "01lIoO") {
			t.Fatalf("NewPasscode() = %q", p)
		}
		seen[p] = true
	}
	if len(seen) < 199 {
		t.Fatalf("only %d distinct passcodes out of 200", len(seen))
	}
}

func TestBackoff(t *testing.T) {
	c := &Client{opt: Options{BaseBackoff: time.Second, MaxBackoff: 5 * time.Second,
		Jitter: func(d time.Duration) time.Duration { return d }}}
	var got []time.Duration
	for n := 1; n <= 5; n++ {
		got = append(got, c.backoff(n))
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}
	if !slices.Equal(got, want) {
		t.Fatalf("backoff = %v, want %v", got, want)
	}
	for range 100 {
		if d := halfJitter(8 * time.Second); d < 4*time.Second || d > 8*time.Second {
			t.Fatalf("halfJitter(8s) = %s", d)
		}
	}
}

func TestSecretNeverPrinted(t *testing.T) {
	s := Secret("sk-very-secret")
	m := Meeting{StartURL: "https://zoom.us/s/1?zak=sk-very-secret"}
	for _, out := range []string{s.String(), s.GoString(), s.LogValue().String(),
		strings.Join([]string{sprint(s), sprint(m), sprintPlus(m)}, " ")} {
		if strings.Contains(out, "sk-very-secret") {
			t.Fatalf("secret printed: %s", out)
		}
	}
	if s.Reveal() != "sk-very-secret" {
		t.Fatal("Reveal lost the value")
	}
}
