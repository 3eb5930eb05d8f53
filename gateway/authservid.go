package gateway

import (
	"strings"

	"github.com/emersion/go-message/textproto"
)

// AuthservID returns the authserv-id of an Authentication-Results field
// value (RFC 8601 §2.2: [CFWS] authserv-id, a value as in RFC 2045 §5.1,
// token or quoted-string, then CFWS, a version or ";"), or "" when the
// field does not begin so. It reads only the id, to name the server that
// wrote the field (`roomgate check`, the alert about a rejected member);
// whether the field says "pass" is decided by authenticate alone.
func AuthservID(field string) string {
	s := authservSkipCFWS(field)
	var id string
	if strings.HasPrefix(s, `"`) {
		var ok bool
		if id, s, ok = authservQuoted(s); !ok {
			return ""
		}
	} else {
		n := strings.IndexFunc(s, func(r rune) bool { return !authservTokenChar(r) })
		if n < 0 {
			n = len(s)
		}
		id, s = s[:n], s[n:]
	}
	if id == "" || len(id) > 255 {
		return ""
	}
	// After the id: CFWS, a ";" or the end (no-result), nothing glued on.
	if s != "" && s[0] != ';' && s[0] != ' ' && s[0] != '\t' && s[0] != '(' && s[0] != '\r' && s[0] != '\n' {
		return ""
	}
	return id
}

// TopAuthservID returns the authserv-id of the top (last added)
// Authentication-Results field of h, "" when there is none or it is
// unreadable.
func TopAuthservID(h textproto.Header) string {
	return AuthservID(h.Get("Authentication-Results"))
}

// authservTokenChar: RFC 2045 §5.1, any US-ASCII character except SPACE, CTLs
// and tspecials.
func authservTokenChar(r rune) bool {
	return r > ' ' && r < 0x7f && !strings.ContainsRune(`()<>@,;:\"/[]?=`, r)
}

// authservSkipCFWS skips white space and comments (RFC 5322 §3.2.2), which nest
// and may hold quoted-pairs.
func authservSkipCFWS(s string) string {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && depth > 0:
			i++
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth > 0, c == ' ', c == '\t', c == '\r', c == '\n':
		default:
			return s[i:]
		}
	}
	return ""
}

// authservQuoted reads a quoted-string at the start of s and returns its
// content and the rest.
func authservQuoted(s string) (string, string, bool) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '"':
			return b.String(), s[i+1:], true
		default:
			b.WriteByte(c)
		}
	}
	return "", "", false
}

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
	if seen := TopAuthservID(h); seen != "" && !strings.EqualFold(seen, want) {
		return printable(seen)
	}
	return ""
}
