package chat

import (
	"fmt"
	"strings"
	"time"
)

// Languages a member may read.
const (
	French  = "fr"
	English = "en"
)

// known reports a supported language.
func known(lang string) bool { return lang == French || lang == English }

// texts holds every sentence a member reads, by key and language. Verbs
// follow fmt.
var texts = map[string][2]string{ // [fr, en]
	"free":            {"Libre", "Free"},
	"free.until":      {"Libre jusqu'à %s", "Free until %s"},
	"busy.until":      {"En cours jusqu'à %s", "In use until %s"},
	"next":            {"prochaine réservation %s", "next booking %s"},
	"agenda":          {"[Agenda](%s)", "[Agenda](%s)"},
	"today":           {"aujourd'hui", "today"},
	"tomorrow":        {"demain", "tomorrow"},
	"morning.title":   {"**Salle Zoom, %s**", "**Zoom room, %s**"},
	"morning.none":    {"Aucune réservation aujourd'hui.", "No bookings today."},
	"morning.booked":  {"Réservé :", "Booked:"},
	"morning.free":    {"Libre :", "Free:"},
	"morning.nofree":  {"Aucun créneau libre.", "No free slot."},
	"ev.booked":       {"Nouvelle réservation : %s", "New booking: %s"},
	"ev.cancelled":    {"Réservation annulée : %s", "Booking cancelled: %s"},
	"ev.released":     {"Salle libérée : %s", "Room released: %s"},
	"ev.freed":        {"Créneau libéré pour la liste d'attente : %s", "Slot freed for the waiting list: %s"},
	"slots.none":      {"Aucun créneau libre %s.", "No free slot %s."},
	"slots.head":      {"Créneaux libres %s :", "Free slots %s:"},
	"slots.book":      {"Réserver %s", "Book %s"},
	"mine.none":       {"Vous n'avez aucune réservation à venir.", "You have no upcoming bookings."},
	"mine.head":       {"Vos réservations (`/zoom annuler N` pour en annuler une) :", "Your bookings (`/zoom cancel N` to cancel one):"},
	"mine.item":       {"- **%d** : %s%s", "- **%d**: %s%s"},
	"booked":          {"Réservé : %s. L'invitation arrive dans votre agenda.", "Booked: %s. The invitation is on its way to your calendar."},
	"waiting":         {"Ce créneau est pris : votre demande pour %s attend sur la liste d'attente.", "This slot is taken: your request for %s is on the waiting list."},
	"pending":         {"Votre demande pour %s attend l'accord d'un facilitateur.", "Your request for %s awaits a facilitator's approval."},
	"declined":        {"Pas de réservation pour %s : %s", "No booking for %s: %s"},
	"cancelled":       {"Réservation n° %d annulée.", "Booking %d cancelled."},
	"nosuch":          {"Vous n'avez pas de réservation n° %d.", "You have no booking %d."},
	"notmember":       {"L'adresse liée à votre compte ne peut pas réserver la salle. Liez l'adresse de membre avec `/zoom lier adresse@exemple.org`.", "The address linked to your account may not book the room. Link your member address with `/zoom link address@example.org`."},
	"unlinked":        {"Votre compte de discussion n'est lié à aucune adresse de membre. Tapez `/zoom lier votre.adresse@exemple.org` : un lien vous sera envoyé par courriel, ouvrez-le pour confirmer.", "Your chat account is not linked to a member address. Type `/zoom link your.address@example.org`: a link will be mailed to you; open it to confirm."},
	"link.sent":       {"Si %s est l'adresse d'un membre, un lien de confirmation vient de lui être envoyé ; il vaut %s.", "If %s is a member's address, a confirmation link was just mailed to it; it is valid for %s."},
	"link.busy":       {"Un lien a déjà été demandé il y a peu ; réessayez plus tard.", "A link was asked for a moment ago; try again later."},
	"unavailable":     {"Le service des réservations ne répond pas pour l'instant ; réessayez dans un moment.", "The booking service does not answer right now; try again in a moment."},
	"action.invalid":  {"Ce bouton n'est pas valable.", "This button is not valid."},
	"action.expired":  {"Ce bouton a expiré : redemandez les créneaux libres.", "This button has expired: ask for the free slots again."},
	"action.used":     {"Ce bouton a déjà servi.", "This button was already used."},
	"action.notyours": {"Ce bouton a été proposé à quelqu'un d'autre.", "This button was offered to someone else."},
}

// tr renders a sentence in lang (French for an unknown language).
func tr(lang, key string, a ...any) string {
	t, ok := texts[key]
	if !ok {
		panic("chat: no text " + key) // a programming error, caught by the tests
	}
	s := typeset(t[0])
	if lang == English {
		s = t[1]
	}
	if len(a) == 0 {
		return s
	}
	return fmt.Sprintf(s, a...)
}

var (
	frDays   = [...]string{"dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."}
	enDays   = [...]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	frMonths = [...]string{"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."}
	enMonths = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
)

// frenchSpaces puts the no-break spaces of French typography before
// « : ; ! ? » and inside guillemets, so that a chat never breaks a line
// there. Only the package's own sentences get them, not what they quote.
var frenchSpaces = strings.NewReplacer(" :", "\u00a0:", " ;", "\u202f;", " !", "\u202f!", " ?", "\u202f?",
	"« ", "«\u00a0", " »", "\u00a0»")

func typeset(s string) string { return frenchSpaces.Replace(s) }

// plainLine folds a text from outside onto one bounded line for a plain
// text (a mail): control characters become spaces, nothing is escaped.
func plainLine(s string, max int) string {
	r := []rune(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029 {
			return ' '
		}
		return r
	}, s))
	if len(r) > max {
		r = append(r[:max], '…')
	}
	return strings.Join(strings.Fields(string(r)), " ")
}

// clock is "14:00".
func clock(t time.Time) string { return t.Format("15:04") }

// day names t's day relative to now's, both already in the display zone:
// "aujourd'hui", "demain", "mar. 8 déc." / "today", "tomorrow", "Tue 8 Dec".
func day(lang string, t, now time.Time) string {
	switch daysBetween(now, t) {
	case 0:
		return tr(lang, "today")
	case 1:
		return tr(lang, "tomorrow")
	}
	if lang == English {
		return fmt.Sprintf("%s %d %s", enDays[t.Weekday()], t.Day(), enMonths[t.Month()-1])
	}
	return fmt.Sprintf("%s %d %s", frDays[t.Weekday()], t.Day(), frMonths[t.Month()-1])
}

// daysBetween counts calendar days from a's date to b's (in a's zone).
func daysBetween(a, b time.Time) int {
	b = b.In(a.Location())
	da := time.Date(a.Year(), a.Month(), a.Day(), 12, 0, 0, 0, time.UTC)
	db := time.Date(b.Year(), b.Month(), b.Day(), 12, 0, 0, 0, time.UTC)
	return int(db.Sub(da).Hours() / 24)
}

// hours is "14:00–15:00" (an en dash, no spaces: the range never breaks).
func hours(s Slot) string { return clock(s.Start) + "–" + clock(s.End) }

// when is a slot with its day: "demain 14:00–15:00".
func when(lang string, s Slot, now time.Time) string {
	return day(lang, s.Start, now) + " " + hours(s)
}

// moment is an instant with its day when it is not today: "14:00",
// "demain 09:00".
func moment(lang string, t, now time.Time) string {
	if daysBetween(now, t) == 0 {
		return clock(t)
	}
	return day(lang, t, now) + " " + clock(t)
}

// oneLine folds a text from outside (a title) onto one bounded line
// without Markdown that could break a post: controls become spaces, and
// characters that start links, mentions or code are escaped.
func oneLine(s string, max int) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == max {
			b.WriteString("…")
			break
		}
		switch {
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029:
			r = ' '
		case strings.ContainsRune("\\`*_[]()<>#@~|!", r):
			b.WriteByte('\\')
		}
		b.WriteRune(r)
		n++
	}
	return strings.Join(strings.Fields(b.String()), " ")
}
