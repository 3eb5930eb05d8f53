package templates

import (
	"testing"

	"codeberg.org/opteos/roomgate/gateway"
)

func TestCancelled(t *testing.T) {
	s := load(t)
	want := map[string][]string{
		"en": {"Booking cancelled by the facilitators: Point mensuel — Tuesday 1 December 2026, 10:00–11:00",
			"free the room", "Their explanation: General assembly &amp; vote", "is not\ncancelled"},
		"fr": {"Réservation annulée par les facilitateurs : Point mensuel — mardi 1er décembre 2026, 10:00–11:00",
			"libérer la salle", "Leur explication : General assembly &amp; vote", "n'est pas annulée"},
	}
	for _, lang := range langs {
		t.Run(lang, func(t *testing.T) {
			v := fullView(t)
			v.Note = "General assembly & vote"
			r := render(t, s, lang, gateway.TmplCancelled, v)
			wantContains(t, "subject", plainText(r.Subject), want[lang][0])
			wantContains(t, "text", plainText(r.Text), want[lang][1], "Atelier", "animation@coop.example")
			wantContains(t, "html", plainText(r.HTML), want[lang][2])
			for what, body := range map[string]string{"text": r.Text, "html": r.HTML} {
				wantLacks(t, what, body, v.HostKey, v.Room.Passcode, v.Room.JoinURL, v.Room.MeetingID)
			}
			v.Note = ""
			r = render(t, s, lang, gateway.TmplCancelled, v)
			wantLacks(t, "text without note", r.Text, "explanation", "explication")
		})
	}
}
