package templates

import (
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/zoommail"
)

// relayView is fullView with what the relay templates show: a code valid
// until 14:32, a matched recording notice, Zoom's text.
func relayView(t *testing.T) gateway.MailView {
	v := fullView(t)
	loc := paris(t)
	v.Relay = gateway.RelayView{
		Code: "483920", Expires: time.Date(2026, 12, 1, 14, 32, 0, 0, loc),
		Sender: "no-reply@zoom.us", Subject: "New Zoom Sign-in Detected",
		Received: time.Date(2026, 12, 1, 14, 22, 0, 0, loc),
		Excerpt:  "We detected an unusual sign-in.\nShare recording with viewers: https://zoom.us/rec/share/abc",
		Topic:    "Salle Opteos", Matched: true, RecordingsAccess: "compte enregistrements@coop.example",
	}
	return v
}

// hostileRelay fills every relayed field with s.
func hostileRelay(s string) gateway.RelayView {
	return gateway.RelayView{Code: s, Sender: s, Subject: s, Excerpt: s, Topic: s, Why: s, RecordingsAccess: s}
}

func TestRelaySubjects(t *testing.T) {
	s := load(t)
	tests := []struct {
		lang, name string
		edit       func(*gateway.MailView)
		want       string
	}{
		{"fr", zoommail.TmplCode, nil, "Code Zoom 483920 — valable jusqu'à 14:32"},
		{"en", zoommail.TmplCode, nil, "Zoom code 483920 — valid until 14:32"},
		{"fr", zoommail.TmplCode, func(v *gateway.MailView) { v.Relay.Expired = true }, "Code Zoom 483920 — expiré à 14:32"},
		{"en", zoommail.TmplCode, func(v *gateway.MailView) { v.Relay.Expired = true }, "Zoom code 483920 — expired at 14:32"},
		{"fr", gateway.TmplAlert, nil, "Alerte Zoom" + nb + ": New Zoom Sign-in Detected"},
		{"en", gateway.TmplAlert, func(v *gateway.MailView) { v.Relay.Forged = true }, `Alert: forged "Zoom" mail rejected`},
		{"fr", zoommail.TmplRecording, nil, "Enregistrement disponible" + nb + ": Point mensuel"},
		{"en", zoommail.TmplRecording, func(v *gateway.MailView) { v.Relay.Matched = false }, "Recording available: Salle Opteos"},
		{"fr", gateway.TmplReminder, nil, "Rappel" + nb + ": Point mensuel à 10:00 (Atelier)"},
		{"en", gateway.TmplReminder, nil, "Reminder: Point mensuel at 10:00 (Atelier)"},
		{"fr", gateway.TmplRecordingReminder, nil, "À télécharger" + nb + ": l'enregistrement de Point mensuel"},
		{"en", zoommail.TmplChat, nil, "Zoom code 483920"},
	}
	for _, tt := range tests {
		t.Run(tt.lang+"/"+tt.name, func(t *testing.T) {
			v := relayView(t)
			if tt.edit != nil {
				tt.edit(&v)
			}
			if got := render(t, s, tt.lang, tt.name, v).Subject; got != tt.want {
				t.Errorf("subject = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCodeTextExact(t *testing.T) {
	got := render(t, load(t), "en", zoommail.TmplCode, relayView(t)).Text
	want := `Hello,

Someone is signing in to the shared Zoom account, and Zoom sent this
sign-in code:

    483920

It is valid until 14:32 (Europe/Paris).

If no facilitator is signing in right now, do not enter this code
anywhere, and change the account's password: someone else knows it.

roomgate
`
	if got != want {
		t.Errorf("text:\n%s\nwant:\n%s", got, want)
	}
}

func TestChatTextExact(t *testing.T) {
	got := render(t, load(t), "fr", zoommail.TmplChat, relayView(t)).Text
	want := "**Code Zoom" + nb + ": `483920`** — valable jusqu'à **14:32** (Europe/Paris).\n" +
		"Si aucun facilitateur n'est en train de se connecter, ne l'utilisez pas et changez le mot de passe du compte.\n" +
		"— roomgate\n"
	if got != want {
		t.Errorf("text:\n%q\nwant:\n%q", got, want)
	}
}

func TestRelayContent(t *testing.T) {
	s := load(t)
	v := relayView(t)
	for _, lang := range langs {
		r := render(t, s, lang, gateway.TmplReminder, v)
		for what, body := range map[string]string{"text": r.Text, "html": r.HTML} {
			wantContains(t, lang+" reminder "+what, body, v.Room.JoinURL, v.HostKey, v.Room.Passcode, "10:00")
		}
		wantContains(t, lang+" reminder", r.Text, map[string]string{"fr": "Activer la salle d'attente", "en": "Enable Waiting Room"}[lang],
			map[string]string{"fr": "Terminer la réunion pour tous", "en": "End Meeting for All"}[lang])
		r = render(t, s, lang, zoommail.TmplRecording, v)
		wantContains(t, lang+" recording", r.Text, "24", v.Relay.RecordingsAccess, "https://zoom.us/rec/share/abc", "Point mensuel")
		wantLacks(t, lang+" recording", r.Text, v.HostKey)
		r = render(t, s, lang, gateway.TmplRecordingReminder, v)
		wantContains(t, lang+" recording reminder", r.Text, "24", v.Relay.RecordingsAccess)
		forged := v
		forged.Relay.Forged, forged.Relay.Why = true, "top Authentication-Results field is from \"evil.example\""
		r = render(t, s, lang, gateway.TmplAlert, forged)
		wantContains(t, lang+" forged alert", r.Text, "evil.example", "no-reply@zoom.us")
		wantLacks(t, lang+" forged alert", r.Text, "483920")
	}
}
