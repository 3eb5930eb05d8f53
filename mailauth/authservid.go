package mailauth

import "strings"

// maxAuthservID bounds the authserv-id AuthservID returns (a domain name
// is at most 255 octets, RFC 1035 §2.3.4).
const maxAuthservID = 255

// AuthservID returns the authserv-id at the start of an
// Authentication-Results field value (RFC 8601 §2.2: [CFWS] authserv-id,
// a value as in RFC 2045 §5.1, token or quoted-string, then CFWS, a
// version or ";"), or "" when the field does not begin so. It reads only
// the id, even of a field whose results Parse refuses, to name the server
// that wrote the field (`roomgate check`, the alert about a rejected
// member); whether the field says "pass" is decided by Check alone.
func AuthservID(field string) string {
	if len(field) > maxField {
		return ""
	}
	p := &parser{s: field}
	if p.cfws() != nil {
		return ""
	}
	id, err := p.value()
	if err != nil || id == "" || len(id) > maxAuthservID {
		return ""
	}
	// After the id: CFWS, a ";" or the end (no-result), nothing glued on.
	if _, err := p.cfwsSeen(); err != nil {
		return ""
	}
	if c := p.peek(); c != 0 && c != ';' && !isDigit(c) {
		return ""
	}
	return strings.TrimSpace(id)
}
