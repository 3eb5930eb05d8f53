package gateway

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/emersion/go-message/textproto"
	"github.com/emersion/go-msgauth/authres"
	"github.com/emersion/go-msgauth/dkim"
)

// maxDKIMSignatures bounds the signatures verified in one message.
const maxDKIMSignatures = 5

// authenticate decides whether a Zoom mail is genuine: its From must be one
// of the configured Zoom senders, and a DKIM signature must pass for a
// domain aligned with the From domain (RFC 7489 §3.1.1, relaxed). The
// result is read from the top Authentication-Results field when its
// authserv-id is the operator's server, or, when VerifyDKIM is set, from
// verifying the signatures (RFC 6376). It returns how it was decided.
func (g *Gateway) authenticate(h textproto.Header, raw []byte, from string) (bool, string) {
	if !g.isZoomSender(from) {
		return false, fmt.Sprintf("sender %s is not a configured Zoom sender", from)
	}
	why := "no authentication configured"
	if id := g.opt.Relay.AuthservID; id != "" {
		ok, w := authResultsPass(h.Get("Authentication-Results"), id, from)
		if ok {
			return true, w
		}
		why = w
	}
	if g.opt.Relay.VerifyDKIM {
		ok, w := g.verifyDKIM(raw, from)
		if ok {
			return true, w
		}
		why = strings.TrimPrefix(why+"; ", "no authentication configured; ") + w
	}
	return false, why
}

// authResultsPass reads the top Authentication-Results field. RFC 8601 §5:
// only fields added by the operator's own server (its authserv-id) can be
// trusted, and that server adds its field on top; a field lower down may
// have been written by the sender. So only the top field is read, and only
// when its authserv-id is ours.
func authResultsPass(field, authservID, from string) (bool, string) {
	if field == "" {
		return false, "no Authentication-Results field"
	}
	id, results, err := authres.Parse(stripComments(field))
	if err != nil && len(results) == 0 {
		return false, "unreadable Authentication-Results field"
	}
	if !strings.EqualFold(id, authservID) {
		return false, fmt.Sprintf("top Authentication-Results field is from %q, not %q", printable(id), authservID)
	}
	for _, r := range results {
		if d, ok := r.(*authres.DKIMResult); ok && d.Value == authres.ResultPass && aligned(d.Domain, from) {
			return true, fmt.Sprintf("DKIM pass for %s according to %s", d.Domain, authservID)
		}
	}
	return false, fmt.Sprintf("%s reports no passing DKIM signature aligned with %s", authservID, domainOf(from))
}

// verifyDKIM verifies the message's DKIM signatures.
func (g *Gateway) verifyDKIM(raw []byte, from string) (bool, string) {
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{
		LookupTXT: g.opt.Relay.LookupTXT, MaxVerifications: maxDKIMSignatures})
	if err != nil && len(vs) == 0 {
		return false, "DKIM verification failed: " + printable(err.Error())
	}
	why := "no DKIM signature"
	for _, v := range vs {
		switch {
		case v.Err == nil && aligned(v.Domain, from):
			return true, "DKIM signature verified for " + v.Domain
		case v.Err == nil:
			why = fmt.Sprintf("DKIM signature of %s is not aligned with %s", printable(v.Domain), domainOf(from))
		default:
			why = fmt.Sprintf("DKIM signature of %s does not verify: %s", printable(v.Domain), printable(v.Err.Error()))
		}
	}
	return false, why
}

// aligned applies relaxed DKIM alignment (RFC 7489 §3.1.1): the signing
// domain and the From domain have the same organizational domain. The
// organizational domain is approximated by the last two labels, which
// holds for the Zoom senders this is used for (zoom.us).
func aligned(dkimDomain, from string) bool {
	d := orgDomain(strings.ToLower(strings.TrimSuffix(dkimDomain, ".")))
	return d != "" && d == orgDomain(domainOf(from))
}

// orgDomain returns the last two labels of a domain, "" for less.
func orgDomain(d string) string {
	labels := strings.Split(strings.TrimSuffix(d, "."), ".")
	if len(labels) < 2 || labels[len(labels)-2] == "" {
		return ""
	}
	return strings.Join(labels[len(labels)-2:], ".")
}

// stripComments removes the comments of a structured header field (RFC
// 5322 §3.2.2: parenthesized, nestable, with quoted pairs), outside quoted
// strings. Authentication-Results often holds some, e.g. "dkim=pass
// (2048-bit key; unprotected) header.d=zoom.us", whose ";" would otherwise
// split a result.
func stripComments(s string) string {
	var b strings.Builder
	depth, quoted := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && (depth > 0 || quoted) && i+1 < len(s):
			if depth == 0 {
				b.WriteByte(c)
				b.WriteByte(s[i+1])
			}
			i++
		case quoted:
			quoted = c != '"'
			b.WriteByte(c)
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
			if depth == 0 {
				b.WriteByte(' ')
			}
		case depth > 0:
		case c == '"':
			quoted = true
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
