package web

import (
	"regexp"
	"strings"
)

// The audit's reasons are written in English by the gateway (they are
// also the log's); the French operator pages translate the common ones,
// leaving names, dates and technical details (a parser's message) as
// they are. A reason without translation is shown in English, marked
// lang="en" for screen readers.

// reasonFR is one reason's pattern and its French wording ($1… are the
// pattern's groups).
type reasonFR struct {
	re *regexp.Regexp
	fr string
}

var reasonsFR = func() []reasonFR {
	pairs := [][2]string{
		{`^the account is free$`, "le compte est libre"},
		{`^the account is already hosting a meeting then \(([^)]*)\): (.*)$`, "le compte accueille déjà une réunion à ce moment-là ($1) : $2"},
		{`^the room is already booked then \(([^)]*)\): (.*)$`, "la salle est déjà réservée à ce moment-là ($1) : $2"},
		{`^the meeting lasts (\S+), longer than the maximum (\S+)$`, "la réunion dure $1, plus que le maximum de $2"},
		{`^(\d+) date\(s\) accepted, (\d+) declined$`, "$1 date(s) acceptée(s), $2 refusée(s)"},
		{`^(\d+) booking\(s\) freed$`, "$1 réservation(s) libérée(s)"},
		{`^room removed from the meeting: (\d+) booking\(s\) freed$`, "salle retirée de la réunion : $1 réservation(s) libérée(s)"},
		{`^not an invitation$`, "pas une invitation"},
		{`^iTIP method "([^"]*)" needs no answer$`, "la méthode iTIP « $1 » n'appelle pas de réponse"},
		{`^organizer (\S+) never gets automatic replies$`, "l'organisateur $1 ne reçoit jamais de réponse automatique"},
		{`^organizer (\S+) may not book this room$`, "l'organisateur $1 n'a pas le droit de réserver cette salle"},
		{`^invalid calendar: (.*)$`, "calendrier invalide : $1"},
		{`^calendar part unreadable: (.*)$`, "partie calendrier illisible : $1"},
		{`^message too large: (\d+) octets, the limit is (\d+)$`, "message trop gros : $1 octets, la limite est $2"},
		{`^stale: (.*)$`, "version périmée : $1"},
		{`^accepted when the slot freed$`, "acceptée quand le créneau s'est libéré"},
		{`^the slot freed: the waiting request is accepted$`, "le créneau s'est libéré : la demande en attente est acceptée"},
		{`^cancelled by the operator: (.*)$`, "annulée par les facilitateurs : $1"},
		{`^cancelled by the operator$`, "annulée par les facilitateurs"},
		{`^cancelled by the organizer$`, "annulée par l'organisateur"},
		{`^no booking of this meeting to cancel$`, "aucune réservation de cette réunion à annuler"},
		{`^a slot proposed to the organizer$`, "un créneau proposé à l'organisateur"},
		{`^approved by a facilitator$`, "approuvée par un facilitateur"},
		{`^recurring series are not accepted$`, "les séries ne sont pas acceptées"},
		{`^no configured room is an attendee$`, "aucune salle configurée n'est invitée"},
		{`^not authenticated: (.*)$`, "non authentifié : $1"},
		{`^already processed on (\S+): (\S+)$`, "déjà traité le $1 : $2"},
		{`^the organizer declined the proposal: (\d+) slot\(s\) released$`, "l'organisateur a refusé la proposition : $1 créneau(x) libéré(s)"},
	}
	out := make([]reasonFR, len(pairs))
	for i, p := range pairs {
		out[i] = reasonFR{regexp.MustCompile(p[0]), p[1]}
	}
	return out
}()

// suffixesFR are the notes the gateway appends to a reason.
var suffixesFR = [][2]string{
	{"; the sender was told the invitation could not be read", " ; l'expéditeur a été prévenu que l'invitation était illisible"},
	{"; the sender was told how to book less than 30 days ago", " ; l'expéditeur a reçu le mode d'emploi il y a moins de 30 jours"},
	{"; the sender was told how to book", " ; l'expéditeur a reçu le mode d'emploi"},
}

// minorFR is the prefix of a re-sent invitation answered as before.
const minorEN, minorFR = "minor update, answered as before: ", "modification mineure, même réponse qu'avant : "

// reasonInFrench translates an audit reason; ok is false when it has no
// translation (it is then returned unchanged).
func reasonInFrench(reason string) (string, bool) {
	suffix := ""
	for _, s := range suffixesFR {
		if rest, found := strings.CutSuffix(reason, s[0]); found {
			reason, suffix = rest, s[1]
			break
		}
	}
	prefix := ""
	if rest, found := strings.CutPrefix(reason, minorEN); found {
		reason, prefix = rest, minorFR
	}
	for _, r := range reasonsFR {
		if r.re.MatchString(reason) {
			return prefix + r.re.ReplaceAllString(reason, r.fr) + suffix, true
		}
	}
	if prefix != "" || suffix != "" {
		return prefix + reason + suffix, false
	}
	return reason, false
}
