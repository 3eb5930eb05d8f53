package mailauth

import (
	"context"
	"crypto/sha256"
	"sync"
	"sync/atomic"
)

// aheadWorkers bounds the messages whose DKIM signatures are verified
// at once, ahead of their decisions.
const aheadWorkers = 8

// ahead verifies the DKIM signatures of a batch's messages (with
// Options.VerifyDKIM) a few at a time, in the batch's order, while the
// loop decides them one after the other: a DNS server that does not answer
// costs the batch about one DNSTimeout per aheadWorkers messages
// instead of one per message, and keeps the DNS off the decisions'
// critical path. The decisions wait for the verification of their message
// (result); a message that was not started ahead is
// verified in place.
type ahead struct {
	opt  Options
	mu   sync.Mutex
	jobs map[[sha256.Size]byte]*dkimJob // by the message's SHA-256
}

type dkimJob struct {
	raw  []byte
	done chan struct{}
	res  DKIM
}

func newAhead(opt Options) *ahead {
	return &ahead{opt: opt, jobs: map[[sha256.Size]byte]*dkimJob{}}
}

// start verifies the batch's messages ahead. The verifications outlive a
// shutdown (each is bounded by DNSTimeout), since the message in hand is
// still decided then.
func (d *ahead) start(ctx context.Context, batch [][]byte) {
	if !d.opt.VerifyDKIM || len(batch) == 0 {
		return
	}
	ctx = context.WithoutCancel(ctx)
	jobs := make([]*dkimJob, 0, len(batch))
	d.mu.Lock()
	for _, raw := range batch {
		key := sha256.Sum256(raw)
		if d.jobs[key] == nil {
			j := &dkimJob{raw: raw, done: make(chan struct{})}
			d.jobs[key] = j
			jobs = append(jobs, j)
		}
	}
	d.mu.Unlock()
	var next atomic.Int64
	for range min(aheadWorkers, len(jobs)) {
		go func() {
			for i := next.Add(1) - 1; i < int64(len(jobs)); i = next.Add(1) - 1 {
				j := jobs[i]
				j.res = VerifyDKIM(ctx, d.opt.Resolver, d.opt.DNSTimeout, j.raw)
				close(j.done)
			}
		}()
	}
}

// forget drops the batch's verifications once it is decided.
func (d *ahead) forget(batch [][]byte) {
	if !d.opt.VerifyDKIM {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, raw := range batch {
		delete(d.jobs, sha256.Sum256(raw))
	}
}

// result is the verification of raw: the one started ahead, or one made
// now.
func (d *ahead) result(ctx context.Context, raw []byte) DKIM {
	d.mu.Lock()
	j := d.jobs[sha256.Sum256(raw)]
	d.mu.Unlock()
	if j == nil {
		return VerifyDKIM(ctx, d.opt.Resolver, d.opt.DNSTimeout, raw)
	}
	select {
	case <-j.done:
		return j.res
	case <-ctx.Done():
		return VerifyDKIM(ctx, d.opt.Resolver, d.opt.DNSTimeout, raw)
	}
}
