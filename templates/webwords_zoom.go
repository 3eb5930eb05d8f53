package templates

// zoomWebWords are the words of Zoom API mode's pages, merged into
// webWords at start (same keys in both languages: TestWebWordsComplete).
var zoomWebWords = map[string]map[string]string{
	"fr": {
		"title.start":        "Lancer votre réunion",
		"title.recordings":   "Enregistrements",
		"title.zoom":         "Zoom",
		"start.invalid":      "Ce lien de départ n'est pas valable. Utilisez le lien reçu dans le dernier courriel de la salle pour cette réunion.",
		"start.early":        "Ce lien de départ s'ouvre le %s. Revenez à ce moment-là : la réunion démarrera avec vous comme hôte.",
		"start.over":         "Cette réservation est terminée (%s) : son lien de départ ne fonctionne plus.",
		"start.gone":         "Cette réservation (%s) a été annulée ou libérée : son lien de départ ne fonctionne plus.",
		"start.busy":         "Ce lien de départ a servi trop souvent en peu de temps. Réessayez dans un moment.",
		"start.zoom":         "Zoom ne répond pas pour le moment. Réessayez dans une minute ; si cela dure, prévenez les facilitateurs.",
		"recordings.invalid": "Ce lien ne mène à aucun enregistrement.",
		"recordings.expired": "Ce lien a expiré le %s : les copies des enregistrements ont été effacées.",
		"recordings.nofile":  "Ce fichier n'existe pas ou plus.",
		"recordings.intro":   "Les copies des enregistrements de « %s » (%s).",
		"recordings.until":   "Le lien fonctionne jusqu'au %s. Cliquez sur un fichier pour le télécharger.",
		"recordings.none":    "Aucun fichier.",
		"col.file":           "Fichier",
		"col.size":           "Taille",
		"col.sha":            "SHA-256",
		"col.expires":        "Expire",
		"col.booking":        "Réservation",
		"col.changed":        "Modifié",
		"zoom.jobs":          "Tâches Zoom en cours ou en échec",
		"zoom.copies":        "Copies des enregistrements",
		"zoom.deleted":       "effacée",
		"zoomjob.sync":       "réunion",
		"zoomjob.release":    "libération",
		"zoomjob.recordings": "enregistrements",
		"zoomjob.attendance": "présences",
	},
	"en": {
		"title.start":        "Start your meeting",
		"title.recordings":   "Recordings",
		"title.zoom":         "Zoom",
		"start.invalid":      "This start link is not valid. Use the link in the room's latest mail about this meeting.",
		"start.early":        "This start link opens on %s. Come back then: the meeting will start with you as its host.",
		"start.over":         "This booking is over (%s): its start link no longer works.",
		"start.gone":         "This booking (%s) was cancelled or freed: its start link no longer works.",
		"start.busy":         "This start link was used too often in a short while. Try again in a moment.",
		"start.zoom":         "Zoom does not answer at the moment. Try again in a minute; if it lasts, tell the facilitators.",
		"recordings.invalid": "This link leads to no recording.",
		"recordings.expired": "This link expired on %s: the copies of the recordings were removed.",
		"recordings.nofile":  "This file does not exist, or no longer.",
		"recordings.intro":   "The copies of the recordings of “%s” (%s).",
		"recordings.until":   "The link works until %s. Click a file to download it.",
		"recordings.none":    "No file.",
		"col.file":           "File",
		"col.size":           "Size",
		"col.sha":            "SHA-256",
		"col.expires":        "Expires",
		"col.booking":        "Booking",
		"col.changed":        "Changed",
		"zoom.jobs":          "Zoom jobs pending or failed",
		"zoom.copies":        "Copies of the recordings",
		"zoom.deleted":       "removed",
		"zoomjob.sync":       "meeting",
		"zoomjob.release":    "release",
		"zoomjob.recordings": "recordings",
		"zoomjob.attendance": "attendance",
	},
}

func init() {
	for lang, words := range zoomWebWords {
		for k, v := range words {
			webWords[lang][k] = v
		}
	}
}
