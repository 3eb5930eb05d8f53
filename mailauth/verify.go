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

// VerifyDKIM verifies the DKIM signatures of a message (RFC 6376) and
// returns the b= value of the first one that passes for a domain aligned
// with from (relaxed, RFC 7489 §3.1.1), "" with why when none does. Every
// lookup of the message shares one deadline of timeout.
func VerifyDKIM(ctx context.Context, res TXTResolver, timeout time.Duration, raw []byte, from string) (sig, why string) {
	if res == nil {
		return "", "DKIM verification failed: " + ErrNoResolver.Error()
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	lookup := func(name string) ([]string, error) { return res.LookupTXT(ctx, name) }
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{LookupTXT: lookup, MaxVerifications: MaxDKIMSignatures})
	if err != nil && len(vs) == 0 {
		return "", "DKIM verification failed: " + printable(err.Error())
	}
	why = "no DKIM signature"
	for i, v := range vs {
		switch {
		case v.Err == nil && Aligned(v.Domain, from):
			return signatureValue(raw, i), "DKIM signature verified for " + v.Domain
		case v.Err == nil:
			why = fmt.Sprintf("DKIM signature of %s is not aligned with %s", printable(v.Domain), Domain(from))
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
