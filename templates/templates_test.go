package templates

import (
	"errors"
	"html"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/internal/benchcpu"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/zoommail"
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
		{"fr", gateway.TmplAccept, "Salle réservée" + nb + ": Point mensuel — mardi 1er" + nb + "décembre 2026, 10:00" + nb + "–" + nb + "11:00"},
		{"en", gateway.TmplAccept, "Room booked: Point mensuel — Tuesday 1" + nb + "December 2026, 10:00–11:00"},
		{"fr", gateway.TmplDecline, "Salle indisponible" + nb + ": Point mensuel — mardi 1er" + nb + "décembre 2026, 10:00" + nb + "–" + nb + "11:00"},
		{"en", gateway.TmplDecline, "Room not available: Point mensuel — Tuesday 1" + nb + "December 2026, 10:00–11:00"},
		{"fr", gateway.TmplUpdate, "Modification reçue" + nb + ": Point mensuel — mardi 1er" + nb + "décembre 2026, 10:00" + nb + "–" + nb + "11:00"},
		{"en", gateway.TmplUpdate, "Change received: Point mensuel — Tuesday 1" + nb + "December 2026, 10:00–11:00"},
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
	want := "Room booked: Point Bcc: x@example.com mensuel — Tuesday 1" + nb + "December 2026, 10:00–11:00"
	if got != want {
		t.Errorf("subject = %q, want %q", got, want)
	}
}

// exact makes a test's expected text: "_" for a no-break space, "~" for
// the French range dash ("10:00 – 11:00", never broken), "^" for the word
// joiner of an English range ("10:00–11:00").
func exact(s string) string {
	return strings.NewReplacer("_", nb, "~", frDsh, "^", wj).Replace(s)
}

func TestAcceptTextExact(t *testing.T) {
	tests := map[string]string{"en": `Hello Anne Martin,

The room Atelier is booked for your meeting “Point mensuel”:
Tuesday 1_December 2026, 10:00–^11:00 (Paris time).

Add this link to your invitation for your participants:
https://us02web.zoom.us/j/81234567890?pwd=Xy7

Joining the meeting, for you and your participants
  Link:        https://us02web.zoom.us/j/81234567890?pwd=Xy7
  Meeting ID:  812 3456 7890
  Passcode:    k9Pq2z

Host key, for you only: 482913
  It is confidential: do not give it to your participants and do not put
  it in the invitation.

How to host the meeting
1. Arrive 10_minutes early and join through the link as a guest.
   Never sign in to Zoom with the shared account: it could eject a member
   who is hosting another room.
2. Participants → "Claim Host" → enter the host key.
3. Security → "Enable Waiting Room" (the room's link is widely known),
   then admit your participants.
4. To record, choose cloud recording, and download it within
   24_hours of the meeting.
5. At the end, "End Meeting for All": a meeting left open would let the
   next member into your room.

If the host key is refused, check it digit by digit, then tell the
facilitators: do not look for another key.

To cancel or move the meeting, cancel or move it in your calendar: the
room will follow.

A question, a problem? The facilitators: animation@coop.example

— The cooperative's Zoom room service
`, "fr": `Bonjour Anne Martin,

La salle Atelier est réservée pour votre réunion «_Point mensuel_»_:
mardi 1er_décembre 2026, 10:00~11:00 (heure de Paris).

Ajoutez ce lien à votre invitation pour vos participants_:
https://us02web.zoom.us/j/81234567890?pwd=Xy7

Accès à la réunion, pour vous et vos participants
  Lien_:           https://us02web.zoom.us/j/81234567890?pwd=Xy7
  ID de réunion_:  812 3456 7890
  Code secret_:    k9Pq2z

Clé hôte, pour vous seulement_: 482913
  Elle est confidentielle_: ne la donnez pas à vos participants et ne la
  mettez pas dans l'invitation.

Pour animer la réunion
1. Arrivez 10_minutes en avance et rejoignez la réunion par le lien,
   comme invité. Ne vous connectez jamais à Zoom avec le compte partagé_:
   cela pourrait expulser un membre qui anime une autre salle.
2. Participants → «_Revendiquer le rôle d'hôte_» → saisissez la clé hôte.
3. Sécurité → «_Activer la salle d'attente_» (le lien de la salle circule
   beaucoup), puis admettez vos participants.
4. Pour enregistrer, choisissez l'enregistrement dans le cloud, et
   téléchargez-le dans les 24_h qui suivent la réunion.
5. À la fin, «_Terminer la réunion pour tous_»_: une réunion restée
   ouverte accueillerait le membre suivant dans votre salle.

Si la clé hôte est refusée, vérifiez-la chiffre par chiffre, puis
prévenez les facilitateurs_: ne cherchez pas une autre clé.

Pour annuler ou déplacer la réunion, annulez-la ou déplacez-la dans votre
agenda_: la salle suivra.

Une question, un souci_? Les facilitateurs_: animation@coop.example

— Le service des salles Zoom de la coopérative
`}
	for lang, want := range tests {
		v := fullView(t)
		v.Accepted = true
		if got := render(t, load(t), lang, gateway.TmplAccept, v).Text; got != exact(want) {
			t.Errorf("%s text =\n%s\nwant\n%s", lang, got, exact(want))
		}
	}
}

// The key sentences of an accept, in both parts: the link for the guests,
// the confidential host key and what to do when it is refused, every
// hosting step in the words of Zoom's client, ending the meeting for all.
func TestAcceptContent(t *testing.T) {
	s := load(t)
	steps := map[string][]string{
		"en": {"Add this link to your invitation for your participants:", "join through the link as a guest",
			"Never sign in to Zoom with the shared account", `Participants → "Claim Host" → enter the host key.`,
			`Security → "Enable Waiting Room"`, "choose cloud recording", "24 hours of the meeting",
			`At the end, "End Meeting for All"`, "It is confidential: do not give it to your participants",
			"If the host key is refused, check it digit by digit", "cancel or move it in your calendar", "Join the meeting"},
		"fr": {"Ajoutez ce lien à votre invitation pour vos participants :", "rejoignez la réunion par le lien",
			"Ne vous connectez jamais à Zoom avec le compte partagé", "Participants → « Revendiquer le rôle d'hôte » → saisissez la clé hôte.",
			"Sécurité → « Activer la salle d'attente »", "l'enregistrement dans le cloud", "dans les 24 h qui suivent",
			"À la fin, « Terminer la réunion pour tous »", "Elle est confidentielle : ne la donnez pas à vos participants",
			"Si la clé hôte est refusée, vérifiez-la chiffre par chiffre", "annulez-la ou déplacez-la dans votre", "Rejoindre la réunion"},
	}
	labels := map[string][]string{"en": {"Meeting ID", "Passcode", "Host key"}, "fr": {"ID de réunion", "Code secret", "Clé hôte"}}
	for _, lang := range langs {
		t.Run(lang, func(t *testing.T) {
			v := fullView(t)
			v.Accepted = true
			r := render(t, s, lang, gateway.TmplAccept, v)
			text, html := plainText(r.Text), plainText(strings.Join(strings.Fields(r.HTML), " "))
			for _, part := range []struct{ what, body string }{{"text", text}, {"html", html}} {
				wantContains(t, part.what, part.body, "482913", "k9Pq2z", "812 3456 7890",
					v.Room.JoinURL, "Atelier", "Anne Martin", "(heure de Paris)"[:0]+map[string]string{"fr": "(heure de Paris)", "en": "(Paris time)"}[lang],
					"10 minutes", "animation@coop.example")
				wantContains(t, part.what, part.body, labels[lang]...)
				// "Join the meeting" is the HTML button; the text has the link itself.
				want := steps[lang]
				if part.what == "text" {
					want = want[:len(want)-1]
				}
				wantContains(t, part.what, part.body, want...)
			}
			wantContains(t, "html", r.HTML, `<a href="https://us02web.zoom.us/j/81234567890?pwd=Xy7" style=`)

			m := minimalView(t)
			m.Accepted = true
			mr := render(t, s, lang, gateway.TmplAccept, m)
			for _, part := range []struct{ what, body string }{{"text", mr.Text}, {"html", mr.HTML}} {
				wantContains(t, part.what, part.body, "482913", v.Room.JoinURL)
				wantLacks(t, part.what, part.body, "animation@", "Anne", "k9Pq2z", labels[lang][0], labels[lang][1])
			}
		})
	}
}

// TestAcceptLinkInInvitation: when the invitation already holds the join
// link, the mail says so instead of asking to add it.
func TestAcceptLinkInInvitation(t *testing.T) {
	s := load(t)
	say := map[string][2]string{
		"en": {"Add this link to your invitation for your participants:", "Your invitation already holds the room's link: your participants have it."},
		"fr": {"Ajoutez ce lien à votre invitation pour vos participants" + nb + ":",
			"Votre invitation contient déjà le lien de la salle" + nb + ": vos participants l'ont."},
	}
	for _, lang := range langs {
		v := fullView(t)
		v.Accepted, v.LinkInInvitation = true, true
		r := render(t, s, lang, gateway.TmplAccept, v)
		for what, body := range map[string]string{"text": r.Text, "html": r.HTML} {
			wantContains(t, lang+" "+what, body, say[lang][1])
			wantLacks(t, lang+" "+what, body, say[lang][0])
		}
	}
}

// reasonText holds, per language, a sentence that must appear in a decline
// for that reason, and in no other.
var reasonText = map[string]map[string]string{
	"en": {
		gateway.ReasonConflict:       "only one meeting at a time",
		gateway.ReasonNotOrganizer:   "Only members of the cooperative can book this room",
		gateway.ReasonPast:           "This meeting has already started",
		gateway.ReasonTooLong:        "at most 8 hours",
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
	suggestHead = map[string]string{"en": "Free slots of the same length, nearest to the time you asked for:",
		"fr": "Créneaux libres de même durée, au plus près de l'heure demandée :"}
	retryText   = map[string]string{"en": "the room will answer again", "fr": "la salle répondra de nouveau"}
	suggestSlot = map[string]string{"en": "Wednesday 2 December 2026, 10:00–11:00", "fr": "mercredi 2 décembre 2026, 10:00–11:00"}
	busySlot    = map[string]string{"en": "Tuesday 1 December 2026, 09:30–10:30", "fr": "mardi 1er décembre 2026, 09:30–10:30"}
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
				for _, part := range []struct{ what, body string }{{"text", plainText(r.Text)}, {"html", plainText(r.HTML)}} {
					wantContains(t, part.what, part.body, sentence)
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
		wantLacks(t, what, body, "Atelier", suggestHead[lang], suggestSlot[lang], retryText[lang], "animation@coop.example")
		return
	}
	wantContains(t, what, body, "Atelier", map[string]string{"fr": "(heure de Paris)", "en": "(Paris time)"}[lang],
		suggestHead[lang], suggestSlot[lang], retryText[lang])
	switch reason {
	case gateway.ReasonConflict:
		wantContains(t, what, body, busySlot[lang])
	case gateway.ReasonTooLong:
		wantContains(t, what, body, map[string]string{"en": "lasts 1 hour.", "fr": "dure 1 h."}[lang])
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
			for _, part := range []struct{ what, body string }{{"text", plainText(r.Text)}, {"html", plainText(r.HTML)}} {
				wantContains(t, part.what, part.body, reasonText[lang][gateway.ReasonConflict], retryText[lang])
				wantLacks(t, part.what, part.body, suggestHead[lang], busySlot[lang], "<li>")
			}
		})
	}
}

func TestDeclineTextExact(t *testing.T) {
	tests := map[string]string{"fr": `Bonjour Anne Martin,

La salle Atelier ne peut pas accueillir votre réunion «_Point mensuel_»,
mardi 1er_décembre 2026, 10:00~11:00 (heure de Paris).

Le compte Zoom de la coopérative n'accueille qu'une réunion à la fois, et
ce créneau est déjà pris_:
- mardi 1er_décembre 2026, 09:30~10:30

La salle garde aussi 10_minutes libres avant et après chaque réunion.

Créneaux libres de même durée, au plus près de l'heure demandée_:
- mardi 1er_décembre 2026, 14:00~15:00
- mercredi 2_décembre 2026, 10:00~11:00

Pour réessayer, changez l'horaire de votre réunion dans votre agenda (la
salle reste invitée)_: la salle répondra de nouveau.

Une question, un souci_? Les facilitateurs_: animation@coop.example

— Le service des salles Zoom de la coopérative
`, "en": `Hello Anne Martin,

The room Atelier cannot take your meeting “Point mensuel”,
Tuesday 1_December 2026, 10:00–^11:00 (Paris time).

The cooperative's Zoom account hosts only one meeting at a time, and
this slot is already taken:
- Tuesday 1_December 2026, 09:30–^10:30

The room also keeps 10_minutes free before and after every meeting.

Free slots of the same length, nearest to the time you asked for:
- Tuesday 1_December 2026, 14:00–^15:00
- Wednesday 2_December 2026, 10:00–^11:00

To try again, change the time of your meeting in your calendar (the room
stays invited): the room will answer again.

A question, a problem? The facilitators: animation@coop.example

— The cooperative's Zoom room service
`}
	for lang, want := range tests {
		v := fullView(t)
		v.Reason, v.Buffer = gateway.ReasonConflict, 10*time.Minute
		if got := render(t, load(t), lang, gateway.TmplDecline, v).Text; got != exact(want) {
			t.Errorf("%s text =\n%s\nwant\n%s", lang, got, exact(want))
		}
	}
}

// TestDeclineBuffer: a slot declined only for the margin kept around the
// next booking says so.
func TestDeclineBuffer(t *testing.T) {
	s := load(t)
	want := map[string]string{
		"fr": "Aucune réunion n'a lieu pendant ce créneau, mais la salle garde\n10 minutes libres avant et après chaque réunion, et votre créneau\nempiète sur cette marge :\n- mardi 1er décembre 2026, 09:30–10:30\n",
		"en": "No meeting takes place during this slot, but the room keeps\n10 minutes free before and after every meeting, and your slot\nruns into that margin:\n- Tuesday 1 December 2026, 09:30–10:30\n",
	}
	also := map[string]string{"fr": "La salle garde aussi", "en": "The room also keeps"}
	for _, lang := range langs {
		v := fullView(t)
		v.Reason, v.Buffer, v.BufferOnly = gateway.ReasonConflict, 10*time.Minute, true
		r := render(t, s, lang, gateway.TmplDecline, v)
		wantContains(t, lang+" text", plainText(r.Text), want[lang])
		wantContains(t, lang+" html", plainText(r.HTML), strings.ReplaceAll(strings.SplitN(want[lang], "\n-", 2)[0], "\n", " "))
		wantLacks(t, lang+" text", r.Text, also[lang], reasonText[lang][gateway.ReasonConflict])
	}
}

// TestUpdate: an edit that left the slot and the answer as they were
// gets one line, in both languages, with no access details.
func TestUpdate(t *testing.T) {
	s := load(t)
	want := map[string]map[bool]string{
		"fr": {true: "Bonjour Anne Martin,\n\nVotre modification de «_Point mensuel_» est bien reçue_: la salle Atelier reste réservée (mardi 1er_décembre 2026, 10:00~11:00) et les accès du premier message restent valables.\n\n— Le service des salles Zoom de la coopérative\n",
			false: "Bonjour Anne Martin,\n\nVotre modification de «_Point mensuel_» est bien reçue_: la salle Atelier reste indisponible à ce créneau (mardi 1er_décembre 2026, 10:00~11:00)_; le premier message en donnait la raison.\n\n— Le service des salles Zoom de la coopérative\n"},
		"en": {true: "Hello Anne Martin,\n\nYour change to “Point mensuel” has been received: the room Atelier stays booked (Tuesday 1_December 2026, 10:00–^11:00) and the access details of the first mail still hold.\n\n— The cooperative's Zoom room service\n",
			false: "Hello Anne Martin,\n\nYour change to “Point mensuel” has been received: the room Atelier is still not available at that time (Tuesday 1_December 2026, 10:00–^11:00), for the reason the first mail gave.\n\n— The cooperative's Zoom room service\n"},
	}
	for _, lang := range langs {
		for _, accepted := range []bool{true, false} {
			v := fullView(t)
			v.Accepted, v.Service = accepted, ""
			r := render(t, s, lang, gateway.TmplUpdate, v)
			if r.Text != exact(want[lang][accepted]) {
				t.Errorf("%s accepted=%v text =\n%q\nwant\n%q", lang, accepted, r.Text, exact(want[lang][accepted]))
			}
			if r.HTML != "" {
				t.Errorf("%s update has an HTML part", lang)
			}
		}
	}
}

// TestComment: the texts of the REPLY itself, in the organizer's
// language: the REQUEST-STATUS description (the subject) and the COMMENT
// of a decline (the body).
func TestComment(t *testing.T) {
	s := load(t)
	tests := []struct {
		lang, reason   string
		accepted, only bool
		status, text   string
	}{
		{"fr", "", true, false, "Salle réservée", ""},
		{"en", "", true, false, "Room booked", ""},
		{"fr", gateway.ReasonConflict, false, false, "Créneau déjà pris",
			"La salle est déjà prise à ce moment-là. Créneaux libres_: mardi 1er_décembre 2026, 14:00~15:00_; mercredi 2_décembre 2026, 10:00~11:00."},
		{"en", gateway.ReasonConflict, false, false, "Time already taken",
			"The room is already taken at that time. Free slots: Tuesday 1_December 2026, 14:00–^15:00; Wednesday 2_December 2026, 10:00–^11:00."},
		{"fr", gateway.ReasonConflict, false, true, "Créneau déjà pris",
			"Ce créneau empiète sur la marge de 10_minutes que la salle garde autour de chaque réunion. Créneaux libres_: mardi 1er_décembre 2026, 14:00~15:00_; mercredi 2_décembre 2026, 10:00~11:00."},
		{"fr", gateway.ReasonTooLong, false, false, "Salle indisponible", "Une réservation dure au plus 8_h, et cette réunion dure 10_h."},
		{"en", gateway.ReasonTooLong, false, false, "Room not available", "A booking lasts at most 8_hours, and this meeting lasts 10_hours."},
		{"fr", gateway.ReasonBeyondWindow, false, false, "Salle indisponible", "La salle se réserve au plus 90_jours à l'avance."},
		{"fr", gateway.ReasonNotOrganizer, false, false, "Salle indisponible", "Seuls les membres de la coopérative peuvent réserver cette salle."},
		{"fr", gateway.ReasonCancelled, false, false, "Salle indisponible", "La salle n'est plus réservée pour cette réunion. Assemblée générale."},
		{"en", gateway.ReasonCancelled, false, false, "Room not available", "The room is no longer booked for this meeting. Assemblée générale."},
		{"fr", "", false, false, "Salle indisponible", "La salle ne peut pas accueillir cette réunion."},
		{"fr", gateway.ReasonQuotaWeek, false, false, "Salle indisponible", "Chaque membre réserve au plus 6_h par semaine, et cette réunion dépasserait la limite."},
		{"en", gateway.ReasonQuotaFuture, false, false, "Room not available", "Each member holds at most 4 bookings ahead."},
		{"en", gateway.ReasonHolds, false, false, "Room not available", "You already have as many requests not yet accepted as allowed (4)."},
		{"fr", gateway.ReasonHolds, false, false, "Salle indisponible", "Vous avez déjà autant de demandes en suspens que permis (4)."},
	}
	for _, tt := range tests {
		v := fullView(t)
		v.Reason, v.Accepted, v.BufferOnly, v.Buffer, v.Note = tt.reason, tt.accepted, tt.only, 10*time.Minute, "Assemblée générale."
		v.Quota = gateway.QuotaView{Max: 6 * time.Hour, Most: 4}
		v.When.End = v.When.Start.Add(10 * time.Hour)
		r := render(t, s, tt.lang, gateway.TmplComment, v)
		body := strings.TrimSuffix(r.Text, "\n")
		if r.Subject != exact(tt.status) || body != exact(tt.text) {
			t.Errorf("%s %s: status %q, comment %q; want %q, %q", tt.lang, tt.reason, r.Subject, body, exact(tt.status), exact(tt.text))
		}
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
	v.Recurrence = &gateway.Recurrence{Weeks: 1, Days: []time.Weekday{time.Tuesday}, First: v.When,
		Last:     gateway.Slot{Start: time.Date(2027, 1, 5, 10, 0, 0, 0, loc), End: time.Date(2027, 1, 5, 11, 0, 0, 0, loc)},
		SameTime: true, Dates: 12}
	v.Declined = []gateway.DateDecision{
		{When: gateway.Slot{Start: at(8, 10), End: at(8, 11)}, Reason: gateway.ReasonConflict, Suggestion: &free},
		{When: gateway.Slot{Start: at(15, 10), End: at(15, 11)}, Reason: gateway.ReasonPast},
	}
	return v
}

func TestSeries(t *testing.T) {
	s := load(t)
	subject := map[string]string{
		"en": "Room booked except 2 dates: Point mensuel — every Tuesday from 1 December 2026 to 5 January 2027, 10:00–11:00",
		"fr": "Salle réservée sauf 2 dates : Point mensuel — chaque mardi du 1er décembre 2026 au 5 janvier 2027, 10:00–11:00",
	}
	want := map[string][]string{
		"en": {"is booked for your meeting “Point mensuel”:\nevery Tuesday from 1 December 2026 to 5 January 2027, 10:00–11:00 (Paris time), except on the dates below.",
			"The room cannot take these 2 dates:",
			"- Tuesday 8 December 2026, 10:00–11:00: the room is already taken\n  nearest free slot: Wednesday 9 December 2026, 14:00–15:00",
			"- Tuesday 15 December 2026, 10:00–11:00: already started",
			"Your participants must not come on those days:"},
		"fr": {"est réservée pour votre réunion « Point mensuel » :\nchaque mardi du 1er décembre 2026 au 5 janvier 2027, 10:00–11:00 (heure de Paris), sauf aux dates ci-dessous.",
			"La salle ne peut pas prendre ces 2 dates :",
			"- mardi 8 décembre 2026, 10:00–11:00 : la salle est déjà prise\n  créneau libre le plus proche : mercredi 9 décembre 2026, 14:00–15:00",
			"- mardi 15 décembre 2026, 10:00–11:00 : déjà commencée",
			"Vos participants ne doivent pas venir ces jours-là :"},
	}
	allBooked := map[string]string{"en": "All 12 dates of the series are booked.", "fr": "Les 12 dates de la série sont réservées."}
	for _, lang := range langs {
		t.Run(lang, func(t *testing.T) {
			v := seriesView(t)
			v.Accepted = true
			r := render(t, s, lang, gateway.TmplAccept, v)
			if got := plainText(r.Subject); got != subject[lang] {
				t.Errorf("subject = %q, want %q", got, subject[lang])
			}
			wantContains(t, "text", plainText(r.Text), want[lang]...)
			wantContains(t, "html", words(r.HTML), wordsAll(want[lang])...)
			wantLacks(t, "text", plainText(r.Text), allBooked[lang])

			v.Reason, v.Accepted = gateway.ReasonConflict, false
			d := render(t, s, lang, gateway.TmplDecline, v)
			wantContains(t, "decline text", plainText(d.Text), want[lang][2:4]...)

			v.Declined, v.Accepted = nil, true
			r = render(t, s, lang, gateway.TmplAccept, v)
			for _, part := range []struct{ what, body string }{{"text", r.Text}, {"html", r.HTML}} {
				wantContains(t, part.what, plainText(part.body), allBooked[lang])
				wantLacks(t, part.what, plainText(part.body), want[lang][1])
			}
			r = render(t, s, lang, gateway.TmplAccept, fullView(t))
			wantLacks(t, "single text", plainText(r.Text), allBooked[lang], want[lang][1])
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
				v.Note, v.Service, v.HandedToName = hostile, hostile, hostile
				r := render(t, s, lang, name, v)
				if name == gateway.TmplComment { // the REPLY's texts name no member data but the note
					v.Reason = gateway.ReasonCancelled
					r = render(t, s, lang, name, v)
					wantContains(t, "comment", r.Text, hostile)
					return
				}
				if name == gateway.TmplZoomAccount { // about the account: it names no member data
					wantLacks(t, "mail", r.Subject+r.Text+r.HTML, hostile, "<script")
					return
				}
				if name == gateway.TmplForged || name == gateway.TmplUnreadable {
					// Its subject says nothing of the forged mail.
					wantLacks(t, "subject", r.Subject, hostile)
				} else {
					wantContains(t, "subject", r.Subject, hostile)
				}
				wantContains(t, "text", r.Text, hostile)
				if r.HTML != "" || (name != zoommail.TmplChat && name != gateway.TmplUpdate && name != gateway.TmplCounter && name != gateway.TmplApproval) {
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
		"relay": relayView, "service": func(t *testing.T) gateway.MailView {
			v := fullView(t)
			v.Service = "Salles Zoom d'Opteos"
			return v
		}}
	for _, lang := range langs {
		for _, name := range s.Names() {
			if name == gateway.TmplComment {
				continue // not a mail: see TestComment
			}
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

// signature is the templates' own signature when no service is named.
var signature = map[string]string{"fr": "Le service des salles Zoom de la coopérative", "en": "The cooperative's Zoom room service"}

func checkRendered(t *testing.T, lang string, r gateway.Rendered) {
	t.Helper()
	if r.Subject == "" || strings.ContainsAny(r.Subject, "\r\n") {
		t.Errorf("bad subject %q", r.Subject)
	}
	signed := strings.HasSuffix(r.Text, "\n\n— "+signature[lang]+"\n") || strings.HasSuffix(r.Text, "\n\n— Salles Zoom d'Opteos\n")
	facilitators := strings.HasSuffix(r.Text, "roomgate\n") // the mails to the facilitators name the program they run
	if !(signed || facilitators) || strings.Contains(r.Text, "\n\n\n") {
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
	want := []string{gateway.TmplAccept, gateway.TmplAlert, gateway.TmplApproval, gateway.TmplCancelled, zoommail.TmplChat, zoommail.TmplCode,
		gateway.TmplComment, gateway.TmplCounter, gateway.TmplDecline, gateway.TmplForged, gateway.TmplHandedOver, gateway.TmplHelp, gateway.TmplPending, zoommail.TmplRecording,
		gateway.TmplRecordingReminder, gateway.TmplReminder, gateway.TmplUnreadable, gateway.TmplUpdate, gateway.TmplZoomAccept,
		gateway.TmplZoomAccount, gateway.TmplZoomAttendance, gateway.TmplZoomLink, gateway.TmplZoomOverrun, gateway.TmplZoomRecordings,
		gateway.TmplZoomReleased, gateway.TmplZoomReminder, gateway.TmplZoomUnbooked}
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
	parts, err := fs.ReadFile(files, "mail/fr/_parts.txt")
	if err != nil {
		t.Fatal(err)
	}
	// The whole file is replaced: a copy with one part changed.
	changed := strings.Replace(string(parts), `{{define "series-dates"}}`, `{{define "series-dates"}}SÉRIE {{.Dates}}{{end}}{{define "unused"}}`, 1)
	writeFile(t, dir, "mail/fr/_parts.txt", changed)
	s, err := Load(dir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	v := fullView(t)
	r := render(t, s, "en", gateway.TmplAccept, v)
	if r.Subject != "Custom Point mensuel" || r.Text != "Custom body, key 482913.\n" {
		t.Errorf("override not used: %+v", r)
	}
	wantContains(t, "embedded html", r.HTML, `Security → "Enable Waiting Room"`)
	fr := render(t, s, "fr", gateway.TmplAccept, seriesView(t))
	wantContains(t, "fr text", fr.Text, "Sécurité → «"+nb+"Activer la salle d'attente", "SÉRIE 12")
	wantLacks(t, "fr text", fr.Text, "ces 2"+nb+"dates")
	wantContains(t, "fr html", fr.HTML, "ces 2 dates")
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

// words reads a mail part as a reader sees it, for comparing the text and
// HTML parts: tags dropped (and the head), entities decoded, typography
// as plain spaces, runs of spaces as one.
func words(s string) string {
	if i, j := strings.Index(s, "<head>"), strings.Index(s, "</head>"); i >= 0 && j > i {
		s = s[:i] + s[j:]
	}
	s = blockRE.ReplaceAllString(s, " ")
	s = tagRE.ReplaceAllString(s, "")
	s = html.UnescapeString(s)
	return strings.Join(strings.Fields(plainText(s)), " ")
}

var (
	blockRE = regexp.MustCompile(`<(br|/p|/li|/div|/td|/h2|/ol|/ul|/title)[^>]*>`)
	tagRE   = regexp.MustCompile(`<[^>]*>`)
)

// wordsAll is words of each string.
func wordsAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.Join(strings.Fields(strings.TrimPrefix(s, "- ")), " ")
		out[i] = strings.ReplaceAll(out[i], "\n- ", " ")
	}
	return out
}

// BenchmarkRender renders the French accept mail (subject, text and HTML)
// and the reply's comment, the two renderings of each accepted
// invitation.
//
//	go test -run '^$' -bench Render -benchmem ./templates
func BenchmarkRender(b *testing.B) {
	s, err := Load("")
	if err != nil {
		b.Fatal(err)
	}
	loc, err := parisZone()
	if err != nil {
		b.Fatal(err)
	}
	v := gateway.MailView{Lang: "fr", Summary: "Point d'équipe", OrganizerName: "Alice", Organizer: "alice@coop.example",
		Room:     gateway.RoomView{Name: "Salle Opteos", Address: "zoom@coop.example", JoinURL: "https://zoom.us/j/81234567890?pwd=Xy7", MeetingID: "812 3456 7890", Passcode: "k9Pq2z"},
		HostKey:  "482913",
		When:     gateway.Slot{Start: time.Date(2026, 12, 3, 18, 0, 0, 0, loc), End: time.Date(2026, 12, 3, 19, 0, 0, 0, loc)},
		TimeZone: "Europe/Paris", MaxDuration: 8 * time.Hour, WindowDays: 180, LeadMinutes: 5, RecordingHours: 24,
		Contact: "tech@coop.example", Accepted: true}
	b.ReportAllocs()
	before := benchcpu.Used(b)
	for b.Loop() {
		if _, err := s.Render("fr", gateway.TmplAccept, v); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Render("fr", gateway.TmplComment, gateway.MailView{Accepted: true, When: v.When}); err != nil {
			b.Fatal(err)
		}
	}
	benchcpu.Report(b, before, time.Nanosecond, "cpu-ns/op")
}
