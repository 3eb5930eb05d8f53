package gateway_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// fakePoster fails with the errors queued in errs, then succeeds.
type fakePoster struct {
	mu     sync.Mutex
	errs   []error
	bodies []string
}

func (p *fakePoster) Post(ctx context.Context, body []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.errs) > 0 {
		err := p.errs[0]
		p.errs = p.errs[1:]
		return err
	}
	p.bodies = append(p.bodies, string(body))
	return nil
}

// TestOutboxChannels: chat messages go to the Poster, mails to the
// Sender; a chat that is down holds no mail back and is retried.
func TestOutboxChannels(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, relayOptions)
	h.handleNow(codeMail("483920", t0).bytes())
	h.handleNow(codeMail("551177", t0).bytes())
	s := &fakeSender{}
	p := &fakePoster{errs: []error{errors.New("connection refused")}}
	opt := gateway.OutboxOptions{Poster: p, RetryBase: time.Minute}
	if n, err := h.g.FlushOutbox(ctx, s, opt); n != 5 || err != nil {
		t.Fatalf("flush = %d, %v; want the 4 mails and the second chat message sent", n, err)
	}
	if len(s.sent) != 4 || len(p.bodies) != 1 {
		t.Fatalf("%d mails, %d chat messages", len(s.sent), len(p.bodies))
	}
	h.clock.advance(2 * time.Minute)
	if n, err := h.g.FlushOutbox(ctx, s, opt); n != 1 || err != nil || len(p.bodies) != 2 {
		t.Fatalf("retry = %d, %v, %d chat messages", n, err, len(p.bodies))
	}
	for _, m := range h.st.outbox() {
		if m.Status != gateway.OutboxSent {
			t.Errorf("row %d (%q) is %s", m.ID, m.Channel, m.Status)
		}
	}
}

// TestOutboxNoPoster: a chat message left without a webhook (the
// configuration changed) fails for good; the mails are sent.
func TestOutboxNoPoster(t *testing.T) {
	h := newHarness(t, relayOptions)
	h.handleNow(codeMail("483920", t0).bytes())
	s := &fakeSender{}
	if n, err := h.g.FlushOutbox(context.Background(), s, gateway.OutboxOptions{}); n != 2 || err != nil {
		t.Fatalf("flush = %d, %v", n, err)
	}
	for _, m := range h.st.outbox() {
		want := gateway.OutboxSent
		if m.Channel == gateway.ChannelWebhook {
			want = gateway.OutboxFailed
		}
		if m.Status != want {
			t.Errorf("row %q: %s, want %s", m.Channel, m.Status, want)
		}
	}
}
