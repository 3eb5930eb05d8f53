package templates

import (
	"strings"
	"testing"

	"codeberg.org/opteos/roomgate/gateway"
)

// TestSameMeetingDecline: the decline of a meeting already booked under
// another organizer says so plainly, in both languages, in the mail and
// the REPLY's comment; it names that organizer only when BookedBy is set,
// and never says the account is taken or asks to change the time.
func TestSameMeetingDecline(t *testing.T) {
	s := load(t)
	want := map[string][2]string{
		"en": {"This meeting is already booked in the room by another organizer", "the room then hands the booking over to you"},
		"fr": {"Cette réunion est déjà réservée dans la salle par un autre organisateur", "la salle vous transmettra alors la réservation"},
	}
	for _, lang := range langs {
		for _, named := range []bool{true, false} {
			v := fullView(t)
			v.Lang, v.Reason, v.SameMeeting, v.Suggestions = lang, gateway.ReasonConflict, true, nil
			if named {
				v.BookedBy = "alice@coop.example"
			}
			r := render(t, s, lang, gateway.TmplDecline, v)
			for what, text := range map[string]string{"text": r.Text, "html": r.HTML} {
				flat := strings.Join(strings.Fields(strings.NewReplacer("\u00a0", " ", "\u2060", "").Replace(text)), " ")
				wantContains(t, lang+" "+what, flat, want[lang][0], want[lang][1])
				wantLacks(t, lang+" "+what, flat, "hosts only", "accueille qu", "changez l'horaire", "change the time", "réservée à ce moment-là", "already booked then")
				if got := strings.Contains(flat, "alice@coop.example"); got != named {
					t.Errorf("%s %s names alice: %v, want %v", lang, what, got, named)
				}
			}
			c := render(t, s, lang, gateway.TmplComment, v)
			wantContains(t, lang+" comment", strings.ReplaceAll(c.Text, "\u00a0", " "), want[lang][0])
		}
	}
}
