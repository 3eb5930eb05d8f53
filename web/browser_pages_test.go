package web

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/templates"
)

// TestBrowserPages renders, in French and English, on a phone (390
// pixels) and a computer (1366), the mails a member's first day brings
// (the answer to an unreadable invitation, to a plain question, the
// facilitators' cancellation) and the operator pages; with
// ROOMGATE_TEST_AXE set, axe-core finds no serious or critical
// violation on them.
func TestBrowserPages(t *testing.T) {
	b := needBrowser(t)
	set, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	base := sampleMails()[0].view
	unreadable := gateway.MailView{Room: base.Room, Contact: base.Contact, Service: base.Service, Organizer: base.Organizer}
	unreadable.Room.JoinURL, unreadable.Room.MeetingID, unreadable.Room.Passcode = "", "", ""
	unreadable.Relay.Subject = "Point mensuel"
	help := unreadable
	help.Relay.Subject, help.AgendaURL = "comment je réserve ?", "https://salles.coop.example/?token=members-token-0123"
	help.MaxDuration, help.WindowDays = 8*60*60*1e9, 180
	cancelled := base
	cancelled.Note = "La salle est réservée à l'assemblée générale ce jour-là."
	mails := []struct {
		name, tmpl string
		view       gateway.MailView
	}{{"unreadable", gateway.TmplUnreadable, unreadable}, {"help", gateway.TmplHelp, help}, {"cancelled", gateway.TmplCancelled, cancelled}}
	dir := t.TempDir()
	if os.Getenv("ROOMGATE_TEST_AXE") != "" { // axe must be able to fail: an image without text is critical
		bad := filepath.Join(dir, "bad.html")
		if err := os.WriteFile(bad, []byte(`<!DOCTYPE html><html lang="en"><title>x</title><img src="x.png">`), 0o644); err != nil {
			t.Fatal(err)
		}
		if v := b.open(t, "file://"+bad, 390, 300).axeViolations(); len(v) == 0 || !strings.Contains(strings.Join(v, "\n"), "image-alt") {
			t.Fatalf("axe-core found no image-alt violation on a bad page: %v", v)
		}
	}
	check := func(p *tab, name string) {
		t.Helper()
		keep(t, name, p.fullPNG())
		for _, v := range p.axeViolations() {
			t.Errorf("%s: axe: %s", name, v)
		}
	}
	for _, lang := range []string{"fr", "en"} {
		for _, m := range mails {
			r, err := set.Render(lang, m.tmpl, m.view)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(dir, m.name+"-"+lang+".html")
			if err := os.WriteFile(file, []byte(r.HTML), 0o644); err != nil {
				t.Fatal(err)
			}
			for _, w := range []int{390, 1366} {
				check(b.open(t, "file://"+file, w, 800), fmt.Sprintf("mail-%s-%s-%d.png", m.name, lang, w))
			}
		}
		srv := httptest.NewServer(newServer(t, sampleStore(), func(o *Options) { o.Lang = lang }))
		defer srv.Close()
		for _, page := range []struct{ name, path string }{{"agenda", "/?week=2026-11-30&token=" + memberToken},
			{"operator", "/operator/?token=" + operatorToken}, {"audit", "/operator/audit?token=" + operatorToken},
			{"rejected", "/operator/rejected?token=" + operatorToken}, {"outbox", "/operator/outbox?token=" + operatorToken}} {
			for _, w := range []int{390, 1366} {
				check(b.open(t, srv.URL+page.path, w, 800), fmt.Sprintf("page-%s-%s-%d.png", page.name, lang, w))
			}
		}
	}
}
