package mailauth

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/emersion/go-message/textproto"
)

// countingDNS answers no key, counting the lookups.
type countingDNS struct{ n *atomic.Int32 }

func (c countingDNS) LookupTXT(context.Context, string) ([]string, error) {
	c.n.Add(1)
	return nil, nil
}

func TestSenderAuthenticate(t *testing.T) {
	pass := mx + "; dmarc=pass header.from=coop.example"
	for _, c := range []struct {
		name, field, from string
		opt               Options
		want              bool
		why               string
	}{
		{"not configured", pass, "alice@coop.example", Options{}, false, "no authentication configured"},
		{"no single From", pass, "", Options{AuthservID: mx}, false, "the From field is not exactly one address"},
		{"trusted server says dmarc=pass", pass, "alice@coop.example", Options{AuthservID: mx}, true, ""},
		{"another server's field", "mx.evil.example; dmarc=pass header.from=coop.example", "alice@coop.example",
			Options{AuthservID: mx}, false, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			var h textproto.Header
			h.Set("Authentication-Results", c.field)
			au := NewSender(c.opt).Authenticate(context.Background(), h, nil, c.from)
			if au.Pass != c.want || au.From != c.from || c.why != "" && au.Why != c.why {
				t.Errorf("Authenticate = %+v, want pass %v (why %q)", au, c.want, c.why)
			}
		})
	}
}

// TestSenderAhead checks that a message verified ahead is not verified
// again when it is decided, and is once it was forgotten.
func TestSenderAhead(t *testing.T) {
	var n atomic.Int32
	s := NewSender(Options{VerifyDKIM: true, Resolver: countingDNS{&n}})
	raw := []byte("DKIM-Signature: v=1; a=rsa-sha256; d=coop.example; s=sel; h=from; bh=AAAA; b=AAAA\r\n" +
		"From: alice@coop.example\r\n\r\nbody\r\n")
	var h textproto.Header
	ctx := context.Background()
	s.Ahead(ctx, [][]byte{raw})
	if au := s.Authenticate(ctx, h, raw, "alice@coop.example"); au.Pass {
		t.Fatalf("a signature without key passed: %+v", au)
	}
	if got := n.Load(); got != 1 {
		t.Errorf("%d lookups for a message verified ahead, want 1", got)
	}
	s.Forget([][]byte{raw})
	s.Authenticate(ctx, h, raw, "alice@coop.example")
	if got := n.Load(); got != 2 {
		t.Errorf("%d lookups once forgotten, want 2", got)
	}
}
