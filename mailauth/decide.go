package mailauth

import (
	"fmt"
	"reflect"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// Check reads the top Authentication-Results field of a message (field,
// "" when there is none) and reports whether it authenticates the domain
// of the From address from. The caller passes the top field only: RFC
// 8601 §5 lets a reader trust only the fields its own border server
// (authservID) added, and that server adds its field above those it
// received (§4.1; it should also remove or rename received fields that
// carry its own authserv-id, §5).
//
// The field counts when it parses strictly (Parse), unambiguously
// (parseUnambiguous), carries authservID, and
//
//   - its one dmarc result is "pass" with a header.from equal to the From
//     domain (RFC 7489 §11.2), or
//   - it has no dmarc result of pass or fail, and a dkim=pass
//     whose header.d (or else header.i's domain) is aligned with the From
//     domain (relaxed alignment, RFC 7489 §3.1.1), and no other dkim result
//     contradicts it: every dkim result of the field is a pass.
//
// Several dmarc results, or a dkim=pass next to a dkim result that is not
// a pass, are never a pass: an attacker who slips a result into a field
// adds one to those the server wrote. why says, in English, how it was
// decided.
func Check(field, authservID, from string) (pass bool, why string) {
	if field == "" {
		return false, "no Authentication-Results field"
	}
	res, err := parseUnambiguous(field)
	if err != nil {
		return false, "unreadable Authentication-Results field (" + err.Error() + ")"
	}
	if !strings.EqualFold(res.AuthservID, authservID) {
		return false, fmt.Sprintf("top Authentication-Results field is from %q, not %q", printable(res.AuthservID), authservID)
	}
	dom := Domain(from)
	if dom == "" {
		return false, "the From address has no domain"
	}
	var dmarc, dkim []Result
	for _, r := range res.Results {
		switch r.Method {
		case "dmarc":
			dmarc = append(dmarc, r)
		case "dkim":
			dkim = append(dkim, r)
		}
	}
	if len(dmarc) > 1 {
		return false, fmt.Sprintf("%s reports %d DMARC results in one field: not a pass", authservID, len(dmarc))
	}
	if len(dmarc) == 1 {
		// A DMARC pass that is not for the From domain, or a DMARC fail, is
		// the last word; none or an error leaves DKIM to judge.
		if ok, why := dmarcPass(dmarc[0], authservID, dom); ok || dmarc[0].Value == "pass" || dmarc[0].Value == "fail" {
			return ok, why
		}
	}
	return dkimPass(dkim, authservID, from)
}

// dmarcPass judges the one dmarc result of a field: a pass for the From
// domain, or why not.
func dmarcPass(r Result, authservID, dom string) (bool, string) {
	hf, n := r.Prop("header", "from")
	hf = strings.ToLower(strings.TrimSuffix(hf, "."))
	switch {
	case r.Value != "pass":
		return false, fmt.Sprintf("%s reports DMARC %s for %s", authservID, r.Value, dom)
	case n != 1:
		return false, fmt.Sprintf("%s reports DMARC pass without exactly one header.from", authservID)
	case hf != dom:
		return false, fmt.Sprintf("%s reports DMARC pass for %s, not for the From domain %s", authservID, printable(hf), dom)
	}
	return true, fmt.Sprintf("DMARC pass for %s according to %s", dom, authservID)
}

// dkimPass judges the dkim results of a field (see Check).
func dkimPass(dkim []Result, authservID, from string) (bool, string) {
	dom := Domain(from)
	none := fmt.Sprintf("%s reports neither DMARC pass nor a passing DKIM signature aligned with %s", authservID, dom)
	signer := ""
	for _, r := range dkim {
		if r.Value != "pass" {
			if signer != "" || len(dkim) > 1 {
				return false, fmt.Sprintf("%s reports DKIM results that disagree (%s among them): not a pass", authservID, r.Value)
			}
			return false, none
		}
		if d := dkimDomain(r); signer == "" && Aligned(d, from) {
			signer = d
		}
	}
	if signer == "" {
		return false, none
	}
	return true, fmt.Sprintf("DKIM pass for %s according to %s", printable(signer), authservID)
}

// dkimDomain is the signing domain of a dkim result: header.d, else the
// domain of header.i (RFC 6376 §3.5: i is d or one of its subdomains);
// "" when neither or several are given.
func dkimDomain(r Result) string {
	if d, n := r.Prop("header", "d"); n > 0 {
		if n > 1 {
			return ""
		}
		return d
	}
	if i, n := r.Prop("header", "i"); n == 1 {
		return Domain(i)
	}
	return ""
}

// parseUnambiguous parses a field strictly (Parse), then refuses it when
// text in its comments or quoted strings may have been read as results:
//
//   - some writers put a quoted sender inside a comment, e.g. rspamd's
//     (mx: domain of "x) ; dmarc=pass ... (@evil.example" has no SPF
//     policy…), where RFC 5322 takes the '"' as plain comment text and the
//     ")" as the comment's end: a field that reads differently when such
//     quoted strings are taken as quoted strings is refused;
//   - policyd-spf copies the HELO name unquoted into a comment and quoted
//     into smtp.helo: a result whose text also appears inside a quoted
//     string or a comment of the field was copied there from the sender,
//     and the field is refused.
func parseUnambiguous(field string) (*Results, error) {
	strict := &parser{s: field}
	res, err := strict.payload()
	if err != nil {
		return nil, fmt.Errorf("%w: %w (at octet %d)", ErrSyntax, err, strict.i)
	}
	other := &parser{s: field, quotesInComments: true}
	res2, err := other.payload()
	if err != nil || !reflect.DeepEqual(res, res2) {
		return nil, fmt.Errorf("%w: it reads differently when the quoted strings inside its comments are taken as such, so a comment may hold a forged result", ErrSyntax)
	}
	texts := append(strict.texts, other.texts...)
	for _, s := range strict.spans {
		s = unfold(s)
		for _, t := range texts {
			if strings.Contains(unfold(t), s) {
				return nil, fmt.Errorf("%w: the result %q also appears inside a comment or a quoted string, where the sender may have written it", ErrSyntax, printable(s))
			}
		}
	}
	return res, nil
}

func unfold(s string) string { return strings.NewReplacer("\r", "", "\n", "").Replace(s) }

// Aligned applies relaxed DKIM alignment (RFC 7489 §3.1.1): the signing
// domain and the From domain have the same organizational domain, found
// with the Public Suffix List (RFC 7489 §3.2), so that zoom.com.cn and
// attacker.com.cn differ.
func Aligned(signingDomain, from string) bool {
	d := OrgDomain(signingDomain)
	return d != "" && d == OrgDomain(Domain(from))
}

// OrgDomain returns the organizational domain of d (RFC 7489 §3.2): its
// public suffix plus one label; "" when d is itself a public suffix.
func OrgDomain(d string) string {
	d = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(d), "."))
	if d == "" {
		return ""
	}
	o, err := publicsuffix.EffectiveTLDPlusOne(d)
	if err != nil {
		return ""
	}
	return o
}

// Domain returns the domain of an address in lower case, "" when it has
// none.
func Domain(addr string) string {
	if at := strings.LastIndexByte(addr, '@'); at >= 0 {
		return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(addr[at+1:]), "."))
	}
	return ""
}

// printable replaces control and non-ASCII characters of text from a
// message, for logs and reasons.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || r > '~' {
			return '?'
		}
		return r
	}, s)
}
