package mailauth

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-message/textproto"
	"github.com/emersion/go-msgauth/dkim"
)

// TXTResolver looks up DNS TXT records. *net.Resolver implements it.
type TXTResolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

// MaxDKIMSignatures bounds the signatures verified in one message.
const MaxDKIMSignatures = 5

// ErrNoResolver is returned by VerifyDKIM without a resolver.
var ErrNoResolver = errors.New("no DNS resolver configured for DKIM")

// DKIM is the outcome of verifying a message's DKIM signatures, before
// any From address is compared with them (For).
type DKIM struct {
	raw      []byte
	vs       []*dkim.Verification
	err      error
	timedOut bool
}

// VerifyDKIM verifies the DKIM signatures of a message (RFC 6376), at most
// MaxDKIMSignatures of them, looking their keys up through res. Every
// lookup of the message shares one deadline of timeout.
func VerifyDKIM(ctx context.Context, res TXTResolver, timeout time.Duration, raw []byte) DKIM {
	if res == nil {
		return DKIM{err: ErrNoResolver}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	lookup := func(name string) ([]string, error) { return res.LookupTXT(ctx, name) }
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{LookupTXT: lookup, MaxVerifications: MaxDKIMSignatures})
	return DKIM{raw: raw, vs: vs, err: err, timedOut: ctx.Err() != nil}
}

// For returns the b= value of the first signature that passed for a
// domain aligned with from (relaxed, RFC 7489 §3.1.1), or "" and why none
// did.
func (d DKIM) For(from string) (sig, why string) {
	if d.err != nil && len(d.vs) == 0 {
		return "", "DKIM verification failed: " + printable(d.err.Error())
	}
	why = "no DKIM signature"
	for i, v := range d.vs {
		switch {
		case v.Err == nil && Aligned(v.Domain, from):
			return signatureValue(d.raw, i), "DKIM signature verified for " + v.Domain
		case v.Err == nil:
			why = fmt.Sprintf("DKIM signature of %s is not aligned with %s", printable(v.Domain), Domain(from))
		case d.timedOut && dkim.IsTempFail(v.Err):
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
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw)))
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
