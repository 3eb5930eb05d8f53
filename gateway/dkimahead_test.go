package gateway_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// silentDNS does not answer until released (or its context ends, as a
// DNS server that never answers would leave a lookup to its deadline);
// once released it answers with the key of k. Each lookup that starts is
// announced on entered.
type silentDNS struct {
	k       dkimKey
	entered chan string
	release chan struct{}
}

func (s silentDNS) LookupTXT(ctx context.Context, name string) ([]string, error) {
	s.entered <- name
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-s.release:
		return s.k.LookupTXT(ctx, name)
	}
}

// TestDKIMAheadSilentDNS: with verify_dkim, the DKIM keys of a batch are
// looked up concurrently, ahead of the serial decisions: while the DNS is
// silent, the lookups of all the batch's messages are under way at once
// (so a silent DNS costs the batch about one dns_timeout, not one per
// message), and each decision gets its own message's result once the DNS
// answers. DNSTimeout is an hour: nothing here waits for it.
func TestDKIMAheadSilentDNS(t *testing.T) {
	const n = 6
	key := newDKIMKey(t)
	dns := silentDNS{k: key, entered: make(chan string, n), release: make(chan struct{})}
	h := newHarness(t, relayOptions, func(o *gateway.Options) {
		o.Auth = gateway.AuthOptions{VerifyDKIM: true, Resolver: dns, DNSTimeout: time.Hour}
	})
	var batch []gateway.Incoming
	for i := range n {
		z := codeMail(fmt.Sprintf("48392%d", i), t0)
		z.AuthResults = nil
		batch = append(batch, ref(i+1, key.sign(t, z.bytes())))
	}
	src := newFakeSource()
	src.batches <- batch
	stop := runLoop(t, h, src)
	defer stop()
	var once sync.Once
	release := func() { once.Do(func() { close(dns.release) }) }
	defer release()                          // before stop, so that a failing test ends
	guard := time.NewTimer(30 * time.Second) // a failure's bound, not a wait for time
	defer guard.Stop()
	for i := range n {
		select {
		case <-dns.entered:
		case <-guard.C:
			t.Fatalf("only %d of %d DKIM lookups under way at once: the messages wait for each other's DNS", i, n)
		}
	}
	if f := src.filings(); len(f) != 0 {
		t.Fatalf("filed before the DNS answered: %v", f)
	}
	release()
	waitFor(t, "the batch filed", 30*time.Second, func() bool { return len(src.filings()) == n })
	for _, f := range src.filings() {
		if !strings.HasSuffix(f, " "+string(gateway.FolderProcessed)) {
			t.Errorf("filed %q, want every genuine code relayed (processed)", f)
		}
	}
}

// TestDKIMAheadDeadline: through the loop, a DNS that never answers leaves
// every message of the batch to its deadline, and each is judged not
// authentic.
func TestDKIMAheadDeadline(t *testing.T) {
	const n = 4
	key := newDKIMKey(t)
	h := newHarness(t, relayOptions, func(o *gateway.Options) {
		o.Auth = gateway.AuthOptions{VerifyDKIM: true, Resolver: blockingDNS{}, DNSTimeout: 20 * time.Millisecond}
	})
	var batch []gateway.Incoming
	for i := range n {
		z := codeMail(fmt.Sprintf("48392%d", i), t0)
		z.AuthResults = nil
		batch = append(batch, ref(i+1, key.sign(t, z.bytes())))
	}
	src := newFakeSource()
	src.batches <- batch
	stop := runLoop(t, h, src)
	defer stop()
	waitFor(t, "the batch filed", 30*time.Second, func() bool { return len(src.filings()) == n })
	for _, f := range src.filings() {
		if !strings.HasSuffix(f, " "+string(gateway.FolderRejected)) {
			t.Errorf("filed %q, want rejected", f)
		}
	}
}
