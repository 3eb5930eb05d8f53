package ical

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// AddressError says why a value is not exactly one mailbox.
type AddressError struct {
	Value string // the value, cut and made printable
	Why   string
}

func (e *AddressError) Error() string {
	return fmt.Sprintf("invalid address %q: %s", e.Value, e.Why)
}

// Limits of RFC 5321 §4.5.3.1.
const (
	maxLocalPart = 64
	maxDomain    = 253
	maxMailbox   = 254
)

// domainProfile maps a domain the way lookups do (UTS #46): lower case,
// full-width forms folded, U-labels turned into A-labels; STD3 rules refuse
// anything but letters, digits and hyphens in a label.
var domainProfile = idna.New(idna.MapForLookup(), idna.StrictDomainName(true), idna.BidiRule())

// ParseCalAddress reads a calendar user address (an ORGANIZER, ATTENDEE or
// SENT-BY value, RFC 5545 §3.3.3) as exactly one mailbox. The value is a
// mailto: URI (RFC 6068, scheme in any case); a bare address is accepted
// too, as Zoom writes one. A query ("?cc="), several addresses or
// percent-encoding are refused rather than decoded: no client writes them
// for a calendar user, and each is a way to make a mail server deliver to
// someone else than the address compared with the policy.
func ParseCalAddress(v string) (string, error) {
	s := strings.TrimSpace(v)
	if len(s) >= 7 && strings.EqualFold(s[:7], "mailto:") {
		s = s[7:]
	}
	switch {
	case s == "":
		return "", addrErr(v, "empty")
	case strings.ContainsAny(s, "?#"):
		return "", addrErr(v, "a mailto: URI with a query or fragment")
	case strings.Contains(s, ","):
		return "", addrErr(v, "more than one address")
	}
	return ParseMailbox(s)
}

// ParseMailbox checks that s is exactly one RFC 5321 mailbox (§4.1.2) and
// returns it normalized: lower case, the domain in its ASCII (IDNA) form.
// The local part must be a dot-atom without '%' or '!' (old source routes
// that some servers still follow), quotes, white space or control
// characters; non-ASCII letters and digits are allowed (RFC 6531). The
// domain must be a host name of at least two labels, not an address
// literal.
func ParseMailbox(s string) (string, error) {
	if len(s) > maxMailbox {
		return "", addrErr(s, "longer than 254 octets")
	}
	if !utf8.ValidString(s) {
		return "", addrErr(s, "not UTF-8")
	}
	if n := strings.Count(s, "@"); n != 1 {
		return "", addrErr(s, fmt.Sprintf("%d '@' instead of one", n))
	}
	local, domain, _ := strings.Cut(s, "@")
	if err := checkLocalPart(local); err != nil {
		return "", addrErr(s, err.Error())
	}
	d, err := ParseDomain(domain)
	if err != nil {
		return "", addrErr(s, err.Error())
	}
	return strings.ToLower(local) + "@" + d, nil
}

// ParseDomain checks a host name and returns its lower-case ASCII form.
func ParseDomain(d string) (string, error) {
	if d == "" {
		return "", errors.New("no domain")
	}
	if strings.HasPrefix(d, "[") {
		return "", errors.New("address literals are not accepted")
	}
	a, err := domainProfile.ToASCII(d)
	if err != nil {
		return "", errors.New("invalid domain")
	}
	a = strings.ToLower(a)
	if len(a) > maxDomain {
		return "", errors.New("domain longer than 253 octets")
	}
	labels := strings.Split(a, ".")
	if len(labels) < 2 {
		return "", errors.New("domain without a dot")
	}
	for _, l := range labels {
		if !ldhLabel(l) {
			return "", fmt.Errorf("invalid domain label %q", l)
		}
	}
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return "", errors.New("numeric top-level domain")
	}
	return a, nil
}

// ldhLabel reports whether l is a letters-digits-hyphen label (RFC 5890
// §2.3.1) of 1 to 63 octets, not starting or ending with a hyphen.
func ldhLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// checkLocalPart accepts a dot-atom (RFC 5321 §4.1.2) of atext without '%'
// and '!', plus the letters, digits and marks of other scripts.
func checkLocalPart(l string) error {
	switch {
	case l == "":
		return errors.New("empty local part")
	case len(l) > maxLocalPart:
		return errors.New("local part longer than 64 octets")
	case l[0] == '.' || l[len(l)-1] == '.' || strings.Contains(l, ".."):
		return errors.New("misplaced dot in the local part")
	}
	for _, r := range l {
		if !localRune(r) {
			return fmt.Errorf("character %q not allowed in the local part", r)
		}
	}
	return nil
}

func localRune(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.':
		return true
	case r < utf8.RuneSelf:
		return strings.ContainsRune("#$&'*+-/=?^_`{|}~", r)
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.M, r)
}

// addrErr builds an AddressError quoting at most 100 printable octets.
func addrErr(v, why string) *AddressError {
	v = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return '?'
		}
		return r
	}, v)
	if len(v) > 100 {
		cut := 100
		for cut > 0 && !utf8.RuneStart(v[cut]) {
			cut--
		}
		v = v[:cut] + "…"
	}
	return &AddressError{Value: v, Why: why}
}
