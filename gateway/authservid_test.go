package gateway_test

import (
	"strings"
	"testing"

	"codeberg.org/opteos/roomgate/gateway"
)

// TestForgedAlertNamesAuthservMismatch: a member's genuine invitation
// authenticated by a server whose authserv-id is not the configured one
// is rejected (the configured server's word is missing), and the alert to
// the facilitators says that first, with the id to configure, in French
// and in English.
func TestForgedAlertNamesAuthservMismatch(t *testing.T) {
	for lang, want := range map[string][]string{
		"en": {"The top Authentication-Results field is from mx1.provider.example, not the configured " + mx,
			`[authentication] authserv_id = "mx1.provider.example" if mx1.provider.example is your`},
		"fr": {"Le champ Authentication-Results du haut vient de mx1.provider.example, et non de " + mx + " configuré :",
			`[authentication] authserv_id = "mx1.provider.example" si mx1.provider.example est votre`},
	} {
		t.Run(lang, func(t *testing.T) {
			h := newHarness(t, securityOptions, func(o *gateway.Options) { o.Lang = lang })
			iv := meeting("REQUEST", "first-day", alice, 0, tomorrow(10, 0), tomorrow(11, 0))
			iv.AuthResults = "mx1.provider.example; dkim=pass header.d=coop.example; dmarc=pass header.from=coop.example"
			if out := h.handle(iv.bytes()); out.Action != gateway.ActionRejected {
				t.Fatalf("outcome %+v, want rejected", out)
			}
			sent := h.st.outbox()
			if len(sent) != 1 || sent[0].To[0] != tech {
				t.Fatalf("%d mails, want the alert to the facilitators", len(sent))
			}
			r := decodeNotice(t, sent[0].Raw)
			text := strings.Join(strings.Fields(r.Text), " ")
			for _, w := range want {
				if !strings.Contains(text, strings.Join(strings.Fields(w), " ")) {
					t.Errorf("the alert lacks %q:\n%s", w, r.Text)
				}
			}
			hello := map[string]string{"en": "Hello,", "fr": "Bonjour,"}[lang]
			if i, j := strings.Index(text, hello), strings.Index(text, "Authentication-Results"); i < 0 || j < i ||
				strings.Contains(text[:j], map[string]string{"en": "received", "fr": "reçu"}[lang]) {
				t.Errorf("the mismatch is not said first:\n%s", r.Text)
			}
		})
	}
	// A forgery with the right server's field, or none, gets no such hint.
	for _, ar := range []string{mx + "; dmarc=fail header.from=coop.example", "-"} {
		h := newHarness(t, securityOptions)
		iv := meeting("REQUEST", "forged", alice, 0, tomorrow(10, 0), tomorrow(11, 0))
		iv.AuthResults = ar
		h.handle(iv.bytes())
		if sent := h.st.outbox(); len(sent) != 1 || strings.Contains(decodeNotice(t, sent[0].Raw).Text, "authserv_id") {
			t.Errorf("AR %q: the alert names a mismatch, or is missing", ar)
		}
	}
}
