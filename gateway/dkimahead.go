package gateway

import (
	"context"
	"sync"
	"sync/atomic"

	"codeberg.org/opteos/roomgate/mailauth"
)

// dkimAheadWorkers bounds the messages whose DKIM signatures are verified
// at once, ahead of their decisions.
const dkimAheadWorkers = 8

// dkimAhead verifies the DKIM signatures of a batch's messages (with
// AuthOptions.VerifyDKIM) a few at a time, in the batch's order, while the
// loop decides them one after the other: a DNS server that does not answer
// costs the batch about one DNSTimeout per dkimAheadWorkers messages
// instead of one per message, and keeps the DNS off the decisions'
// critical path. The decisions wait for the verification of their message
// (result); a message that was not started ahead (a direct Handle) is
// verified in place.
type dkimAhead struct {
	opt  AuthOptions
	mu   sync.Mutex
	jobs map[string]*dkimJob // by messageKey
}

type dkimJob struct {
	raw  []byte
	done chan struct{}
	res  mailauth.DKIM
}

func newDKIMAhead(opt AuthOptions) *dkimAhead {
	return &dkimAhead{opt: opt, jobs: map[string]*dkimJob{}}
}

// start verifies the batch's messages ahead. The verifications outlive a
// shutdown (each is bounded by DNSTimeout), since the message in hand is
// still decided then.
func (d *dkimAhead) start(ctx context.Context, batch []Incoming) {
	if !d.opt.VerifyDKIM || len(batch) == 0 {
		return
	}
	ctx = context.WithoutCancel(ctx)
	jobs := make([]*dkimJob, 0, len(batch))
	d.mu.Lock()
	for _, in := range batch {
		key := messageKey(in.Raw)
		if d.jobs[key] == nil {
			j := &dkimJob{raw: in.Raw, done: make(chan struct{})}
			d.jobs[key] = j
			jobs = append(jobs, j)
		}
	}
	d.mu.Unlock()
	var next atomic.Int64
	for range min(dkimAheadWorkers, len(jobs)) {
		go func() {
			for i := next.Add(1) - 1; i < int64(len(jobs)); i = next.Add(1) - 1 {
				j := jobs[i]
				j.res = mailauth.VerifyDKIM(ctx, d.opt.Resolver, d.opt.DNSTimeout, j.raw)
				close(j.done)
			}
		}()
	}
}

// forget drops the batch's verifications once it is decided.
func (d *dkimAhead) forget(batch []Incoming) {
	if !d.opt.VerifyDKIM {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, in := range batch {
		delete(d.jobs, messageKey(in.Raw))
	}
}

// result is the verification of raw: the one started ahead, or one made
// now.
func (d *dkimAhead) result(ctx context.Context, raw []byte) mailauth.DKIM {
	d.mu.Lock()
	j := d.jobs[messageKey(raw)]
	d.mu.Unlock()
	if j == nil {
		return mailauth.VerifyDKIM(ctx, d.opt.Resolver, d.opt.DNSTimeout, raw)
	}
	select {
	case <-j.done:
		return j.res
	case <-ctx.Done():
		return mailauth.VerifyDKIM(ctx, d.opt.Resolver, d.opt.DNSTimeout, raw)
	}
}
