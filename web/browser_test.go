package web

import (
	"bytes"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/templates"
)

// shoot loads url in a new tab of the shared browser, w×h pixels, takes
// a screenshot, checks it is a PNG, and keeps it in ROOMGATE_ARTIFACTS when
// set (CI prints their paths). It returns the page, for more checks.
func shoot(t *testing.T, b *browser, name, url string, w, h int) *tab {
	t.Helper()
	p := b.open(t, url, w, h)
	keep(t, name, p.png())
	return p
}

// keep checks png is a PNG and writes it in ROOMGATE_ARTIFACTS (or a
// temporary folder), logging its path.
func keep(t *testing.T, name string, png []byte) {
	t.Helper()
	if len(png) < 1000 || !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("screenshot %s is not a PNG (%d bytes)", name, len(png))
	}
	dir := os.Getenv("ROOMGATE_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, name)
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", shot)
}

// TestBrowser renders the agenda in a real browser, in French and English,
// on a phone (412×915, the list) and a computer (1280×900, the week grid):
// the bookings are there, the hostile title is text, no script ran, and
// the grid's stylesheet passed the Content-Security-Policy.
func TestBrowser(t *testing.T) {
	b := needBrowser(t)
	for _, lang := range []string{"fr", "en"} {
		srv := httptest.NewServer(newServer(t, sampleStore(), func(o *Options) { o.Lang = lang }))
		defer srv.Close()
		url := srv.URL + "/?week=2026-11-30&token=" + memberToken
		dom := shoot(t, b, "agenda-phone-"+lang+".png", url, 412, 915).dom()
		free := map[string]string{"fr": "Libre", "en": "Free"}[lang]
		wantContains(t, lang+" DOM", dom, "Point mensuel", "Formation", `&lt;script&gt;alert(1)&lt;/script&gt;`,
			"Mallory &lt;b&gt;bold&lt;/b&gt;", `<li class="free"><span class="time">08:00`, free, `class="blk booking`, `id="now"`)
		wantLacks(t, lang+" DOM", dom, "<script", "<b>bold")
		shoot(t, b, "agenda-desktop-"+lang+".png", url, 1280, 900)
	}
}

// TestBrowserMails renders the HTML part of the accept, decline and
// partly accepted series mails on a phone-sized window, in French and
// English.
func TestBrowserMails(t *testing.T) {
	b := needBrowser(t)
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
			shoot(t, b, "mail-"+m.name+"-"+lang+".png", "file://"+file, 412, m.height)
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
	// Zoom full: the decline offering a free tool's room, the accept of the
	// any-tool address held on it, an accept with options, and a series
	// of a pool split between two hosts.
	toolOffer := decline
	toolOffer.BufferOnly, toolOffer.Suggestions, toolOffer.Conflicts = false, nil, []gateway.Slot{slot(time.December, 1, 8, 30, 10, 0)}
	toolOffer.Tool = &gateway.ToolView{Name: "Jitsi", JoinURL: "https://visio.coop.example/c41f0e2a9b7d5e63a1f2",
		HostURL: "https://visio.coop.example/c41f0e2a9b7d5e63a1f2?jwt=eyJhbGciOiJIUzI1NiJ9.eyJyb29tIjoiYzQxZiJ9.x5"}
	toolAccept := toolOffer
	toolAccept.Reason, toolAccept.Conflicts, toolAccept.Accepted = "", nil, true
	options := accept
	options.Options = &gateway.OptionsView{MeetingOptions: gateway.MeetingOptions{Muted: true, VideoOff: true, CloudRecording: true}}
	pool := series
	pool.Declined = nil
	pool.OtherHosts = []gateway.HostDate{{When: slot(time.December, 15, 14, 0, 16, 0), HostKey: "314159",
		Room: gateway.RoomView{JoinURL: "https://us02web.zoom.us/j/82222222222?pwd=Ab3", MeetingID: "822 2222 2222", Passcode: "beta"}}}
	return []sampleMail{{"accept", gateway.TmplAccept, accept, 1800}, {"decline", gateway.TmplDecline, decline, 1100},
		{"tool-offer", gateway.TmplDecline, toolOffer, 1300}, {"tool-accept", gateway.TmplAccept, toolAccept, 900},
		{"options", gateway.TmplAccept, options, 2000}, {"pool-series", gateway.TmplAccept, pool, 2200},
		{"series", gateway.TmplAccept, series, 2100}, {"pending", gateway.TmplPending, pending, 900},
		{"refused", gateway.TmplDecline, refused, 800}}
}

// TestBrowserApproval renders the facilitators' confirmation page, asking
// to refuse (with the reason's field) and once decided, in French and
// English, on a phone and a computer.
func TestBrowserApproval(t *testing.T) {
	b := needBrowser(t)
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
		dom := shoot(t, b, "approval-phone-"+lang+".png", url, 412, 915).dom()
		wantContains(t, lang+" DOM", dom, "Séminaire annuel", `<textarea id="note" name="note"`, `<button class="button refuse"`)
		shoot(t, b, "approval-desktop-"+lang+".png", url, 1280, 800)
		f.set(func(f *fakeApprovals) { f.err, f.view.State = gateway.ErrApprovalDone, gateway.ApprovalApproved })
		shoot(t, b, "approval-decided-"+lang+".png", url, 412, 600)
	}
}
