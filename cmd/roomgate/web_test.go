package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/mailbox/mailtest"
)

const (
	testMemberToken   = "member-token-for-tests"
	testOperatorToken = "operator-token-for-tests"
)

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// httpGet fetches a URL and returns the status and body.
func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// waitHTTP polls url until it answers code with a body containing want.
func waitHTTP(t *testing.T, url string, code int, want string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, body := httpGet(t, url)
		if got == code && strings.Contains(body, want) {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: %d %q, want %d with %q", url, got, body, code, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestServeWeb(t *testing.T) {
	imapSrv := mailtest.NewIMAPServer(t, "zoom@coop.example", "pw")
	cfg := testConfig(t, imapSrv, mailtest.NewSMTPSink(t))
	cfg.HTTP = HTTPConfig{Listen: freeAddr(t), Token: testMemberToken, OperatorToken: testOperatorToken, Show: "titles"}
	startDaemon(t, cfg)
	base := "http://" + cfg.HTTP.Listen
	waitHTTP(t, base+"/healthz", http.StatusOK, `"imap":"connected"`)
	waitHTTP(t, base+"/?token="+testMemberToken, http.StatusOK, "Agenda de la salle")
	waitHTTP(t, base+"/metrics?token="+testOperatorToken, http.StatusOK, "roomgate_imap_connected 1")
	if code, _ := httpGet(t, base+"/"); code != http.StatusUnauthorized {
		t.Errorf("agenda without token: %d, want 401", code)
	}
	imapSrv.Close()
	waitHTTP(t, base+"/healthz", http.StatusServiceUnavailable, `"imap":"disconnected"`)
	waitHTTP(t, base+"/agenda.ics?token="+testMemberToken, http.StatusOK, "BEGIN:VCALENDAR")
}

func TestServeWebWithoutIMAP(t *testing.T) {
	imapSrv := mailtest.NewIMAPServer(t, "zoom@coop.example", "pw")
	cfg := testConfig(t, imapSrv, mailtest.NewSMTPSink(t))
	imapSrv.Close()
	cfg.IMAP.Address = freeAddr(t)
	cfg.HTTP = HTTPConfig{Listen: freeAddr(t), Token: testMemberToken, Show: "busy"}
	d := startDaemon(t, cfg)
	base := "http://" + cfg.HTTP.Listen
	body := waitHTTP(t, base+"/healthz", http.StatusServiceUnavailable, `"imap":"disconnected"`)
	if !strings.Contains(body, `"database":"ok"`) {
		t.Errorf("health: %s", body)
	}
	waitHTTP(t, base+"/?token="+testMemberToken, http.StatusOK, "Agenda de la salle")
	if code, _ := httpGet(t, base+"/operator/?token="+testMemberToken); code != http.StatusNotFound {
		t.Errorf("operator pages without operator token: %d, want 404", code)
	}
	d.stop(t)
	if code, _ := httpGet(t, base+"/healthz"); code != 0 {
		t.Errorf("web server still answers after stop: %d", code)
	}
}

func TestHTTPConfig(t *testing.T) {
	long := strings.Repeat("x", 16)
	tests := []struct {
		name string
		h    HTTPConfig
		want string // "" when valid
	}{
		{"off", HTTPConfig{Show: "titles"}, ""},
		{"on", HTTPConfig{Listen: "127.0.0.1:8080", Token: long, OperatorToken: long + "y", Show: "busy"}, ""},
		{"no token", HTTPConfig{Listen: "127.0.0.1:8080", Show: "titles"}, "http.token: at least 16"},
		{"short token", HTTPConfig{Listen: "127.0.0.1:8080", Token: "abc", Show: "titles"}, "http.token: at least 16"},
		{"same tokens", HTTPConfig{Listen: "127.0.0.1:8080", Token: long, OperatorToken: long, Show: "titles"}, "must differ"},
		{"short operator token", HTTPConfig{Listen: "127.0.0.1:8080", Token: long, OperatorToken: "op", Show: "titles"}, "http.operator_token: at least 16"},
		{"bad listen", HTTPConfig{Listen: "8080", Token: long, Show: "titles"}, "http.listen"},
		{"bad show", HTTPConfig{Show: "all"}, "http.show"},
	}
	for _, tt := range tests {
		var errs []string
		tt.h.validate(func(f string, a ...any) { errs = append(errs, fmt.Sprintf(f, a...)) })
		got := strings.Join(errs, "; ")
		if (tt.want == "" && got != "") || !strings.Contains(got, tt.want) {
			t.Errorf("%s: errors %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestHTTPConfigSecrets(t *testing.T) {
	t.Setenv("ROOMGATE_HTTP_TOKEN", "token-from-the-environment")
	dir := t.TempDir()
	opFile := filepath.Join(dir, "operator.token")
	if err := os.WriteFile(opFile, []byte("operator-token-from-a-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := LoadConfig(writeConfig(t, `listen = ""`, `listen = "127.0.0.1:8080"`,
		`show = "titles"`, `show = "busy"`, `operator_token_file = ""`, `operator_token_file = "`+opFile+`"`))
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.Token != "token-from-the-environment" || c.HTTP.OperatorToken != "operator-token-from-a-file" || c.HTTP.Show != "busy" {
		t.Errorf("http section: %+v", c.HTTP)
	}
	t.Setenv("ROOMGATE_HTTP_TOKEN", "")
	if _, err := LoadConfig(writeConfig(t, `listen = ""`, `listen = "127.0.0.1:8080"`)); err == nil || !strings.Contains(err.Error(), "http.token") {
		t.Errorf("listen without token: %v", err)
	}
	if c, err := LoadConfig(writeConfig(t)); err != nil || c.HTTP.Listen != "" || c.HTTP.Show != "titles" {
		t.Errorf("example config: %v, http %+v", err, c.HTTP)
	}
}
