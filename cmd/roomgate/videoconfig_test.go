package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// jitsiSecret is the app secret of the tests' Jitsi server (32 bytes).
const jitsiSecret = "0123456789abcdef0123456789abcdef"

// jitsiConfig writes the example configuration with a [video.jitsi]
// section (its secret in a file) and the extra text given.
func jitsiConfig(t *testing.T, extra string, edit ...string) string {
	t.Helper()
	path := writeConfig(t, edit...)
	secret := writeSecret(t, path, "jitsi_app_secret", jitsiSecret)
	return appendConfig(t, path, fmt.Sprintf("\n[video.jitsi]\nbase_url = \"https://meet.coop.example\"\napp_id = \"roomgate\"\napp_secret_file = %q\n%s", secret, extra))
}

// TestVideoConfig: [video.jitsi] becomes the gateway's free tool; a tool
// behind doors without the web server, an "any" address without a tool
// and a misspelt key are refused with their key's name.
func TestVideoConfig(t *testing.T) {
	c, err := LoadConfig(jitsiConfig(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	if o := c.gatewayOptions(); len(o.FreeTools) != 1 || o.FreeTools[0].Name() != "jitsi" {
		t.Errorf("free tools %v, want jitsi", o.FreeTools)
	}
	c, err = LoadConfig(writeConfig(t, "# tools = \"any\"", "tools = \"any\""))
	if err != nil {
		t.Fatal(err)
	}
	if w := strings.Join(c.warnings, "\n"); !strings.Contains(w, `rooms[0].tools = "any": no free tool is configured`) {
		t.Errorf("an \"any\" address without a free tool: warnings %q", w)
	}
	for _, tc := range []struct{ name, path, want string }{
		{"bbb without web server", jitsiConfig(t, "[video.bbb]\nurl = \"https://bbb.coop.example/bigbluebutton/\"\nsecret = \""+jitsiSecret+"\"\n"), "video.bbb: its links lead to roomgate's web server, which needs [http] listen"},
		{"bbb short secret", jitsiConfig(t, "[video.bbb]\nurl = \"https://bbb.coop.example/bigbluebutton/\"\nsecret = \"short\"\n"), "video.bbb.secret: at least 16"},
		{"misspelt", jitsiConfig(t, "app_secrett = \"x\"\n"), "video.jitsi.app_secrett (did you mean video.jitsi.app_secret?)"},
		{"short secret", jitsiConfig(t, "app_secret = \"short\"\n"), "video.jitsi.app_secret"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadConfig(tc.path)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("LoadConfig: %v, want %q", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), jitsiSecret) {
				t.Errorf("the error quotes the secret: %v", err)
			}
		})
	}
}

// TestProcessJitsi: with Zoom taken, a member's request is declined on
// Zoom and held on Jitsi: the mail gives a moderator link whose token is
// signed with the server's secret for that room and slot, and the booking
// is listed on Jitsi.
func TestProcessJitsi(t *testing.T) {
	cfg := jitsiConfig(t, "", `booking_window_days = 180`, `booking_window_days = 365`,
		`dsn = "/var/lib/roomgate/roomgate.db"`, `dsn = "`+filepath.Join(t.TempDir(), "jitsi.db")+`"`)
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	at := time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC)
	var sent string
	for i, who := range []string{"alice@coop.example", "bob@coop.example"} {
		req := request(fmt.Sprintf("jitsi-%d", i), who, 0, at, at.Add(time.Hour))
		req.Stamp = t0
		out := t.TempDir()
		cmd(t, 0, "process", "-config", cfg, "-outbox", out, "-now", t0.Format(time.RFC3339), writeMail(t, "req.eml", req.mail()))
		sent = strings.ReplaceAll(readAll(t, out), "=\r\n", "") // bob's, in the end
	}
	sent = strings.ReplaceAll(sent, "=3D", "=")
	links := regexp.MustCompile(`https://meet\.coop\.example/([a-z0-9]+)\?jwt=([A-Za-z0-9_.-]+)`).FindAllStringSubmatch(sent, -1)
	if len(links) == 0 {
		t.Fatalf("bob's mail has no Jitsi link:\n%s", sent)
	}
	moderator := false
	for _, l := range links {
		claims := verifyHS256(t, l[2], jitsiSecret)
		if claims["room"] != l[1] {
			t.Errorf("token for room %v in the link to %s", claims["room"], l[1])
		}
		if nbf, exp := claims["nbf"].(float64), claims["exp"].(float64); int64(nbf) > at.Unix() || int64(exp) < at.Add(time.Hour).Unix() {
			t.Errorf("token valid %v–%v, not over the slot", nbf, exp)
		}
		moderator = moderator || claims["moderator"] == true
	}
	if !moderator {
		t.Errorf("no moderator link in bob's mail")
	}
	var bs []bookingLine
	out := cmd(t, 0, "bookings", "list", "-config", cfg, "-from", "2026-03-09", "-to", "2026-03-10", "-status", "all", "-json")
	if err := json.Unmarshal([]byte(out), &bs); err != nil {
		t.Fatalf("bookings list: %v\n%s", err, out)
	}
	got := map[string]string{}
	for _, b := range bs {
		got[b.UID] = b.Status + " " + b.Provider
	}
	if got["jitsi-0"] != "accepted " || got["jitsi-1"] != "accepted jitsi" {
		t.Errorf("bookings: %v", got)
	}
}

// verifyHS256 checks a JWT's HS256 signature (RFC 7515 §5.2, RFC 7518
// §3.2) and returns its claims.
func verifyHS256(t *testing.T, token, secret string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not a JWS compact serialization", token)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(parts[0] + "." + parts[1]))
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
		t.Fatalf("token signature does not verify with the server's secret")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}
