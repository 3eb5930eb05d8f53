package templates

// doorWebWords are the words of the doors' pages (the links of a booking
// held on BigBlueButton or Galène), merged into webWords at start (same
// keys in both languages: TestWebWordsComplete).
var doorWebWords = map[string]map[string]string{
	"fr": {
		"title.door":      "Rejoindre la réunion",
		"door.invalid":    "Ce lien de réunion n'est pas valable. Utilisez le lien reçu dans le dernier courriel de la salle pour cette réunion.",
		"door.early":      "Ce lien de réunion s'ouvre le %s. Revenez à ce moment-là.",
		"door.over":       "Cette réunion est terminée (%s) : son lien ne fonctionne plus.",
		"door.gone":       "Cette réunion (%s) a été annulée ou déplacée : ce lien ne fonctionne plus. Si elle a été déplacée, le dernier courriel de la salle donne son nouveau lien.",
		"door.busy":       "Ce lien a servi trop souvent en peu de temps. Réessayez dans un moment.",
		"door.tool":       "Le serveur de visioconférence ne répond pas pour le moment. Réessayez dans une minute ; si cela dure, prévenez les facilitateurs.",
		"door.meeting":    "Vous rejoignez « %s » (%s).",
		"door.name":       "Votre nom, tel que les autres le verront :",
		"door.name.short": "Donnez un nom d'au moins deux caractères.",
		"door.join":       "Rejoindre",
	},
	"en": {
		"title.door":      "Join the meeting",
		"door.invalid":    "This meeting link is not valid. Use the link in the room's latest mail about this meeting.",
		"door.early":      "This meeting link opens on %s. Come back then.",
		"door.over":       "This meeting is over (%s): its link no longer works.",
		"door.gone":       "This meeting (%s) was cancelled or moved: this link no longer works. If it was moved, the room's latest mail gives its new link.",
		"door.busy":       "This link was used too often in a short while. Try again in a moment.",
		"door.tool":       "The video server does not answer at the moment. Try again in a minute; if it lasts, tell the facilitators.",
		"door.meeting":    "You are joining “%s” (%s).",
		"door.name":       "Your name, as the others will see it:",
		"door.name.short": "Give a name of at least two characters.",
		"door.join":       "Join",
	},
}

func init() {
	for lang, words := range doorWebWords {
		for k, v := range words {
			webWords[lang][k] = v
		}
	}
}
