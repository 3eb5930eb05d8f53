package gateway

import (
	"strings"

	"codeberg.org/opteos/roomgate/mailauth"
)

// authservMismatch returns the authserv-id of the top
// Authentication-Results field of a's message when the message failed
// authentication and that id is not the configured one: on a first day,
// a wrong authserv_id rejects every member's mail, and the alert says so
// first. "" otherwise.
func (g *Gateway) authservMismatch(a *analysis) string {
	want := g.opt.Auth.AuthservID
	if want == "" || a.auth.Pass {
		return ""
	}
	h, err := readHeader(a.raw)
	if err != nil {
		return ""
	}
	if seen := mailauth.TopAuthservID(h); seen != "" && !strings.EqualFold(seen, want) {
		return printable(seen)
	}
	return ""
}
