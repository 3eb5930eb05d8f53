package templates

import (
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// approvalView is a request that needs a facilitator for every rule.
func approvalView(t *testing.T) gateway.MailView {
	v := fullView(t)
	loc := paris(t)
	v.Pending = true
	v.When = gateway.Slot{Start: time.Date(2026, 12, 5, 7, 0, 0, 0, loc), End: time.Date(2026, 12, 5, 17, 30, 0, 0, loc)}
	v.DayHours = gateway.Slot{Start: time.Date(2026, 12, 1, 8, 0, 0, 0, loc), End: time.Date(2026, 12, 1, 20, 0, 0, 0, loc)}
	v.Approval = []string{gateway.ApproveTooLong, gateway.ApproveOutsideHours, gateway.ApproveBeyondWindow,
		gateway.ApproveEndless, gateway.ApproveDomain}
	return v
}

// TestPendingMail: the member learns why a facilitator must answer, and
// nothing of the room's access yet.
func TestPendingMail(t *testing.T) {
	s := load(t)
	want := map[string][]string{
		"fr": {"demande l'accord d'un facilitateur", "- elle dure 10" + nb + "h" + nb + "30, plus que les 8" + nb + "h",
			"heures ordinaires de la salle (08:00", "plus de 90" + nb + "jours",
			"sans date de fin", "les demandes de votre adresse", "refusera"},
		"en": {"needs the approval", "- it lasts 10" + nb + "hours 30" + nb + "minutes, longer than the 8" + nb + "hours",
			"ordinary hours (08:00", "more than 90" + nb + "days ahead", "without an end date",
			"requests from your address", "decline it"},
	}
	for _, lang := range langs {
		r := render(t, s, lang, gateway.TmplPending, approvalView(t))
		wantContains(t, lang+" pending text", r.Text, want[lang]...)
		for _, secret := range []string{"482913", "k9Pq2z", "81234567890"} {
			wantLacks(t, lang+" pending", r.Subject+r.Text+r.HTML, secret)
		}
		wantContains(t, lang+" pending html", r.HTML, "Point mensuel")
	}
}

// TestApprovalMail: the facilitators get both links, the expiry and the
// reasons, and whether the organizer is a member.
func TestApprovalMail(t *testing.T) {
	s := load(t)
	v := approvalView(t)
	exp := v.When.Start
	v.ApprovalLinks = &gateway.ApprovalLinks{Approve: "https://salles.coop.example/approval?t=aaa.approve",
		Refuse: "https://salles.coop.example/approval?t=aaa.refuse", Expires: exp}
	for _, lang := range langs {
		r := render(t, s, lang, gateway.TmplApproval, v)
		wantContains(t, lang+" approval", r.Text, v.ApprovalLinks.Approve, v.ApprovalLinks.Refuse, "07:00",
			"anne@coop.example", "Point mensuel")
		wantContains(t, lang+" outsider", r.Text, map[string]string{"fr": "n'est pas membre", "en": "is not a member"}[lang])
		wantLacks(t, lang+" approval", r.Text, "482913", "k9Pq2z")
		v.Member = true
		r = render(t, s, lang, gateway.TmplApproval, v)
		wantContains(t, lang+" member", r.Text, map[string]string{"fr": "passent toujours par vous", "en": "always go to you"}[lang])
		v.Member = false
	}
}

// TestRefusedMail: a refusal gives the facilitator's reason, and no way to
// "try again" at another time.
func TestRefusedMail(t *testing.T) {
	s := load(t)
	v := fullView(t)
	v.Reason, v.Note, v.Refused = gateway.ReasonApprovalRefused, "La salle est réservée au conseil ce jour-là.", true
	v.Suggestions, v.Conflicts = nil, nil
	for _, lang := range langs {
		r := render(t, s, lang, gateway.TmplDecline, v)
		wantContains(t, lang+" refused", r.Text, v.Note, map[string]string{"fr": "a refusé", "en": "refused"}[lang])
		wantLacks(t, lang+" refused", r.Text, map[string]string{"fr": "Pour réessayer", "en": "To try again"}[lang])
		wantContains(t, lang+" refused html", r.HTML, v.Note)
	}
}
