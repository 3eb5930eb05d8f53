package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/mailbox/mailtest"
)

// relayLatency turns on TestCodeRelayLatency.
var relayLatency = flag.Bool("relay-latency", false, "measure the relay of 200 sign-in codes (TestCodeRelayLatency)")

const testMX = "mx.coop.example"

// zoomCodeMail is a sign-in code mail as Zoom sends it and the operator's
// server receives it (Received and Authentication-Results on top).
func zoomCodeMail(code string, received time.Time) []byte {
	var b strings.Builder
	w := func(s string) { b.WriteString(s + "\r\n") }
	w("Received: from o1.email.zoom.us (o1.email.zoom.us [192.0.2.7]) by " + testMX + " (Postfix); " +
		received.Format(time.RFC1123Z))
	w("Authentication-Results: " + testMX + "; dkim=pass (2048-bit key; unprotected) header.d=zoom.us header.s=sg")
	w("From: Zoom <no-reply@zoom.us>")
	w("To: zoom@coop.example")
	w("Subject: Code for signing in to Zoom")
	w("Date: " + received.Format(time.RFC1123Z))
	w(fmt.Sprintf("Message-ID: <%d.%s@zoom.us>", received.UnixNano(), code))
	w("MIME-Version: 1.0")
	w(`Content-Type: multipart/alternative; boundary="zb"`)
	w("")
	w("--zb\r\nContent-Type: text/plain; charset=UTF-8\r\n")
	w("We detected an unusual sign-in. Enter the code below to sign in to Zoom.\r\n\r\n" + code + "\r\n")
	w("The code will expire in 10 minutes.\r\n\r\n+1.888.799.9666\r\nSan Jose, CA 95113")
	w("--zb\r\nContent-Type: text/html; charset=UTF-8\r\n")
	w(`<html><head><style>td{color:#123456}</style></head><body><table><tr><td>Enter the code below.</td></tr>` +
		`<tr><td style="font-size:32px">` + code + `</td></tr><tr><td>+1.888.799.9666 CA 95113</td></tr></table></body></html>`)
	w("--zb--")
	return []byte(b.String())
}

// hook is a chat webhook on 127.0.0.1 that fails the first `fail` posts.
type hook struct {
	srv    *httptest.Server
	mu     sync.Mutex
	fail   int
	hits   int
	bodies []string
	got    chan struct{}
}

func newHook(t *testing.T, fail int) *hook {
	h := &hook{fail: fail, got: make(chan struct{}, 100)}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		defer h.mu.Unlock()
		h.hits++
		if h.hits <= h.fail {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		h.bodies = append(h.bodies, string(body))
		h.got <- struct{}{}
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// wait waits for n successful posts and returns their bodies.
func (h *hook) wait(t *testing.T, n int) []string {
	t.Helper()
	for range n {
		select {
		case <-h.got:
		case <-time.After(20 * time.Second):
			t.Fatalf("webhook: fewer than %d posts", n)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.bodies)
}

// relayConfig is testConfig with the relay on.
func relayConfig(t *testing.T, srv *mailtest.IMAPServer, sink *mailtest.SMTPSink, hookURL string) *Config {
	cfg := testConfig(t, srv, sink)
	cfg.Relay.Facilitators = []string{"tech@coop.example", "anim@coop.example"}
	cfg.Auth.AuthservID, cfg.Relay.WebhookURL = testMX, hookURL
	if err := cfg.validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestServeCodeRelay: a code mail appended to the inbox reaches the
// facilitators at the SMTP sink and the chat, whose webhook fails twice
// before it answers.
func TestServeCodeRelay(t *testing.T) {
	srv := mailtest.NewIMAPServer(t, "zoom@coop.example", "pw")
	sink := mailtest.NewSMTPSink(t)
	hk := newHook(t, 2)
	startDaemon(t, relayConfig(t, srv, sink, hk.srv.URL+"/hooks/s3cr3t"))
	now := time.Now()
	srv.Append(t, "INBOX", zoomCodeMail("483920", now))
	msgs := sink.Wait(t, 2, 20*time.Second)
	want := "Code Zoom 483920 — valable jusqu'à " + now.Add(10*time.Minute).In(paris(t)).Format("15:04")
	var to []string
	for _, m := range msgs {
		to = append(to, m.To...)
		if _, subject, _ := describeReply(m.Data); subject != want {
			t.Errorf("subject %q, want %q", subject, want)
		}
	}
	slices.Sort(to)
	if !slices.Equal(to, []string{"anim@coop.example", "tech@coop.example"}) {
		t.Errorf("sent to %v", to)
	}
	bodies := hk.wait(t, 1)
	var chat struct{ Text string }
	if err := json.Unmarshal([]byte(bodies[0]), &chat); err != nil || !strings.Contains(chat.Text, "`483920`") {
		t.Errorf("chat body %q (%v)", bodies[0], err)
	}
	waitFolder(t, srv, "roomgate/Processed", 1)
}

func paris(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestProcessZoomMail: `roomgate process` reports Zoom mail and writes
// what it would send, the chat message included, into -outbox.
func TestProcessZoomMail(t *testing.T) {
	dir := t.TempDir()
	cfgPath := writeConfig(t, `webhook_url_file = ""`, `webhook_url = "https://chat.coop.example/hooks/s3cr3t"`,
		`dsn = "/var/lib/roomgate/roomgate.db"`, `dsn = "`+filepath.Join(dir, "roomgate.db")+`"`)
	now := time.Date(2026, 12, 1, 13, 30, 0, 0, time.UTC)
	files := map[string][]byte{
		"code.eml":    zoomCodeMail("483920", now.Add(-time.Minute)),
		"expired.eml": zoomCodeMail("551177", now.Add(-time.Hour)),
		"forged.eml":  bytes.Replace(zoomCodeMail("999999", now), []byte(testMX+";"), []byte("evil.example;"), 1),
	}
	args := []string{"process", "-config", cfgPath, "-outbox", filepath.Join(dir, "out"), "-now", now.Format(time.RFC3339)}
	for _, name := range []string{"code.eml", "expired.eml", "forged.eml"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, files[name], 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, p)
	}
	var stdout, stderr bytes.Buffer
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var got []string
	for l := range strings.Lines(stdout.String()) {
		var pl processLine
		if err := json.Unmarshal([]byte(l), &pl); err != nil {
			t.Fatal(err)
		}
		got = append(got, filepath.Base(pl.File)+" "+string(pl.Kind)+" "+string(pl.Action))
	}
	want := []string{"code.eml zoom-code relayed", "expired.eml zoom-code relayed", "forged.eml zoom-code rejected"}
	if !slices.Equal(got, want) {
		t.Errorf("process printed %q, want %q", got, want)
	}
	names, _ := filepath.Glob(filepath.Join(dir, "out", "*"))
	for i := range names {
		names[i] = filepath.Base(names[i])
	}
	wantFiles := []string{"0001-tech@coop.example.eml", "0002-webhook.json", "0003-tech@coop.example.eml", "0004-tech@coop.example.eml"}
	if !slices.Equal(names, wantFiles) {
		t.Errorf("outbox files %v, want %v", names, wantFiles)
	}
	if strings.Contains(stderr.String(), "s3cr3t") || strings.Contains(stderr.String(), "483920") {
		t.Errorf("the log shows a secret:\n%s", stderr.String())
	}
}

func TestRelayConfig(t *testing.T) {
	c, err := LoadConfig(writeConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	o := c.gatewayOptions().Relay
	if o.ReminderBefore != 15*time.Minute || o.RecordingReminderAfter != 12*time.Hour || c.Relay.CodeValidity.Duration != 10*time.Minute ||
		c.Auth.AuthservID != testMX || !slices.Equal(c.Relay.ZoomSenders, []string{"no-reply@zoom.us"}) || c.gatewayOptions().Notices == nil {
		t.Errorf("relay options %+v, config %+v", o, c.Relay)
	}
	c, err = LoadConfig(writeConfig(t, `reminder_before = "15m"`, `reminder_before = "0"`))
	if err != nil || c.gatewayOptions().Relay.ReminderBefore != 0 {
		t.Errorf("reminder_before = \"0\": %v, %v", err, c)
	}
	t.Setenv("ROOMGATE_WEBHOOK_URL", "https://chat.coop.example/hooks/from-env")
	if c, err = LoadConfig(writeConfig(t)); err != nil || c.Relay.WebhookURL != "https://chat.coop.example/hooks/from-env" {
		t.Errorf("webhook from the environment: %v", err)
	}
}

func TestRelayConfigErrors(t *testing.T) {
	tests := []struct {
		name     string
		replace  []string
		wantText string
	}{
		{"no way to authenticate", []string{`authserv_id = "mx.coop.example"`, `authserv_id = ""`}, "set authentication.authserv_id"},
		{"plain http webhook", []string{`webhook_url_file = ""`, `webhook_url = "http://chat.coop.example/hooks/x"`}, "webhook_url must be an https:// URL"},
		{"bad facilitator", []string{`"tech@coop.example"`, `"tech"`}, `relay: invalid address "tech"`},
		{"negative lead", []string{`reminder_before = "15m"`, `reminder_before = "-1m"`}, "not negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadConfig(writeConfig(t, tt.replace...))
			if err == nil || !strings.Contains(err.Error(), tt.wantText) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.wantText)
			}
			if strings.Contains(err.Error(), "hooks/x") {
				t.Errorf("the error shows the webhook URL: %v", err)
			}
		})
	}
}
