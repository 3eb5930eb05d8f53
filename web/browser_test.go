package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/templates"
)

// chromiumPath finds Debian's chromium, or skips the test (fails it when
// ROOMGATE_TEST_STRICT=1, as in CI).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("ROOMGATE_TEST_STRICT") == "1" {
		t.Fatal("chromium is not installed (apt-get install chromium); ROOMGATE_TEST_STRICT=1 forbids skipping")
	}
	t.Skip("chromium is not installed: apt-get install chromium to run the browser test")
	return ""
}

// runChromium runs headless chromium with the given extra arguments and
// returns its standard output.
func runChromium(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--hide-scrollbars", "--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes()
}

// shoot takes a screenshot of url in a window of w×h pixels, checks it is
// a PNG, and keeps it in ROOMGATE_ARTIFACTS when set (CI prints their
// paths). It returns the file written.
func shoot(t *testing.T, bin, name, url string, w, h int) string {
	t.Helper()
	shot := filepath.Join(t.TempDir(), name)
	runChromium(t, bin, "--screenshot="+shot, fmt.Sprintf("--window-size=%d,%d", w, h), url)
	png, err := os.ReadFile(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	if len(png) < 1000 || !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("screenshot %s is not a PNG (%d bytes)", shot, len(png))
	}
	if dir := os.Getenv("ROOMGATE_ARTIFACTS"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		kept := filepath.Join(dir, name)
		if err := os.WriteFile(kept, png, 0o644); err != nil {
			t.Fatal(err)
		}
		shot = kept
	}
	t.Logf("screenshot: %s", shot)
	return shot
}

// TestBrowser renders the agenda in a real browser, in French and English,
// on a phone (412×915, the list) and a computer (1280×900, the week grid):
// the bookings are there, the hostile title is text, no script ran, and
// the grid's stylesheet passed the Content-Security-Policy.
func TestBrowser(t *testing.T) {
	bin := chromiumPath(t)
	for _, lang := range []string{"fr", "en"} {
		srv := httptest.NewServer(newServer(t, sampleStore(), func(o *Options) { o.Lang = lang }))
		defer srv.Close()
		url := srv.URL + "/?week=2026-11-30&token=" + memberToken
		dom := string(runChromium(t, bin, "--dump-dom", url))
		free := map[string]string{"fr": "Libre", "en": "Free"}[lang]
		wantContains(t, lang+" DOM", dom, "Point mensuel", "Formation", `&lt;script&gt;alert(1)&lt;/script&gt;`,
			"Mallory &lt;b&gt;bold&lt;/b&gt;", `<li class="free"><span class="time">08:00`, free, `class="blk booking`, `id="now"`)
		wantLacks(t, lang+" DOM", dom, "<script", "<b>bold")
		shoot(t, bin, "agenda-phone-"+lang+".png", url, 412, 915)
		shoot(t, bin, "agenda-desktop-"+lang+".png", url, 1280, 900)
	}
}

// TestBrowserMails renders the HTML part of the accept, decline and
// partly accepted series mails on a phone-sized window, in French and
// English.
func TestBrowserMails(t *testing.T) {
	bin := chromiumPath(t)
	set, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, lang := range []string{"fr", "en"} {
		for _, m := range sampleMails() {
			r, err := set.Render(lang, m.tmpl, m.view)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(dir, m.name+"-"+lang+".html")
			if err := os.WriteFile(file, []byte(r.HTML), 0o644); err != nil {
				t.Fatal(err)
			}
			shoot(t, bin, "mail-"+m.name+"-"+lang+".png", "file://"+file, 412, m.height)
		}
	}
}

// sampleMail is one mail of the screenshots.
type sampleMail struct {
	name, tmpl string
	view       gateway.MailView
	height     int
}

// sampleMails are the mails a member reads most: an accept, a decline with
// free slots on both sides, and a weekly series with two dates declined.
func sampleMails() []sampleMail {
	at := func(m time.Month, d, hh, mm int) time.Time { return time.Date(2026, m, d, hh, mm, 0, 0, paris) }
	slot := func(m time.Month, d, h0, m0, h1, m1 int) gateway.Slot {
		return gateway.Slot{Start: at(m, d, h0, m0), End: at(m, d, h1, m1)}
	}
	base := gateway.MailView{Summary: "Point mensuel", OrganizerName: "Anne Martin", Organizer: "anne@coop.example",
		Room: gateway.RoomView{Name: "Salle Opteos", Address: roomAddr, JoinURL: "https://us02web.zoom.us/j/81234567890?pwd=Xy7kQ2",
			MeetingID: "812 3456 7890", Passcode: "opteos"},
		HostKey: "483920", When: slot(time.December, 1, 10, 0, 11, 0), TimeZone: "Europe/Paris", MaxDuration: 8 * time.Hour,
		WindowDays: 180, LeadMinutes: 5, RecordingHours: 24, Concurrent: 1, Contact: "tech@coop.example",
		Service: "Salles Zoom d'Opteos", Buffer: 10 * time.Minute}
	accept := base
	accept.Accepted = true
	decline := base
	decline.Room.JoinURL, decline.Room.MeetingID, decline.Room.Passcode, decline.HostKey = "", "", "", ""
	decline.Summary, decline.When, decline.Reason = "Atelier compta", slot(time.December, 1, 9, 0, 10, 0), gateway.ReasonConflict
	decline.BufferOnly, decline.Conflicts = true, []gateway.Slot{slot(time.December, 1, 10, 0, 11, 0)}
	decline.Suggestions = []gateway.Slot{slot(time.December, 1, 8, 50, 9, 50), slot(time.December, 1, 11, 15, 12, 15),
		slot(time.December, 1, 12, 15, 13, 15)}
	series := accept
	series.Summary, series.Series, series.Dates = "Formation des bénévoles", true, 6
	series.Recurrence = &gateway.Recurrence{Weeks: 1, Days: []time.Weekday{time.Tuesday}, First: slot(time.December, 1, 14, 0, 16, 0),
		Last:     gateway.Slot{Start: time.Date(2027, 1, 5, 14, 0, 0, 0, paris), End: time.Date(2027, 1, 5, 16, 0, 0, 0, paris)},
		SameTime: true, Dates: 6}
	series.When = series.Recurrence.First
	free := slot(time.December, 8, 16, 15, 18, 15)
	series.Declined = []gateway.DateDecision{
		{When: slot(time.December, 8, 14, 0, 16, 0), Reason: gateway.ReasonConflict, Suggestion: &free},
		{When: slot(time.December, 22, 14, 0, 16, 0), Reason: gateway.ReasonConflict},
	}
	pending := decline
	pending.Reason, pending.Conflicts, pending.Suggestions, pending.BufferOnly = gateway.ReasonApproval, nil, nil, false
	pending.Summary, pending.When, pending.Pending = "Séminaire annuel", slot(time.December, 5, 7, 30, 18, 0), true
	pending.Approval = []string{gateway.ApproveTooLong, gateway.ApproveOutsideHours}
	pending.DayHours = slot(time.December, 1, 8, 0, 20, 0)
	refused := pending
	refused.Pending, refused.Refused, refused.Reason = false, true, gateway.ReasonApprovalRefused
	refused.Note = "La salle est réservée au conseil d'administration ce samedi-là."
	return []sampleMail{{"accept", gateway.TmplAccept, accept, 1800}, {"decline", gateway.TmplDecline, decline, 1100},
		{"series", gateway.TmplAccept, series, 2100}, {"pending", gateway.TmplPending, pending, 900},
		{"refused", gateway.TmplDecline, refused, 800}}
}

// TestBrowserApproval renders the facilitators' confirmation page, asking
// to refuse (with the reason's field) and once decided, in French and
// English, on a phone and a computer.
func TestBrowserApproval(t *testing.T) {
	bin := chromiumPath(t)
	for _, lang := range []string{"fr", "en"} {
		f := &fakeApprovals{}
		s := approvalServer(t, f)
		s.opt.Lang = lang
		s2, err := New(s.opt)
		if err != nil {
			t.Fatal(err)
		}
		f.view.Summary, f.view.OrganizerName, f.view.Dates = "Séminaire annuel", "Anne Martin", 3
		f.view.Rules = []string{gateway.ApproveTooLong, gateway.ApproveEndless}
		srv := httptest.NewServer(s2)
		defer srv.Close()
		url := srv.URL + "/approval?t=good"
		dom := string(runChromium(t, bin, "--dump-dom", url))
		wantContains(t, lang+" DOM", dom, "Séminaire annuel", `<textarea id="note" name="note"`, `<button class="button refuse"`)
		shoot(t, bin, "approval-phone-"+lang+".png", url, 412, 915)
		shoot(t, bin, "approval-desktop-"+lang+".png", url, 1280, 800)
		f.set(func(f *fakeApprovals) { f.err, f.view.State = gateway.ErrApprovalDone, gateway.ApprovalApproved })
		shoot(t, bin, "approval-decided-"+lang+".png", url, 412, 600)
	}
}
