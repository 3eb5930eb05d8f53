package gateway

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-message/textproto"
	"github.com/emersion/go-msgauth/authres"
	"github.com/emersion/go-msgauth/dkim"
	"golang.org/x/net/publicsuffix"
)

// AuthOptions says how roomgate learns that a message comes from the
// domain of its From address. Without AuthservID and VerifyDKIM nothing is
// authenticated: anybody can then write in a member's name.
type AuthOptions struct {
	// AuthservID is the authserv-id (RFC 8601 §2.2) of the receiving
	// server: its Authentication-Results field is trusted, and only the
	// top one (the last added), since lower ones may come from the sender.
	AuthservID string
	// VerifyDKIM also verifies DKIM signatures directly (RFC 6376), with
	// Resolver for the keys.
	VerifyDKIM bool
	// Resolver looks up the DKIM keys; a net.Resolver when nil. Each
	// message's lookups share one deadline of DNSTimeout (10 s when 0).
	Resolver   TXTResolver
	DNSTimeout time.Duration
}

// TXTResolver looks up DNS TXT records. *net.Resolver implements it.
type TXTResolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

// Configured reports whether any source of authentication is set.
func (o AuthOptions) Configured() bool { return o.AuthservID != "" || o.VerifyDKIM }

// Authentication is what is known of a message's From domain.
type Authentication struct {
	// From is the address of the From field, parsed strictly; "" when the
	// field is not exactly one mailbox.
	From string
	// Pass is set when the From domain passed DMARC, or carries a passing
	// DKIM signature aligned with it (RFC 7489 §3.1.1, relaxed).
	Pass bool
	// Why says how it was decided, in English, for logs and the audit.
	Why string
	// Signature is the b= value of the aligned DKIM signature verified
	// here, "" otherwise. It identifies the mail across re-deliveries.
	Signature string
}

// maxDKIMSignatures bounds the signatures verified in one message.
const maxDKIMSignatures = 5

// authenticate decides whether the From domain of a message is genuine:
// the top Authentication-Results field of the trusted server says
// dmarc=pass for it, or an aligned dkim=pass, or roomgate verifies an
// aligned signature itself (VerifyDKIM). from is the strictly parsed From
// address ("" when the field is not one mailbox: never authentic).
func authenticate(ctx context.Context, o AuthOptions, h textproto.Header, raw []byte, from string) Authentication {
	au := Authentication{From: from, Why: "no authentication configured"}
	if from == "" {
		au.Why = "the From field is not exactly one address"
		return au
	}
	if !o.Configured() {
		return au
	}
	var whys []string
	if o.AuthservID != "" {
		ok, why := authResultsPass(h.Get("Authentication-Results"), o.AuthservID, from)
		if ok {
			au.Pass, au.Why = true, why
			return au
		}
		whys = append(whys, why)
	}
	if o.VerifyDKIM {
		sig, why := verifyDKIM(ctx, o, raw, from)
		if sig != "" {
			au.Pass, au.Why, au.Signature = true, why, sig
			return au
		}
		whys = append(whys, why)
	}
	au.Why = strings.Join(whys, "; ")
	return au
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
	dom := domainOf(from)
	for _, r := range results {
		switch r := r.(type) {
		case *authres.DMARCResult:
			if r.Value == authres.ResultPass && (r.From == "" || strings.EqualFold(strings.TrimSuffix(r.From, "."), dom)) {
				return true, fmt.Sprintf("DMARC pass for %s according to %s", dom, authservID)
			}
		case *authres.DKIMResult:
			if r.Value == authres.ResultPass && aligned(r.Domain, from) {
				return true, fmt.Sprintf("DKIM pass for %s according to %s", printable(r.Domain), authservID)
			}
		}
	}
	return false, fmt.Sprintf("%s reports neither DMARC pass nor a passing DKIM signature aligned with %s", authservID, dom)
}

// verifyDKIM verifies the message's DKIM signatures and returns the b= of
// the first one that passes for a domain aligned with from.
func verifyDKIM(ctx context.Context, o AuthOptions, raw []byte, from string) (sig, why string) {
	timeout := o.DNSTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var res TXTResolver = o.Resolver
	if res == nil {
		res = net.DefaultResolver
	}
	lookup := func(name string) ([]string, error) { return res.LookupTXT(ctx, name) }
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{LookupTXT: lookup, MaxVerifications: maxDKIMSignatures})
	if err != nil && len(vs) == 0 {
		return "", "DKIM verification failed: " + printable(err.Error())
	}
	why = "no DKIM signature"
	for i, v := range vs {
		switch {
		case v.Err == nil && aligned(v.Domain, from):
			return signatureValue(raw, i), "DKIM signature verified for " + v.Domain
		case v.Err == nil:
			why = fmt.Sprintf("DKIM signature of %s is not aligned with %s", printable(v.Domain), domainOf(from))
		case ctx.Err() != nil && dkim.IsTempFail(v.Err):
			why = fmt.Sprintf("DKIM key of %s not found in time", printable(v.Domain))
		default:
			why = fmt.Sprintf("DKIM signature of %s does not verify: %s", printable(v.Domain), printable(v.Err.Error()))
		}
	}
	return "", why
}

// signatureValue returns the b= tag of the i-th DKIM-Signature field (in
// the order go-msgauth verifies them: top first), or "dkim" when it cannot
// be read.
func signatureValue(raw []byte, i int) string {
	h, err := readHeader(raw)
	if err != nil {
		return "dkim"
	}
	fields := h.Values("Dkim-Signature")
	if i >= len(fields) {
		return "dkim"
	}
	for _, tag := range strings.Split(fields[i], ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(tag), "=")
		if ok && strings.TrimSpace(k) == "b" {
			return strings.Join(strings.Fields(v), "")
		}
	}
	return "dkim"
}

// aligned applies relaxed DKIM alignment (RFC 7489 §3.1.1): the signing
// domain and the From domain have the same organizational domain, found
// with the Public Suffix List (RFC 7489 §3.2), so that zoom.com.cn and
// attacker.com.cn differ.
func aligned(dkimDomain, from string) bool {
	d := OrgDomain(strings.ToLower(strings.TrimSuffix(dkimDomain, ".")))
	return d != "" && d == OrgDomain(domainOf(from))
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

func domainOf(addr string) string {
	if at := strings.LastIndexByte(addr, '@'); at >= 0 {
		return strings.ToLower(strings.TrimSpace(addr[at+1:]))
	}
	return ""
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
