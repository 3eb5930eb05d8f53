package templates

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/zoom"
)

var langs = []string{"en", "fr"}

func load(t *testing.T) *Set {
	t.Helper()
	s, err := Load("")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return s
}

func render(t *testing.T, s *Set, lang, name string, v gateway.MailView) gateway.Rendered {
	t.Helper()
	r, err := s.Render(lang, name, v)
	if err != nil {
		t.Fatalf("Render(%s, %s): %v", lang, name, err)
	}
	return r
}

// fullView is the fixed sample: Tuesday 1 December 2026, 10:00–11:00 in Paris.
func fullView(t *testing.T) gateway.MailView {
	loc := paris(t)
	at := func(day, h, m int) time.Time { return time.Date(2026, 12, day, h, m, 0, 0, loc) }
	return gateway.MailView{
		Lang:          "fr",
		Summary:       "Point mensuel",
		OrganizerName: "Anne Martin",
		Organizer:     "anne@coop.example",
		Room: gateway.RoomView{
			Name:      "Atelier",
			Address:   "zoom@coop.example",
			JoinURL:   "https://us02web.zoom.us/j/81234567890?pwd=Xy7",
			MeetingID: "812 3456 7890",
			Passcode:  "k9Pq2z",
		},
		HostKey:        "482913",
		When:           gateway.Slot{Start: at(1, 10, 0), End: at(1, 11, 0)},
		TimeZone:       "Europe/Paris",
		Conflicts:      []gateway.Slot{{Start: at(1, 9, 30), End: at(1, 10, 30)}},
		Suggestions:    []gateway.Slot{{Start: at(1, 14, 0), End: at(1, 15, 0)}, {Start: at(2, 10, 0), End: at(2, 11, 0)}},
		MaxDuration:    8 * time.Hour,
		WindowDays:     90,
		LeadMinutes:    10,
		RecordingHours: 24,
		Contact:        "animation@coop.example",
	}
}

// minimalView is fullView without conflicts, suggestions, contact, name,
// meeting ID or passcode.
func minimalView(t *testing.T) gateway.MailView {
	v := fullView(t)
	v.OrganizerName, v.Contact = "", ""
	v.Conflicts, v.Suggestions = nil, nil
	v.Room.MeetingID, v.Room.Passcode = "", ""
	return v
}

func wantContains(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s lacks %q:\n%s", what, sub, s)
		}
	}
}

func wantLacks(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			t.Errorf("%s contains %q:\n%s", what, sub, s)
		}
	}
}

func TestSubjects(t *testing.T) {
	s := load(t)
	v := fullView(t)
	tests := []struct {
		lang, name, want string
	}{
		{"fr", gateway.TmplAccept, "Salle réservée : Point mensuel — mardi 1 décembre 2026, 10:00–11:00"},
		{"en", gateway.TmplAccept, "Room booked: Point mensuel — Tuesday 1 December 2026, 10:00–11:00"},
		{"fr", gateway.TmplDecline, "Salle indisponible : Point mensuel — mardi 1 décembre 2026, 10:00–11:00"},
		{"en", gateway.TmplDecline, "Room not available: Point mensuel — Tuesday 1 December 2026, 10:00–11:00"},
	}
	for _, tt := range tests {
		t.Run(tt.lang+"/"+tt.name, func(t *testing.T) {
			v.Reason = gateway.ReasonConflict
			if got := render(t, s, tt.lang, tt.name, v).Subject; got != tt.want {
				t.Errorf("subject = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSubjectOneLine(t *testing.T) {
	s := load(t)
	v := fullView(t)
	v.Summary = "Point\r\nBcc: x@example.com\n  mensuel"
	got := render(t, s, "en", gateway.TmplAccept, v).Subject
	want := "Room booked: Point Bcc: x@example.com mensuel — Tuesday 1 December 2026, 10:00–11:00"
	if got != want {
		t.Errorf("subject = %q, want %q", got, want)
	}
}

func TestAcceptTextExact(t *testing.T) {
	got := render(t, load(t), "en", gateway.TmplAccept, fullView(t)).Text
	want := `Hello Anne Martin,

The room Atelier is booked for your meeting “Point mensuel”:
Tuesday 1 December 2026, 10:00–11:00 (Europe/Paris).

Room details
  Join link:  https://us02web.zoom.us/j/81234567890?pwd=Xy7
  Meeting ID: 812 3456 7890
  Passcode:   k9Pq2z
  Host key:   482913

How to host the meeting
1. Arrive 10 minutes early and join as a guest through the link.
   Never sign in to Zoom with the shared account: it could eject a member
   who is hosting another room.
2. Participants → Claim host → enter the host key.
3. Security → Enable waiting room (the room's link is widely known),
   then admit your participants.
4. If you record, use cloud recording. Recordings must be downloaded
   within 24 hours.

Contact: animation@coop.example

To cancel or move the meeting, just cancel or move it in your calendar:
the room will follow.

roomgate
`
	if got != want {
		t.Errorf("text =\n%s\nwant\n%s", got, want)
	}
}

func TestAcceptContent(t *testing.T) {
	s := load(t)
	steps := map[string][]string{
		"en": {"join as a guest", "Never sign in to Zoom with the shared account",
			"Participants → Claim host", "Security → Enable waiting room",
			"use cloud recording", "within 24 hours", "cancel or move it in your calendar"},
		"fr": {"entrez comme invité", "Ne vous connectez jamais à Zoom avec le compte partagé",
			"Participants → Récupérer le rôle d'hôte", "Sécurité → Activer la salle d'attente",
			"enregistrement dans le cloud", "au plus tard 24 heures", "annulez-la ou déplacez-la simplement"},
	}
	for _, lang := range langs {
		t.Run(lang, func(t *testing.T) {
			v := fullView(t)
			r := render(t, s, lang, gateway.TmplAccept, v)
			for _, part := range []struct{ what, body string }{{"text", r.Text}, {"html", r.HTML}} {
				wantContains(t, part.what, part.body, "482913", "k9Pq2z", "812 3456 7890",
					v.Room.JoinURL, "Atelier", "Anne Martin", "(Europe/Paris)", "10 minutes",
					"animation@coop.example", "roomgate")
				wantContains(t, part.what, part.body, steps[lang]...)
			}
			wantContains(t, "html", r.HTML, `<a href="https://us02web.zoom.us/j/81234567890?pwd=Xy7">`)

			m := render(t, s, lang, gateway.TmplAccept, minimalView(t))
			for _, part := range []struct{ what, body string }{{"text", m.Text}, {"html", m.HTML}} {
				wantContains(t, part.what, part.body, "482913", v.Room.JoinURL, steps[lang][3])
				wantLacks(t, part.what, part.body, "Contact", "Anne", "k9Pq2z", "Passcode", "Code d'accès",
					"Meeting ID", "ID de réunion")
			}
		})
	}
}

// reasonText holds, per language, a sentence that must appear in a decline
// for that reason, and in no other.
var reasonText = map[string]map[string]string{
	"en": {
		gateway.ReasonConflict:       "only one meeting at a time",
		gateway.ReasonNotOrganizer:   "Only members of the cooperative can book this room",
		gateway.ReasonPast:           "This meeting has already started",
		gateway.ReasonTooLong:        "at most 8 h",
		gateway.ReasonBeyondWindow:   "at most 90 days ahead",
		gateway.ReasonInvalidTime:    "its end must come after its start",
		gateway.ReasonSeriesDisabled: "cannot be booked for a recurring meeting",
		gateway.ReasonTooManyDates:   "has too many dates for the room",
	},
	"fr": {
		gateway.ReasonConflict:       "qu'une réunion à la fois",
		gateway.ReasonNotOrganizer:   "Seuls les membres de la coopérative peuvent réserver cette salle",
		gateway.ReasonPast:           "Cette réunion a déjà commencé",
		gateway.ReasonTooLong:        "au plus 8 h",
		gateway.ReasonBeyondWindow:   "au plus 90 jours à l'avance",
		gateway.ReasonInvalidTime:    "la fin doit venir après",
		gateway.ReasonSeriesDisabled: "ne se réserve pas pour une réunion périodique",
		gateway.ReasonTooManyDates:   "compte trop de dates pour la salle",
	},
}

var (
	suggestHead = map[string]string{"en": "Free slots of the same length:", "fr": "Créneaux libres de même durée :"}
	retryText   = map[string]string{"en": "the room will answer again", "fr": "la salle répondra de nouveau"}
	suggestSlot = map[string]string{"en": "Wednesday 2 December 2026, 10:00–11:00", "fr": "mercredi 2 décembre 2026, 10:00–11:00"}
	busySlot    = map[string]string{"en": "Tuesday 1 December 2026, 09:30–10:30", "fr": "mardi 1 décembre 2026, 09:30–10:30"}
)

func TestDeclineReasons(t *testing.T) {
	s := load(t)
	for _, lang := range langs {
		for reason, sentence := range reasonText[lang] {
			t.Run(lang+"/"+reason, func(t *testing.T) {
				v := fullView(t) // with host key, passcode and link, which must not show
				v.Reason = reason
				r := render(t, s, lang, gateway.TmplDecline, v)
				for _, part := range []struct{ what, body string }{{"subject", r.Subject}, {"text", r.Text}, {"html", r.HTML}} {
					wantLacks(t, part.what, part.body, "482913", "k9Pq2z", "zoom.us", "812 3456 7890")
				}
				for _, part := range []struct{ what, body string }{{"text", r.Text}, {"html", r.HTML}} {
					wantContains(t, part.what, part.body, sentence, "roomgate")
					for other, otherSentence := range reasonText[lang] {
						if other != reason {
							wantLacks(t, part.what, part.body, otherSentence)
						}
					}
					checkDeclineExtras(t, lang, reason, part.what, part.body)
				}
			})
		}
	}
}

// checkDeclineExtras checks the parts around the reason sentence.
func checkDeclineExtras(t *testing.T, lang, reason, what, body string) {
	t.Helper()
	if reason == gateway.ReasonNotOrganizer {
		wantLacks(t, what, body, "Atelier", suggestHead[lang], suggestSlot[lang], retryText[lang])
		return
	}
	wantContains(t, what, body, "Atelier", "(Europe/Paris)", suggestHead[lang], suggestSlot[lang], retryText[lang])
	switch reason {
	case gateway.ReasonConflict:
		wantContains(t, what, body, busySlot[lang])
	case gateway.ReasonTooLong:
		wantContains(t, what, body, map[string]string{"en": "lasts 1 h.", "fr": "dure 1 h."}[lang])
	default:
		wantLacks(t, what, body, busySlot[lang])
	}
}

func TestDeclineMinimal(t *testing.T) {
	s := load(t)
	for _, lang := range langs {
		t.Run(lang, func(t *testing.T) {
			v := minimalView(t)
			v.Reason = gateway.ReasonConflict
			r := render(t, s, lang, gateway.TmplDecline, v)
			for _, part := range []struct{ what, body string }{{"text", r.Text}, {"html", r.HTML}} {
				wantContains(t, part.what, part.body, reasonText[lang][gateway.ReasonConflict], retryText[lang])
				wantLacks(t, part.what, part.body, suggestHead[lang], busySlot[lang], "<li>")
			}
		})
	}
}

func TestDeclineTextExact(t *testing.T) {
	v := fullView(t)
	v.Reason = gateway.ReasonConflict
	got := render(t, load(t), "fr", gateway.TmplDecline, v).Text
	want := `Bonjour Anne Martin,

La salle Atelier ne peut pas accueillir votre réunion
« Point mensuel », mardi 1 décembre 2026, 10:00–11:00 (Europe/Paris).

Le compte ne peut accueillir qu'une réunion à la fois, et la salle est déjà
prise :
- mardi 1 décembre 2026, 09:30–10:30

Créneaux libres de même durée :
- mardi 1 décembre 2026, 14:00–15:00
- mercredi 2 décembre 2026, 10:00–11:00

Pour réessayer, changez l'horaire de votre réunion dans votre agenda (la
salle reste invitée) et la salle répondra de nouveau.

roomgate
`
	if got != want {
		t.Errorf("text =\n%s\nwant\n%s", got, want)
	}
}

// seriesView is fullView for a recurring meeting of 12 dates, two of which
// the room cannot take.
func seriesView(t *testing.T) gateway.MailView {
	v := fullView(t)
	loc := paris(t)
	at := func(day, h int) time.Time { return time.Date(2026, 12, day, h, 0, 0, 0, loc) }
	free := gateway.Slot{Start: at(9, 14), End: at(9, 15)}
	v.Series, v.Dates = true, 12
	v.Declined = []gateway.DateDecision{
		{When: gateway.Slot{Start: at(8, 10), End: at(8, 11)}, Reason: gateway.ReasonConflict, Suggestion: &free},
		{When: gateway.Slot{Start: at(15, 10), End: at(15, 11)}, Reason: gateway.ReasonPast},
	}
	return v
}

func TestSeries(t *testing.T) {
	s := load(t)
	want := map[string][]string{
		"en": {"recurring meeting of 12 dates", "all of them except these:",
			"Tuesday 8 December 2026, 10:00–11:00: the room is already taken (nearest free slot: Wednesday 9 December 2026, 14:00–15:00)",
			"Tuesday 15 December 2026, 10:00–11:00: already started"},
		"fr": {"périodique compte 12 dates", "pour toutes, sauf celles-ci :",
			"mardi 8 décembre 2026, 10:00–11:00 : la salle est déjà prise (créneau libre le plus proche : mercredi 9 décembre 2026, 14:00–15:00)",
			"mardi 15 décembre 2026, 10:00–11:00 : déjà commencée"},
	}
	allBooked := map[string]string{"en": "the room is booked for all its 12 dates", "fr": "compte 12 dates : la salle est"}
	for _, lang := range langs {
		t.Run(lang, func(t *testing.T) {
			v := seriesView(t)
			r := render(t, s, lang, gateway.TmplAccept, v)
			for _, part := range []struct{ what, body string }{{"text", r.Text}, {"html", r.HTML}} {
				wantContains(t, part.what, part.body, want[lang]...)
				wantLacks(t, part.what, part.body, allBooked[lang])
			}
			v.Reason = gateway.ReasonConflict
			d := render(t, s, lang, gateway.TmplDecline, v)
			for _, part := range []struct{ what, body string }{{"text", d.Text}, {"html", d.HTML}} {
				wantContains(t, part.what, part.body, want[lang][2:]...)
			}
			v.Declined = nil
			r = render(t, s, lang, gateway.TmplAccept, v)
			for _, part := range []struct{ what, body string }{{"text", r.Text}, {"html", r.HTML}} {
				wantContains(t, part.what, part.body, allBooked[lang])
				wantLacks(t, part.what, part.body, want[lang][1])
			}
			r = render(t, s, lang, gateway.TmplAccept, fullView(t))
			wantLacks(t, "single text", r.Text, want[lang][0], allBooked[lang])
		})
	}
}

func TestHostileData(t *testing.T) {
	s := load(t)
	const hostile = "<script>alert(1)</script>"
	for _, lang := range langs {
		for _, name := range s.Names() {
			t.Run(lang+"/"+name, func(t *testing.T) {
				v := fullView(t)
				v.Reason = gateway.ReasonConflict
				v.Summary, v.OrganizerName, v.Contact, v.Room.Name = hostile, hostile, hostile, hostile
				v.Room.JoinURL = "javascript:alert(1)"
				v.Relay = hostileRelay(hostile) // what Zoom's mail brings is untrusted too
				r := render(t, s, lang, name, v)
				if name == gateway.TmplForged || name == gateway.TmplUnreadable {
					// Its subject says nothing of the forged mail.
					wantLacks(t, "subject", r.Subject, hostile)
				} else {
					wantContains(t, "subject", r.Subject, hostile)
				}
				wantContains(t, "text", r.Text, hostile)
				if name != zoom.TmplChat { // the chat message has no HTML
					wantContains(t, "html", r.HTML, "&lt;script&gt;alert(1)&lt;/script&gt;")
				}
				wantLacks(t, "html", r.HTML, "<script", `href="javascript:`)
				if name == gateway.TmplAccept {
					wantContains(t, "html", r.HTML, `href="#ZgotmplZ"`)
				}
			})
		}
	}
}

func TestRenderAll(t *testing.T) {
	s := load(t)
	views := map[string]func(*testing.T) gateway.MailView{"full": fullView, "minimal": minimalView, "series": seriesView,
		"relay": relayView}
	for _, lang := range langs {
		for _, name := range s.Names() {
			for vname, view := range views {
				t.Run(lang+"/"+name+"/"+vname, func(t *testing.T) {
					v := view(t)
					v.Reason = gateway.ReasonConflict
					for _, data := range []any{v, &v} {
						r, err := s.Render(lang, name, data)
						if err != nil {
							t.Fatalf("Render(%T): %v", data, err)
						}
						checkRendered(t, lang, r)
					}
				})
			}
		}
	}
}

func checkRendered(t *testing.T, lang string, r gateway.Rendered) {
	t.Helper()
	if r.Subject == "" || strings.ContainsAny(r.Subject, "\r\n") {
		t.Errorf("bad subject %q", r.Subject)
	}
	if !strings.HasSuffix(r.Text, "roomgate\n") || strings.Contains(r.Text, "\n\n\n") {
		t.Errorf("bad text layout:\n%s", r.Text)
	}
	for what, body := range map[string]string{"text": r.Text, "html": r.HTML} {
		wantLacks(t, what, body, "<no value>", "{{", "}}")
	}
	if r.HTML != "" {
		wantContains(t, "html", r.HTML, "<!DOCTYPE html>", `<html lang="`+lang+`">`, "</html>\n")
	}
}

func TestEmbeddedComplete(t *testing.T) {
	byLang := map[string][]string{} // lang -> "name.ext"
	err := fs.WalkDir(files, "mail", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		lang, name, ext, ok := splitPath(p)
		if !ok {
			t.Errorf("unexpected embedded file %s", p)
			return nil
		}
		byLang[lang] = append(byLang[lang], name+ext)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(byLang["en"])
	slices.Sort(byLang["fr"])
	if !slices.Equal(byLang["en"], byLang["fr"]) {
		t.Errorf("languages differ: en %v, fr %v", byLang["en"], byLang["fr"])
	}
	for _, f := range byLang["en"] {
		if name, ok := strings.CutSuffix(f, ".html"); ok && !slices.Contains(byLang["en"], name+".txt") {
			t.Errorf("%s has no .txt", f)
		}
	}
	names := load(t).Names()
	want := []string{gateway.TmplAccept, gateway.TmplAlert, gateway.TmplCancelled, zoom.TmplChat, zoom.TmplCode,
		gateway.TmplDecline, gateway.TmplForged, zoom.TmplRecording, gateway.TmplRecordingReminder, gateway.TmplReminder, gateway.TmplUnreadable}
	if !slices.Equal(names, want) {
		t.Errorf("Names() = %v, want %v", names, want)
	}
}

func TestUnknown(t *testing.T) {
	s := load(t)
	if _, err := s.Render("de", gateway.TmplAccept, fullView(t)); !errors.Is(err, ErrUnknownLang) {
		t.Errorf("lang de: err = %v, want ErrUnknownLang", err)
	}
	if _, err := s.Render("fr", "nope", fullView(t)); !errors.Is(err, ErrUnknownTemplate) {
		t.Errorf("name nope: err = %v, want ErrUnknownTemplate", err)
	}
	if _, err := s.Render("fr", gateway.TmplAccept, "not a view"); err == nil {
		t.Error("wrong data type: no error")
	}
}

// writeFile creates dir/rel with content.
func writeFile(t *testing.T, dir, rel, content string) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestOverride(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "mail/en/accept.txt", `{{define "subject"}}Custom {{.Summary}}{{end}}Custom body, key {{.HostKey}}.`)
	writeFile(t, dir, "mail/en/notes.md", "not a template, ignored")
	writeFile(t, dir, "mail/fr/_parts.txt", `{{define "series"}}SÉRIE {{.Dates}}{{end}}`)
	s, err := Load(dir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	v := fullView(t)
	r := render(t, s, "en", gateway.TmplAccept, v)
	if r.Subject != "Custom Point mensuel" || r.Text != "Custom body, key 482913.\n" {
		t.Errorf("override not used: %+v", r)
	}
	wantContains(t, "embedded html", r.HTML, "Security → Enable waiting room")
	fr := render(t, s, "fr", gateway.TmplAccept, seriesView(t))
	wantContains(t, "fr text", fr.Text, "Sécurité → Activer la salle d'attente", "SÉRIE 12")
	wantLacks(t, "fr text", fr.Text, "sauf celles-ci")
	wantContains(t, "fr html", fr.HTML, "sauf celles-ci")
}

func TestOverrideErrors(t *testing.T) {
	tests := []struct {
		name, rel, content, want string
	}{
		{"does not parse", "mail/fr/decline.html", "<p>{{if .Summary}}</p>", "decline.html"},
		{"unknown function", "mail/en/decline.txt", `{{define "subject"}}{{nope}}{{end}}`, "decline.txt"},
		{"no subject", "mail/fr/accept.txt", "Bonjour", `no {{define "subject"}}`},
		{"broken part", "mail/en/_parts.html", `{{define "why"}}`, "_parts.html"},
		{"replaces nothing", "mail/en/acept.txt", `{{define "subject"}}x{{end}}`, "replaces no embedded template"},
		{"unknown language", "mail/de/accept.txt", `{{define "subject"}}x{{end}}`, "replaces no embedded template"},
		{"not UTF-8", "mail/en/accept.txt", "{{define \"subject\"}}caf\xe9{{end}}", "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			file := writeFile(t, dir, tt.rel, tt.content)
			_, err := Load(dir)
			if err == nil {
				t.Fatal("Load: no error")
			}
			if !strings.Contains(err.Error(), file) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not name %s or say %q", err, file, tt.want)
			}
		})
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("missing override directory: no error")
	}
}

func TestConcurrentRender(t *testing.T) {
	s := load(t)
	v := fullView(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			lang := langs[i%len(langs)]
			for _, name := range s.Names() {
				if _, err := s.Render(lang, name, v); err != nil {
					t.Errorf("Render: %v", err)
				}
			}
		})
	}
	wg.Wait()
}
