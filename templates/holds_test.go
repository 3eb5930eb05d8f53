package templates

import (
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// oneLine joins a mail's lines, so that a sentence wrapped in the text
// part reads as in the HTML part.
func joinedLines(s string) string { return strings.Join(strings.Fields(plainText(s)), " ") }

// TestDeclineHolds: a request declined because its organizer (or their
// domain) already holds as many requests not yet accepted as allowed says
// so with the figures; a decline for a taken slot that neither waits nor
// gets a proposal for that reason says why; a quota's decline says that
// those requests count.
func TestDeclineHolds(t *testing.T) {
	s := load(t)
	tests := []struct {
		name, lang, reason, domain string
		full                       bool
		want                       []string
	}{
		{"own limit", "en", gateway.ReasonHolds, "", false, []string{
			"The cooperative shares the account fairly: each member may have at most 3 requests not yet accepted at once (waiting for a facilitator's approval, for a slot to free, or a slot proposed to you), and you already have 3.",
			"The room will take new requests as those are answered, or when you cancel some."}},
		{"own limit", "fr", gateway.ReasonHolds, "", false, []string{
			"La coopérative partage le compte équitablement : chaque membre peut avoir au plus 3 demandes en suspens à la fois (en attente de l'accord d'un facilitateur, d'un créneau qui se libère, ou un créneau qui vous est proposé), et vous en avez déjà 3."}},
		{"domain limit", "en", gateway.ReasonHolds, "partner.example", false, []string{
			"the addresses of partner.example may have at most 3 requests not yet accepted together (waiting for a facilitator's approval, for a slot to free, or a slot proposed to them), and they already have 3."}},
		{"domain limit", "fr", gateway.ReasonHolds, "partner.example", false, []string{
			"les adresses de partner.example peuvent avoir ensemble au plus 3 demandes en suspens (en attente de l'accord d'un facilitateur, d'un créneau qui se libère, ou un créneau qui leur est proposé), et elles en ont déjà 3."}},
		{"taken slot", "en", gateway.ReasonConflict, "", true, []string{
			"The room does not keep this request waiting and proposes no other time: you already have 3 requests not yet accepted (the limit is 3)."}},
		{"taken slot", "fr", gateway.ReasonConflict, "partner.example", true, []string{
			"La salle ne garde pas cette demande en attente et ne propose pas d'autre créneau : les adresses de partner.example ont déjà 3 demandes en suspens (la limite est de 3)."}},
		{"week quota", "fr", gateway.ReasonQuotaWeek, "", false, []string{
			"Vous avez déjà 5 h réservées dans la semaine du"}},
		{"week quota", "en", gateway.ReasonQuotaWeek, "", false, []string{
			"Requests not yet accepted (waiting for a facilitator, for a slot to free, or a proposed slot) count too."}},
		{"bookings ahead", "fr", gateway.ReasonQuotaFuture, "", false, []string{
			"Les demandes en suspens (en attente d'un facilitateur, d'un créneau qui se libère, ou un créneau proposé) comptent aussi."}},
	}
	for _, tt := range tests {
		t.Run(tt.lang+"/"+tt.name, func(t *testing.T) {
			v := fullView(t)
			v.Reason, v.HoldsFull = tt.reason, tt.full
			v.Quota = gateway.QuotaView{Count: 3, Most: 3, Domain: tt.domain, Max: 6 * time.Hour, Hours: 5 * time.Hour, Week: v.When.Start}
			r := render(t, s, tt.lang, gateway.TmplDecline, v)
			for _, part := range []struct{ what, body string }{{"text", joinedLines(r.Text)}, {"html", joinedLines(r.HTML)}} {
				wantContains(t, part.what, part.body, tt.want...)
			}
			v.HoldsFull = false
			r = render(t, s, tt.lang, gateway.TmplDecline, v)
			if tt.full && strings.Contains(joinedLines(r.Text), tt.want[0]) {
				t.Errorf("the note shows without HoldsFull:\n%s", r.Text)
			}
		})
	}
}

// TestDeclineDelegateLimit: when the limit reached is that of the
// delegate who sent the request, the organizer reads whose it is.
func TestDeclineDelegateLimit(t *testing.T) {
	s := load(t)
	tests := []struct{ lang, reason, want string }{
		{"en", gateway.ReasonQuotaWeek, "carol@coop.example, who sent this request, already has 5 hours booked in the week of"},
		{"fr", gateway.ReasonQuotaWeek, "carol@coop.example, qui a envoyé cette demande, a déjà 5 h réservées dans la semaine du"},
		{"en", gateway.ReasonQuotaFuture, "and carol@coop.example, who sent this request, already holds 3."},
		{"fr", gateway.ReasonQuotaFuture, "et carol@coop.example, qui a envoyé cette demande, en a déjà 3."},
		{"en", gateway.ReasonHolds, "and carol@coop.example, who sent this request, already has 3."},
		{"fr", gateway.ReasonHolds, "et carol@coop.example, qui a envoyé cette demande, en a déjà 3."},
	}
	for _, tt := range tests {
		v := fullView(t)
		v.Reason = tt.reason
		v.Quota = gateway.QuotaView{Count: 3, Most: 3, Max: 6 * time.Hour, Hours: 5 * time.Hour, Week: v.When.Start, Person: "carol@coop.example"}
		r := render(t, s, tt.lang, gateway.TmplDecline, v)
		for _, part := range []struct{ what, body string }{{"text", joinedLines(r.Text)}, {"html", joinedLines(r.HTML)}} {
			wantContains(t, tt.lang+" "+tt.reason+" "+part.what, part.body, tt.want)
			wantLacks(t, tt.lang+" "+tt.reason+" "+part.what, part.body, "You already", "you already", "Vous avez déjà", "vous en avez")
		}
	}
}
