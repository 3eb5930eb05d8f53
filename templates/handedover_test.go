package templates

import (
	"testing"

	"codeberg.org/opteos/roomgate/gateway"
)

// TestHandedOver: the previous organizer of a meeting handed over reads
// which booking (title, slot or series) is now held by whom, who sent it
// in their name, and to tell the facilitators if unexpected, with their
// contact; never the host key nor the room's join details.
func TestHandedOver(t *testing.T) {
	s := load(t)
	want := map[string][]string{
		"en": {"Booking handed over: Point mensuel — Tuesday 1 December 2026, 10:00–11:00",
			"is now held by Équipe (equipe@coop.example), who sent this meeting in their name",
			"If you did not expect this, tell the facilitators.", "every Tuesday"},
		"fr": {"Réservation transmise : Point mensuel — mardi 1er décembre 2026, 10:00–11:00",
			"est désormais détenue par Équipe (equipe@coop.example), qui a envoyé cette réunion en son nom",
			"Si vous ne vous y attendiez pas, prévenez les facilitateurs.", "chaque mardi"},
	}
	for _, lang := range langs {
		t.Run(lang, func(t *testing.T) {
			v := fullView(t)
			v.HandedTo, v.HandedToName = "equipe@coop.example", "Équipe"
			r := render(t, s, lang, gateway.TmplHandedOver, v)
			wantContains(t, "subject", words(r.Subject), want[lang][0])
			for what, body := range map[string]string{"text": r.Text, "html": r.HTML} {
				wantContains(t, what, words(body), want[lang][1], want[lang][2], "Point mensuel", "Atelier", "animation@coop.example", "Anne Martin")
				wantLacks(t, what, body, v.HostKey, v.Room.Passcode, v.Room.JoinURL, v.Room.MeetingID)
			}
			v.HandedToName = ""
			r = render(t, s, lang, gateway.TmplHandedOver, v)
			wantContains(t, "text without name", words(r.Text), "equipe@coop.example, ")
			wantLacks(t, "text without name", r.Text, "(equipe@coop.example)")
			sv := seriesView(t)
			sv.HandedTo = "equipe@coop.example"
			r = render(t, s, lang, gateway.TmplHandedOver, sv)
			for what, body := range map[string]string{"subject": r.Subject, "text": r.Text, "html": r.HTML} {
				wantContains(t, "series "+what, words(body), want[lang][3])
			}
		})
	}
}
