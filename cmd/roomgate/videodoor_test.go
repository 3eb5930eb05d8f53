package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/meetings/bbb"
	"codeberg.org/opteos/roomgate/meetings/bbb/bbbtest"
	"codeberg.org/opteos/roomgate/web"
)

// bbbSecret is the shared secret of the tests' BigBlueButton server.
const bbbSecret = "bbb-shared-secret-0123456789abcdef"

// testPublicURL is the web server's address in the door tests.
const testPublicURL = "https://salles.coop.example"

// doorConfig writes the example configuration with the web server on, a
// [video.bbb] section for the fake server at apiURL (its secret in a
// file), and the extra text given.
func doorConfig(t *testing.T, apiURL, extra string, edit ...string) string {
	t.Helper()
	edit = append(edit, `listen = ""`, `listen = "127.0.0.1:8089"`, `token_file = ""`, `token = "`+testMemberToken+`"`,
		`public_url = ""`, `public_url = "`+testPublicURL+`"`)
	path := writeConfig(t, edit...)
	secret := writeSecret(t, path, "bbb_secret", bbbSecret)
	return appendConfig(t, path, fmt.Sprintf("\n[video.bbb]\nurl = %q\nsecret_file = %q\n%s", apiURL, secret, extra))
}

// TestProcessBBBDoor: with Zoom taken, a member's request is declined on
// Zoom and held on BigBlueButton, with no call to its server; the mail
// gives two doors on roomgate's web server. A door refuses before its
// window, after it, forged or tampered with, and once the booking is
// cancelled; within the window the booker's door creates the meeting and
// redirects to a join URL as moderator that the server accepts, and the
// guests' asks a name and joins as viewer under it.
func TestProcessBBBDoor(t *testing.T) {
	srv := bbbtest.New(bbbtest.Options{Secret: bbbSecret})
	defer srv.Close()
	dsn := filepath.Join(t.TempDir(), "bbb.db")
	cfgPath := doorConfig(t, srv.URL+"/bigbluebutton/", "", `booking_window_days = 180`, `booking_window_days = 365`,
		`dsn = "/var/lib/roomgate/roomgate.db"`, `dsn = "`+dsn+`"`)
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	at := time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC)
	var sent string
	for i, who := range []string{"alice@coop.example", "bob@coop.example"} {
		req := request(fmt.Sprintf("bbb-%d", i), who, 0, at, at.Add(time.Hour))
		req.Stamp = t0
		out := t.TempDir()
		cmd(t, 0, "process", "-config", cfgPath, "-outbox", out, "-now", t0.Format(time.RFC3339), writeMail(t, "req.eml", req.mail()))
		sent = strings.ReplaceAll(readAll(t, out), "=\r\n", "") // bob's, in the end
	}
	if n := srv.Calls("create"); n != 0 {
		t.Errorf("the decision called create %d times; the door should", n)
	}
	sent = strings.ReplaceAll(sent, "=3D", "=")
	doors := regexp.MustCompile(regexp.QuoteMeta(testPublicURL)+`(/door/bbb/[0-9a-f]+\.[0-9]+\.[0-9]+\.([hg])\.[A-Za-z0-9_-]+)`).FindAllStringSubmatch(sent, -1)
	paths := map[string]string{}
	for _, d := range doors {
		paths[d[2]] = d[1]
	}
	if paths["h"] == "" || paths["g"] == "" {
		t.Fatalf("bob's mail lacks the booker's or the guests' door:\n%s", sent)
	}

	cfg, err := LoadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	store := openStore(t, "sqlite", dsn)
	now := at.Add(-time.Hour)
	opt := cfg.webOptions(store, nil, nil)
	opt.Doors = cfg.Video.doorOptions()
	opt.Now = func() time.Time { return now }
	h, err := web.New(opt)
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) *httptest.ResponseRecorder {
		t.Helper()
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		return w
	}

	// Before the window: the page says when the door opens (09:45 in Paris).
	if w := get(paths["h"]); w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "09:45") {
		t.Errorf("early: %d %s", w.Code, w.Body)
	}
	// Within the window: the booker's door creates the meeting and
	// redirects to a join URL the server accepts, as moderator.
	now = at.Add(-10 * time.Minute)
	// Forged or tampered doors, within the window.
	tampered := []string{
		strings.Replace(paths["g"], ".g.", ".h.", 1),                  // a guest making themself moderator
		strings.Replace(paths["h"], "/door/bbb/", "/door/galene/", 1), // another tool
		flipMAC(paths["h"]), // the MAC
		regexp.MustCompile(`\.[0-9]+\.h\.`).ReplaceAllString(paths["h"], ".9999999999.h."), // the end
	}
	for _, p := range tampered {
		if w := get(p); (w.Code != http.StatusForbidden && w.Code != http.StatusNotFound) || !strings.Contains(w.Body.String(), "pas valable") {
			t.Errorf("tampered door %s: %d, want a refusal", p, w.Code)
		}
	}

	w := get(paths["h"])
	if w.Code != http.StatusSeeOther {
		t.Fatalf("booker's door: %d %s", w.Code, w.Body)
	}
	if n := srv.Calls("create"); n != 1 {
		t.Errorf("create called %d times, want 1", n)
	}
	join := w.Header().Get("Location")
	if !strings.HasPrefix(join, srv.URL+"/bigbluebutton/api/join?") {
		t.Fatalf("redirect to %q, not the server's join", join)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noFollow.Get(join)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound || !strings.HasPrefix(res.Header.Get("Location"), "/client/join") {
		t.Fatalf("the server refused the join URL: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	// The checksum is the API's over the query, under the shared secret.
	u, _ := url.Parse(join)
	q, cs, _ := strings.Cut(u.RawQuery, "&checksum=")
	if want := bbb.Checksum(bbb.SHA256, "join", q, []byte(bbbSecret)); cs != want {
		t.Errorf("join checksum %s, want %s", cs, want)
	}

	// The guests' door asks a name, then joins as viewer under it; the
	// meeting is the same (create again: idempotent on the server).
	if w := get(paths["g"]); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `name="name"`) {
		t.Errorf("guests' door without a name: %d %s", w.Code, w.Body)
	}
	w = get(paths["g"] + "?name=" + url.QueryEscape("Chloé\x07 Martin"))
	if w.Code != http.StatusSeeOther {
		t.Fatalf("guests' door: %d %s", w.Code, w.Body)
	}
	if res, err := noFollow.Get(w.Header().Get("Location")); err != nil || res.StatusCode != http.StatusFound {
		t.Fatalf("the server refused the guest's join URL: %v %v", res, err)
	}
	joins := srv.Joins()
	if len(joins) != 2 || joins[0].Role != "MODERATOR" || joins[0].FullName != "bob" ||
		joins[1].Role != "VIEWER" || joins[1].FullName != "Chloé Martin" || joins[0].MeetingID != joins[1].MeetingID {
		t.Errorf("joins %+v", joins)
	}

	// After the end.
	now = at.Add(time.Hour)
	if w := get(paths["h"]); w.Code != http.StatusGone {
		t.Errorf("after the end: %d", w.Code)
	}

	// A failing server: a page and a logged reason, no redirect.
	now = at.Add(10 * time.Minute)
	srv.FailNext("create", "internalError", "boom")
	if w := get(paths["h"]); w.Code != http.StatusBadGateway {
		t.Errorf("failing server: %d %s", w.Code, w.Body)
	}

	// Once cancelled, the doors say so.
	cancel := request("bbb-1", "bob@coop.example", 1, at, at.Add(time.Hour))
	cancel.Method, cancel.Stamp = "CANCEL", t0.Add(time.Hour)
	cmd(t, 0, "process", "-config", cfgPath, "-outbox", t.TempDir(), "-now", t0.Add(time.Hour).Format(time.RFC3339), writeMail(t, "cancel.eml", cancel.mail()))
	for _, p := range []string{paths["h"], paths["g"] + "?name=Chlo%C3%A9"} {
		if w := get(p); w.Code != http.StatusGone || !strings.Contains(w.Body.String(), "annulée") {
			t.Errorf("cancelled booking's door %s: %d %s", p, w.Code, w.Body)
		}
	}
	if n := srv.Calls("create"); n != 3 {
		t.Errorf("create called %d times, want 3 (two doors and the failure)", n)
	}
}

// TestVideoOrder: the free tools are offered in the order the file
// writes their sections.
func TestVideoOrder(t *testing.T) {
	for _, tc := range []struct {
		jitsiFirst bool
		want       string
	}{{true, "jitsi bbb"}, {false, "bbb jitsi"}} {
		path := doorConfig(t, "https://bbb.coop.example/bigbluebutton/", "")
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		j := fmt.Sprintf("\n[video.jitsi]\nbase_url = \"https://meet.coop.example\"\napp_id = \"roomgate\"\napp_secret = %q\n", jitsiSecret)
		s := string(b)
		if tc.jitsiFirst {
			i := strings.Index(s, "\n[video.bbb]")
			s = s[:i] + j + s[i:]
		} else {
			s += j
		}
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := LoadConfig(path)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, tool := range c.gatewayOptions().FreeTools {
			got = append(got, tool.Name())
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("tools %v, want %s", got, tc.want)
		}
		var out strings.Builder
		printTools(&out, c)
		if !strings.Contains(out.String(), "bbb https://bbb.coop.example/bigbluebutton/") || strings.Contains(out.String(), bbbSecret) {
			t.Errorf("check prints:\n%s", out.String())
		}
	}
}

// flipMAC changes the first character of a door's MAC.
func flipMAC(p string) string {
	i := strings.LastIndexByte(p, '.') + 1
	c := byte('A')
	if p[i] == 'A' {
		c = 'B'
	}
	return p[:i] + string(c) + p[i+1:]
}

// TestGaleneConfig: [video.galene] becomes a free tool behind doors, its
// password read from the environment and never printed; without the web
// server's public address it is refused.
func TestGaleneConfig(t *testing.T) {
	const password = "galene-admin-password-0123"
	t.Setenv("ROOMGATE_GALENE_ADMIN_PASSWORD", password)
	section := "\n[video.galene]\nurl = \"https://galene.coop.example:8443\"\nadmin_user = \"roomgate\"\n"
	web := []string{`listen = ""`, `listen = "127.0.0.1:8089"`, `token_file = ""`, `token = "` + testMemberToken + `"`}
	appendTo := func(path string) string { return appendConfig(t, path, section) }
	_, err := LoadConfig(appendTo(writeConfig(t, web...)))
	if err == nil || !strings.Contains(err.Error(), "video.galene: its links lead to roomgate's web server, which needs http.public_url") {
		t.Errorf("without public_url: %v", err)
	}
	c, err := LoadConfig(appendTo(writeConfig(t, append(web, `public_url = ""`, `public_url = "`+testPublicURL+`"`)...)))
	if err != nil {
		t.Fatal(err)
	}
	if o := c.gatewayOptions(); len(o.FreeTools) != 1 || o.FreeTools[0].Name() != "galene" || c.Video.doorOptions() == nil ||
		c.Video.doorOptions().Origins["galene"] != "https://galene.coop.example:8443" {
		t.Errorf("free tools %v, doors %+v", o.FreeTools, c.Video.doorOptions())
	}
	var out strings.Builder
	printTools(&out, c)
	if !strings.Contains(out.String(), "galene https://galene.coop.example:8443") || strings.Contains(out.String(), password) {
		t.Errorf("check prints:\n%s", out.String())
	}
}
